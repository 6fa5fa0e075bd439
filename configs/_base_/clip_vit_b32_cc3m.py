# ViT-B/32 CLIP from scratch on CC3M (about 2.8M pairs), 8 GPUs x 512, 32 epochs.
from mmengine.config import read_base
from mmengine.optim import AmpOptimWrapper

from clipx.pretrain import CLIPPretrainer

with read_base():
    from .clip_pretrain_runtime import *  # noqa: F401,F403

model_name = "ViT-B-32"
num_pairs = 2_800_000
batch_size = 512  # per GPU; the loss gathers features from all ranks (global batch 4096 on 8 GPUs)
max_iters = num_pairs * 32 // (batch_size * 8)
warmup_iters = 2000
lr = 5e-4

model = dict(type=CLIPPretrainer, model_name=model_name, grad_checkpointing=False)
train_dataloader.update(batch_size=batch_size, num_workers=8)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
# bf16 mixed precision on GPU; accumulative_counts=N steps once every N batches.
optim_wrapper.update(type=AmpOptimWrapper, dtype="bfloat16", accumulative_counts=1)  # noqa: F405
optim_wrapper["optimizer"].update(lr=lr, weight_decay=0.2)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=warmup_iters, end=max_iters, eta_min=0.0)  # noqa: F405
default_hooks["checkpoint"].update(interval=5000)  # noqa: F405
custom_hooks[0].update(interval=5000)  # noqa: F405
