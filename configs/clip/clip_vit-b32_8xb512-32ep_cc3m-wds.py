# ViT-B/32 from scratch on CC3M as webdataset tar shards (documented, not run here); the
# recipe of the -csv config next to this one.
# torchrun --nproc_per_node=8 tools/train.py configs/clip/clip_vit-b32_8xb512-32ep_cc3m-wds.py --launcher pytorch
from mmengine.config import read_base

from clipx.pretrain import CLIPPretrainer

with read_base():
    from .._base_.datasets.cc3m_wds import *  # noqa: F401,F403
    from .._base_.pretrain_runtime import *  # noqa: F401,F403
    from .._base_.schedules.clip_pretrain_cc3m_32ep import *  # noqa: F401,F403

model_name = "ViT-B-32"
model = dict(type=CLIPPretrainer, model_name=model_name, grad_checkpointing=False)
default_hooks["checkpoint"].update(interval=5000)  # noqa: F405
custom_hooks[0].update(interval=5000)  # noqa: F405
