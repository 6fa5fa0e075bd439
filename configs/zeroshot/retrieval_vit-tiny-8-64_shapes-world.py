# Image-text retrieval (R@1/5/10 both ways) on held-out shapes-world captions,
# three captions per image.
# python tools/test.py configs/zeroshot/retrieval_vit-tiny-8-64_shapes-world.py
from mmengine.config import read_base

from clipx.backbone import FrozenCLIP
from clipx.data.captions import CsvImageCaptions
from clipx.data.classification import clip_eval_transform
from clipx.evaluation import ImageTextRetrieval, ImageTextRetrievalModel

with read_base():
    from .._base_.zeroshot_runtime import *  # noqa: F401,F403

checkpoint = "work_dirs/clip_vit-tiny-8-64_1xb256-1000it_shapes-world/clip_latest.pt"
clip = dict(type=FrozenCLIP, model_name="clipx-ViT-tiny-8-64", checkpoint=checkpoint)
model = dict(type=ImageTextRetrievalModel, clip=clip)
test_dataloader.update(  # noqa: F405
    dataset=dict(
        type=CsvImageCaptions,
        csv_file="data/shapes_world/retrieval/test.csv",
        transform=dict(type=clip_eval_transform, clip=clip),
    )
)
test_evaluator = dict(type=ImageTextRetrieval, ks=(1, 5, 10))
