# Phrase grounding with the glip-fusion detector trained by glip-fusion_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py:
# a held-out caption per val image, every object a phrase (star and hexagon included); Recall@k as
# mmdet's Flickr30kMetric defines it, overall and per phrase kind (attribute, same-shape, novel).
# python tools/test.py configs/glip/glip-fusion_rn-tiny-64-fpn_shapes-world-phrase-grounding-64.py \
#     work_dirs/glip-fusion_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64/iter_2500.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_grounding_64 import (
        phrase_test_dataloader,
        phrase_test_evaluator,
    )
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn_tiny_64_fpn import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403

model["bbox_head"].update(early_fuse=True)  # noqa: F405
test_dataloader = phrase_test_dataloader
test_evaluator = phrase_test_evaluator
