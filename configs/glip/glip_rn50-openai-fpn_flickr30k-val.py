# Phrase grounding on Flickr30k entities val (MDETR's layout) with a GLIP trained by
# glip_rn50-openai-fpn_8xb4-90k_o365-goldg.py: Recall@1/5/10 (mmdet's Flickr30kMetric).
# python tools/test.py configs/glip/glip_rn50-openai-fpn_flickr30k-val.py CHECKPOINT
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.flickr30k_entities import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn50_openai_fpn import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403
