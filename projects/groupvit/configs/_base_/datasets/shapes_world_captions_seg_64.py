# GroupViT on shapes world: it trains on the pretraining captions (20k 64-px image-caption pairs,
# the generator's default world, half plain and half varied rendering) and is evaluated on the
# segmentation split's val masks, which it never sees in training: every class is zero-shot.
#   python tools/generate_shapes_world.py --out data/shapes_world
# Augmentation: CLIP's random square crop (90-100% of the area), as in pretraining: no flips
# (captions say "left of") and no colour jitter (captions name colours); the rendering
# randomisation of the default world varies what the captions do not describe.
from mmengine.config import read_base

with read_base():
    # the pretraining pairs, loaded as the CLIP pretraining loads them
    from ......configs._base_.datasets.shapes_world_image_text import train_dataloader  # noqa: F401
    from ......configs._base_.datasets.shapes_world_seg_64x64 import (  # noqa: F401
        classes,
        novel_classes,
        test_dataloader,
        test_evaluator,
        val_dataloader,
        val_evaluator,
    )
