# GLIP-T's pretraining recipe on OpenAI's frozen RN50 CLIP: Objects365 detection lines and GoldG
# grounding captions (mmdet's ODVG layout), tested zero-shot on COCO val2017 (the 80 names).
# Layout: data/objects365v1/{o365v1_train_odvg.json,o365v1_label_map.json,train/},
# data/gqa/{final_mixed_train_no_coco_vg.json,images/},
# data/flickr30k_entities/{final_flickr_separateGT_train_vg.json,flickr30k_images/}, data/coco/.
# torchrun --nproc_per_node=8 tools/train.py configs/glip/glip_rn50-openai-fpn_8xb4-90k_o365-goldg.py --launcher pytorch
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.o365_goldg_odvg import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.glip_rn50_openai_fpn import *  # noqa: F401,F403
    from .._base_.schedules.glip_adamw_90k import *  # noqa: F401,F403

default_hooks.update(checkpoint=dict(interval=10_000))  # noqa: F405
