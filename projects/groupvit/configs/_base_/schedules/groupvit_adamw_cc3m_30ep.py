# 30 epochs of CC3M on 8 GPUs (8 x 512 pairs a step, both losses gathering all ranks: global batch
# 4096), GroupViT's optimiser (schedules/groupvit_adamw_cosine.py) with bf16 mixed precision (CUDA):
# linear warm-up over 2 epochs to 1.6e-3, cosine decay to 1%; validated every 2000 iterations.
from mmengine.config import read_base
from mmengine.optim import AmpOptimWrapper

with read_base():
    from ......configs._base_.datasets.cc3m_tsv import batch_size, num_pairs
    from .groupvit_adamw_cosine import *  # noqa: F401,F403

num_gpus = 8
max_iters = num_pairs * 30 // (batch_size * num_gpus)
warmup_iters = num_pairs * 2 // (batch_size * num_gpus)

optim_wrapper.update(type=AmpOptimWrapper, dtype="bfloat16")  # noqa: F405
optim_wrapper["optimizer"].update(lr=1.6e-3)  # noqa: F405
train_cfg.update(max_iters=max_iters, val_interval=2000)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=warmup_iters, end=max_iters)  # noqa: F405
