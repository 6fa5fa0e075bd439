# LSeg with the residual path: the decoder's pixel embedding is added to the frozen CLIP's own
# dense joint-space embedding (MaskCLIP projection of each position), so unseen labels keep
# CLIP's zero-shot signal. Base classes train; the novel ones are scored zero-shot.
# python tools/generate_shapes_world.py --out data/shapes_world
# python tools/train.py configs/lseg/lseg_rn-tiny-64_1xb16-1500it_shapes-world-64x64.py
# python tools/test.py configs/lseg/lseg_rn-tiny-64_1xb16-1500it_shapes-world-64x64.py \
#     work_dirs/lseg_rn-tiny-64_1xb16-1500it_shapes-world-64x64/iter_1500.pth
from mmengine.config import read_base

with read_base():
    from .._base_.lseg_shapes_world import *  # noqa: F401,F403
