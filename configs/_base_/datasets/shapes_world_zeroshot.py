# Zero-shot colour x shape classification on the generated shapes world: 36 class folders of
# held-out 64-px images (python tools/generate_shapes_world.py --out data/shapes_world).
# Images are prepared by the evaluated backbone's own preprocessing (clip_eval_transform with
# the model's `clip`; here the tiny CLIP pretrained on shapes world).
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler

from clipx.data.classification import ImageFolderClassification, clip_eval_transform
from clipx.evaluation import ZeroShotAccuracy

with read_base():
    from ..models.frozen_clip_rn_tiny_64 import clip

test_dataloader = dict(
    batch_size=128,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=ImageFolderClassification,
        root="data/shapes_world/zeroshot/val",
        classes_file="../classes.txt",
        transform=dict(type=clip_eval_transform, clip=clip),
    ),
)
test_evaluator = dict(type=ZeroShotAccuracy, topk=(1, 5), per_class=True)
