# ActionCLIP with meanP (the parameter-free mean of the frozen frame embeddings; nothing trained):
# zero-shot direction classification of held-out shapes-world clips (left / right / up / down,
# chance 25%) against prompt-wrapped class names. The order-blind baseline of the seqTransf config.
# python tools/test.py projects/actionclip/configs/actionclip_meanp_rn-tiny-64_shapes-world-video-direction.py
# The look-alike split (groups of clips that differ only in direction):
#   --cfg-options test_dataloader.dataset.ann_file=data/shapes_world_video/annotations/test_directions_clips.json
from mmengine.config import read_base

from clipx.video import MeanPooling
from projects.actionclip.actionclip import SHAPE_MOTION_TEMPLATES, ActionCLIP

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from ....configs._base_.schedules.test_only import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_video_direction import *  # noqa: F401,F403

model = dict(
    type=ActionCLIP,
    clip=clip,  # noqa: F405
    aggregator=dict(type=MeanPooling),
    templates=SHAPE_MOTION_TEMPLATES,
)
test_dataloader.update(num_workers=2)  # noqa: F405
