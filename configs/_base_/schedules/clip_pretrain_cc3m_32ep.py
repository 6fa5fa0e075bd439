# 32 epochs of CC3M on 8 GPUs (8 x 512 pairs a step, the loss gathering all ranks: global batch
# 4096), CLIP's optimiser with bf16 mixed precision (CUDA): linear warm-up over 2000 iterations
# to 5e-4, cosine decay to zero. accumulative_counts=N steps once every N batches.
from mmengine.config import read_base
from mmengine.optim import AmpOptimWrapper, CosineAnnealingLR, LinearLR
from mmengine.runner import IterBasedTrainLoop

with read_base():
    from ..datasets.cc3m_tsv import batch_size, num_pairs
    from .clip_adamw import optim_wrapper

num_gpus = 8
max_iters = num_pairs * 32 // (batch_size * num_gpus)
warmup_iters = 2000

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters)
optim_wrapper.update(type=AmpOptimWrapper, dtype="bfloat16", accumulative_counts=1)
optim_wrapper["optimizer"].update(lr=5e-4, weight_decay=0.2)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=0.0),
]
