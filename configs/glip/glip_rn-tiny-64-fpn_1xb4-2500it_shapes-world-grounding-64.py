# GLIP on the frozen tiny shapes-world CLIP, no deep fusion: the tokens of CLIP's text tower meet
# the image features only in the word-region alignment logits. Trained on ODVG detection lines
# (base names + sampled negatives) and grounding captions about base objects; star and hexagon
# have no box in training. Tested on the ViLD detection val split with all six names as prompt.
# python tools/train.py configs/glip/glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py
# python tools/test.py configs/glip/glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py \
#     work_dirs/glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64/iter_2500.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_grounding_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.glip_sgd_cosine import *  # noqa: F401,F403
