# Zero-shot colour x shape classification with the nano conv-stem ViT CLIP pretrained on shapes
# world, prompting with the class names only ("red circle"). Any other 64-px ViT snapshot:
#   --cfg-options model.clip.model_name=clipx-ViT-tiny-8-64 model.clip.checkpoint=<file>
# python tools/test.py configs/zeroshot/zeroshot_vit-nano-cs-64_shapes-world.py
from mmengine.config import read_base

from clipx.backbone import FrozenCLIP
from clipx.evaluation import ZeroShotClassifierModel

with read_base():
    from .._base_.datasets.shapes_world_zeroshot import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

checkpoint = "work_dirs/clip_vit-nano-cs-64_1xb256-1450it_shapes-world/clip_latest.pt"
clip = dict(type=FrozenCLIP, model_name="clipx-ViT-nano-cs-64", checkpoint=checkpoint)
model = dict(type=ZeroShotClassifierModel, clip=clip, templates="name")
# the images are prepared for this backbone (item assignment: update() would merge the dicts)
test_dataloader["dataset"]["transform"]["clip"] = clip  # noqa: F405
