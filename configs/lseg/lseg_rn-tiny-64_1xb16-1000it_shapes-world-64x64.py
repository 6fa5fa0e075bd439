# LSeg on shapes world: the plain LSeg decoder (DPT-like fusion of the frozen tiny CLIP's
# layer1-4 to per-pixel joint-space embeddings, cosine / 0.07 against the labels' text
# embeddings), trained on the base classes; at inference CLIP names each predicted segment
# (region re-scoring, clipx.seg.RegionRescorer). --cfg-options model.region_rescore=None: the
# per-pixel labels alone. The residual path is in lseg-residual_... next to this one.
# python tools/generate_shapes_world.py --out data/shapes_world
# python tools/train.py configs/lseg/lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py
# python tools/test.py configs/lseg/lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py \
#     work_dirs/lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64/iter_1000.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_seg_64x64 import *  # noqa: F401,F403
    from .._base_.models.lseg_rn_tiny_64 import *  # noqa: F401,F403
    from .._base_.schedules.lseg_adamw_cosine_1k import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403
