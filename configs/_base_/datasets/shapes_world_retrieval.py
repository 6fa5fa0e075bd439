# Image-text retrieval on held-out shapes-world images, three captions each
# (python tools/generate_shapes_world.py --out data/shapes_world). Images are prepared by the
# evaluated backbone's own preprocessing (here the tiny CLIP pretrained on shapes world).
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler

from clipx.data.captions import CsvImageCaptions
from clipx.data.classification import clip_eval_transform
from clipx.evaluation import ImageTextRetrieval

with read_base():
    from ..models.frozen_clip_rn_tiny_64 import clip

test_dataloader = dict(
    batch_size=128,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=CsvImageCaptions,
        csv_file="data/shapes_world/retrieval/test.csv",
        transform=dict(type=clip_eval_transform, clip=clip),
    ),
)
test_evaluator = dict(type=ImageTextRetrieval, ks=(1, 5, 10))
