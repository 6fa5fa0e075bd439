# LSeg on PASCAL VOC 2012 (20 classes + background) with OpenAI's ViT-B/32, frozen; 4 GPUs x 8
# images, 20k iterations. Documented, not run here (needs the data set and the published weights).
# torchrun --nproc_per_node=4 tools/train.py configs/lseg/lseg_vit-b32-openai_4xb8-20k_voc12-480x480.py --launcher pytorch
from mmengine.config import read_base
from mmseg.datasets import PascalVOCDataset

with read_base():
    from .._base_.datasets.voc12_480x480 import *  # noqa: F401,F403
    from .._base_.models.lseg_vit_b32_openai import *  # noqa: F401,F403
    from .._base_.schedules.lseg_adamw_poly_40k import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403

max_iters = 20000
model.update(classes_from=PascalVOCDataset)  # the dataset's class names are the vocabulary  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
param_scheduler[1].update(end=max_iters)  # noqa: F405
default_hooks["checkpoint"].update(interval=4000, max_keep_ckpts=2)  # noqa: F405
env_cfg.update(cudnn_benchmark=True)  # noqa: F405
