# ViLD-text on shapes world: the frozen tiny CLIP's layer1-4 maps through a trainable FPN, RPN and a
# box head whose classifier is the CLIP text embeddings of the 4 base shape names (+ a learnable
# background); trained on base boxes only, tested on all 6 shapes (2 novel: star, hexagon).
# python tools/train.py configs/vild/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py
# python tools/test.py configs/vild/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py \
#     work_dirs/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64/iter_<N>.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_det_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_1k import *  # noqa: F401,F403
