# GLIP without fusion trained on the grounding captions alone (ODVG grounding lines, no detection
# lines): the detection lines' shape-only prompts teach a name to ignore colour, and with them in
# the mix (1:1 or 1:3) same-shape phrases stay near chance; the captions alone teach the phrases
# to read colour and size, at a cost to name-list detection. Otherwise the config of
# glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py.
# python tools/train.py configs/glip/glip-captions_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_grounding_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.glip_sgd_cosine import *  # noqa: F401,F403

train_dataloader["dataset"].update(datasets=[vg_train])  # noqa: F405
