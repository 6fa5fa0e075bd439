# Zero-shot segmentation of PASCAL Context val (59 classes + background) by a GroupViT trained on CC3M captions;
# the background is a group whose best label scores below the threshold (0.95, the paper's).
# python tools/test.py projects/groupvit/configs/groupvit_gs64-8_vit-b32-openai-text_pascal-context-448.py \
#     work_dirs/groupvit_gs64-8_vit-b32-openai-text_8xb512-30ep_cc3m-tsv/iter_<N>.pth
from mmengine.config import read_base
from mmseg.datasets import PascalContextDataset

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.schedules.test_only import *  # noqa: F401,F403
    from ._base_.datasets.zero_shot_seg_448 import *  # noqa: F401,F403
    from ._base_.models.groupvit_gs64_8_vit_s16_224 import *  # noqa: F401,F403

test_dataloader.update(dataset=pascal_context_val)  # noqa: F405
model.update(classes_from=PascalContextDataset)  # noqa: F405
