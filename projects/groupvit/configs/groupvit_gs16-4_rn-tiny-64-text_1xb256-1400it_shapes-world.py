# GroupViT from shapes-world captions alone: the grouping ViT (16 then 4 groups) trains into the
# frozen shapes-world CLIP's text space with the image-caption and the multi-label noun losses;
# it never sees a mask. Validation / test: zero-shot segmentation of the segmentation val split
# (background + 6 shapes, all zero-shot; mIoU_base / mIoU_novel split as the LSeg configs do, so
# the shapes LSeg never saw a mask of can be compared).
# python tools/generate_shapes_world.py --out data/shapes_world
# python tools/train.py configs/clip/clip_rn-tiny-64_1xb256-1000it_shapes-world.py
# python tools/train.py projects/groupvit/configs/groupvit_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world.py
# python tools/test.py projects/groupvit/configs/groupvit_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world.py \
#     work_dirs/groupvit_gs16-4_rn-tiny-64-text_1xb256-1400it_shapes-world/iter_1400.pth
# The background of the ground truth instead of the threshold: --cfg-options model.oracle_background=True
from mmengine.config import read_base

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_captions_seg_64 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs16_4_tiny_64 import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cosine import *  # noqa: F401,F403
