# Referring expressions with the glip detector trained by glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py:
# one expression per val object ("the red circle left of the star"), the whole caption as the
# phrase; precision@k at IoU 0.5, mmdet's RefExpMetric (reported under its RefCOCO name).
# python tools/test.py configs/glip/glip_rn-tiny-64-fpn_shapes-world-refexp-64.py \
#     work_dirs/glip_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64/iter_2500.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_grounding_64 import (
        refexp_test_dataloader,
        refexp_test_evaluator,
    )
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

test_dataloader = refexp_test_dataloader
test_evaluator = refexp_test_evaluator
