# Zero-shot segmentation of PASCAL VOC 2012 val (20 classes + background) by a GroupViT trained on CC3M captions;
# the background is a group whose best label scores below the threshold (0.95, the paper's).
# python tools/test.py projects/groupvit/configs/groupvit_gs64-8_vit-b32-openai-text_voc12-448.py \
#     work_dirs/groupvit_gs64-8_vit-b32-openai-text_8xb512-30ep_cc3m-tsv/iter_<N>.pth
from mmengine.config import read_base
from mmseg.datasets import PascalVOCDataset

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.schedules.test_only import *  # noqa: F401,F403
    from ._base_.datasets.zero_shot_seg_448 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs64_8_vit_s16_224 import *  # noqa: F401,F403

test_dataloader.update(dataset=voc12_val)  # noqa: F405
model.update(classes_from=PascalVOCDataset)  # noqa: F405
