# The example head of projects/README.md: PatchPoolClassifier on the tiny shapes-world CLIP,
# evaluated zero-shot on the colour x shape classes (untrained: the mean of the dense embeddings).
# python tools/test.py projects/example_head/configs/patch-pool_rn-tiny-64_shapes-world.py
from mmengine.config import read_base

from clipx.backbone import FrozenCLIP
from clipx.data.classification import ImageFolderClassification, clip_eval_transform
from clipx.evaluation import ZeroShotAccuracy
from projects.example_head.example_head import PatchPoolClassifier

with read_base():
    from ....configs._base_.zeroshot_runtime import *  # noqa: F401,F403

custom_imports = dict(imports=["projects.example_head.example_head"], allow_failed_imports=False)

checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint, dense_indices=(4,))
model = dict(type=PatchPoolClassifier, clip=clip, templates="name")
test_dataloader.update(  # noqa: F405
    dataset=dict(
        type=ImageFolderClassification,
        root="data/shapes_world/zeroshot/val",
        classes_file="../classes.txt",
        transform=dict(type=clip_eval_transform, clip=clip),
    )
)
test_evaluator = dict(type=ZeroShotAccuracy, topk=(1, 5))
