# LSeg without the residual path: the decoder alone maps CLIP's features to pixel embeddings
# (the plain LSeg decoder), for comparison with the residual config next to this one.
# python tools/train.py configs/lseg/lseg-noresidual_rn-tiny-64_1xb16-1500it_shapes-world-64x64.py
from mmengine.config import read_base

with read_base():
    from .._base_.lseg_shapes_world import *  # noqa: F401,F403

model.decode_head.update(residual=False)  # noqa: F405
