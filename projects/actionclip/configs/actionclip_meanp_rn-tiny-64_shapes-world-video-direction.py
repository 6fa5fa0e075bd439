# ActionCLIP with meanP (the parameter-free mean of the frozen frame embeddings; nothing trained):
# zero-shot direction classification of held-out shapes-world clips (left / right / up / down,
# chance 25%) against prompt-wrapped class names. The order-blind baseline of the seqTransf config.
# PYTHONPATH=. python tools/test.py projects/actionclip/configs/actionclip_meanp_rn-tiny-64_shapes-world-video-direction.py
# (PYTHONPATH=.: tools/*.py put tools/ on sys.path, not the repository root that holds projects/.)
# The look-alike split (groups of clips that differ only in direction):
#   --cfg-options test_dataloader.dataset.ann_file=data/shapes_world_video/annotations/test_directions_clips.json
from mmengine.config import read_base
from mmengine.dataset import pseudo_collate

from clipx.backbone import FrozenCLIP
from clipx.data.classification import clip_eval_transform
from clipx.video import MeanPooling
from projects.actionclip.actionclip import (
    SHAPE_MOTION_TEMPLATES,
    ActionCLIP,
    VideoClassAccuracy,
    VideoClassificationDataset,
)

with read_base():
    from ....configs._base_.zeroshot_runtime import *  # noqa: F401,F403

# mmengine honours custom_imports only in configs without class imports; the imports above load
# (and register) the package here, this line names it for tools that read it.
custom_imports = dict(imports=["projects.actionclip.actionclip"], allow_failed_imports=False)

data_root = "data/shapes_world_video"
checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
classes = ("left", "right", "up", "down")
clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint)
model = dict(
    type=ActionCLIP,
    clip=clip,
    aggregator=dict(type=MeanPooling),
    templates=SHAPE_MOTION_TEMPLATES,
)
test_dataloader.update(  # noqa: F405
    batch_size=32,
    num_workers=2,
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(
        type=VideoClassificationDataset,
        ann_file=f"{data_root}/annotations/test_clips.json",
        video_root=f"{data_root}/videos",
        transform=dict(type=clip_eval_transform, clip=clip),
        classes=classes,
        label_key="direction",
        num_frames=12,
    ),
)
test_evaluator = dict(type=VideoClassAccuracy)
