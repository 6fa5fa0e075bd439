# The training-free baseline of the LSeg configs (MaskCLIP): no head is trained; each position's
# own joint-space embedding from the frozen tiny CLIP (the attention pool's value path at layer4,
# a 2 x 2 grid at 64 px, upsampled) is scored against the label prompts. With region re-scoring
# (the default here, as in lseg_rn-tiny-64_...) CLIP names each segment of that map; every shape
# counts as unseen (CLIP's weight 2/3), since nothing was trained on any of them.
# --cfg-options model.region_rescore=None: the per-position labels alone.
# python tools/test.py configs/lseg/maskclip_rn-tiny-64_shapes-world-64x64.py    (no checkpoint)
from mmengine.config import read_base
from mmengine.runner import TestLoop

from clipx.seg import MaskCLIPHead

with read_base():
    from .._base_.datasets.shapes_world_seg_64x64 import (  # noqa: F401
        classes,
        novel_classes,
        test_dataloader,
        test_evaluator,
    )
    from .._base_.models.lseg_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403

# CLIP's own scale (logit scale 100), so the background probability is CLIP's
model["decode_head"] = dict(type=MaskCLIPHead, temperature=0.01)  # noqa: F405
# nothing is trained: no shape is a "trained" label for the region re-scoring
model["class_names"] = ["background"]  # noqa: F405
# test only: nothing to train or validate
test_cfg = dict(type=TestLoop)
