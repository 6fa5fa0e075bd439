# The runtime of CLIP pretraining: the default runtime plus a checkpoint every 200 iterations
# (the last two kept) and ExportCLIPHook, which writes <work_dir>/clip_latest.pt for
# FrozenCLIP(checkpoint=...).
from mmengine.config import read_base

from clipx.pretrain import ExportCLIPHook

with read_base():
    from .default_runtime import *  # noqa: F401,F403

default_hooks["checkpoint"].update(interval=200, max_keep_ckpts=2)  # noqa: F405
custom_hooks = [dict(type=ExportCLIPHook, interval=200)]
