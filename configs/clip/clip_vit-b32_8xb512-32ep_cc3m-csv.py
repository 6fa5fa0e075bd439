# ViT-B/32 from scratch on a CC3M-style TSV (documented, not run here): columns filepath, title
# (open_clip's names), paths relative to data_root.
# torchrun --nproc_per_node=8 tools/train.py configs/clip/clip_vit-b32_8xb512-32ep_cc3m-csv.py --launcher pytorch
from mmengine.config import read_base

from clipx.data import ImageTextDataset

with read_base():
    from .._base_.clip_vit_b32_cc3m import *  # noqa: F401,F403

data_root = "data/cc3m"
train_dataloader.update(  # noqa: F405
    dataset=dict(
        type=ImageTextDataset,
        ann_file=f"{data_root}/train.tsv",
        data_root=data_root,
        model_name=model_name,  # noqa: F405
    )
)
