# Referring expressions on RefCOCO val (MDETR's layout) with a GLIP trained by
# glip_rn50-openai-fpn_8xb4-90k_o365-goldg.py: precision@1/5/10 (mmdet's RefExpMetric).
# python tools/test.py configs/glip/glip_rn50-openai-fpn_refcoco-val.py CHECKPOINT
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.refcoco_mdetr import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn50_openai_fpn import *  # noqa: F401,F403
    from .._base_.schedules.test_only import *  # noqa: F401,F403
