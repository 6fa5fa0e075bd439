# ViT-B/32 from scratch on CC3M as webdataset tar shards (documented, not run here): each shard
# holds <key>.jpg + <key>.txt as img2dataset writes them; shards stream, never held whole.
# torchrun --nproc_per_node=8 tools/train.py configs/clip/clip_vit-b32_8xb512-32ep_cc3m-wds.py --launcher pytorch
from mmengine.config import read_base

from clipx.data import WebDatasetImageText

with read_base():
    from .._base_.clip_vit_b32_cc3m import *  # noqa: F401,F403

train_dataloader.update(  # noqa: F405
    sampler=None,  # the iterable dataset splits shards across ranks and workers itself
    dataset=dict(
        type=WebDatasetImageText,
        shards="data/cc3m/shards/{00000..00331}.tar",
        model_name=model_name,  # noqa: F405
        num_samples=num_pairs,  # noqa: F405
        shuffle_buffer=5000,
    ),
)
