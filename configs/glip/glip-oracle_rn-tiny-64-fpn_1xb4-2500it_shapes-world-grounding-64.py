# The supervised oracle of glip_rn-tiny-64-fpn_...: the same detector, schedule and images, trained
# with star and hexagon boxes and phrases included (all six names in the label map and captions
# about every object). Open-vocabulary transfer is read against it.
# python tools/train.py configs/glip/glip-oracle_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_grounding_64 import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.glip_sgd_cosine import *  # noqa: F401,F403

train_dataloader["dataset"].update(datasets=[od_train_all, vg_train_all])  # noqa: F405
