# Tiny ModifiedResNet CLIP from scratch on the generated shapes world (64 px).
# python tools/generate_shapes_world.py --out data/shapes_world
# python tools/train.py configs/clip/clip_rn-tiny-64_1xb256-800it_shapes-world.py
from mmengine.config import read_base

from clipx.data import ImageTextDataset
from clipx.pretrain import CLIPPretrainer

with read_base():
    from .._base_.clip_pretrain_runtime import *  # noqa: F401,F403

model_name = "clipx-RN-tiny-64"
data_root = "data/shapes_world/image_text"

model = dict(type=CLIPPretrainer, model_name=model_name)
train_dataloader.update(  # noqa: F405
    dataset=dict(type=ImageTextDataset, ann_file=f"{data_root}/train.csv", model_name=model_name)
)
