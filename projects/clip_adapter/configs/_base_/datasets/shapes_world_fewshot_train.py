# Training on the K-shot set of datasets/shapes_world_fewshot.py (16 shots here; a config sets
# train_dataloader.dataset.shots), horizontally flipped at random.
from mmengine.config import read_base
from mmengine.dataset import InfiniteSampler

from projects.clip_adapter.clip_adapter import clip_flip_train_transform

with read_base():
    from ......configs._base_.models.frozen_clip_rn_tiny_64 import clip
    from .shapes_world_fewshot import fewshot_set

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    dataset=dict(fewshot_set, transform=dict(type=clip_flip_train_transform, clip=clip)),
)
