# LSeg on ADE20K (150 classes) with OpenAI's ViT-B/32, frozen; 4 GPUs x 8 images, 40k iterations.
# Documented, not run here (needs the data set and the published weights).
# torchrun --nproc_per_node=4 tools/train.py configs/lseg/lseg_vit-b32-openai_4xb8-40k_ade20k-480x480.py --launcher pytorch
# tools/test.py ... CHECKPOINT; free labels: tools/segment.py CONFIG CHECKPOINT IMAGE --labels wall floor vehicle
from mmengine.config import read_base
from mmseg.datasets import ADE20KDataset

with read_base():
    from .._base_.datasets.ade20k_480x480 import *  # noqa: F401,F403
    from .._base_.models.lseg_vit_b32_openai import *  # noqa: F401,F403
    from .._base_.schedules.lseg_adamw_poly_40k import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403

model.update(classes_from=ADE20KDataset)  # the dataset's class names are the vocabulary  # noqa: F405
default_hooks["checkpoint"].update(interval=4000, max_keep_ckpts=2)  # noqa: F405
env_cfg.update(cudnn_benchmark=True)  # noqa: F405
