# GroupViT trained on CC3M as webdataset shards (img2dataset's layout), otherwise as the TSV config
# groupvit_gs64-8_vit-b32-openai-text_8xb512-30ep_cc3m-tsv.py.
# torchrun --nproc_per_node=8 tools/train.py projects/groupvit/configs/groupvit_gs64-8_vit-b32-openai-text_8xb512-30ep_cc3m-wds.py --launcher pytorch
from mmengine.config import read_base

with read_base():
    from ....configs._base_.datasets.cc3m_wds import train_dataloader  # noqa: F401
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.zero_shot_seg_448 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs64_8_vit_s16_224 import *  # noqa: F401,F403
    from ._base_.schedules.groupvit_adamw_cc3m_30ep import *  # noqa: F401,F403

# validated zero-shot on PASCAL VOC val
val_dataloader = test_dataloader  # noqa: F405
val_evaluator = test_evaluator  # noqa: F405
