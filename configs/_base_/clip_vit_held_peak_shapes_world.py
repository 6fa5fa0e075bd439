# Shared by the tiny-ViT pretraining configs on shapes world: warm-up, then the peak learning
# rate held until `cooldown_begin`, then a cosine cool-down to zero (tiny ViTs gain most in the
# cool-down here, see README). A config sets model_name, max_iters, warmup_iters and
# cooldown_begin, then fills them in:
#   model.update(model_name=model_name)
#   train_dataloader["dataset"].update(model_name=model_name)
#   train_cfg.update(max_iters=max_iters)
#   param_scheduler[0].update(end=warmup_iters)
#   param_scheduler[1].update(begin=cooldown_begin, end=max_iters)
from mmengine.config import read_base
from mmengine.optim import CosineAnnealingLR, LinearLR

from clipx.data import ImageTextDataset
from clipx.pretrain import CLIPPretrainer, ExportCLIPHook

with read_base():
    from .clip_pretrain_runtime import *  # noqa: F401,F403

data_root = "data/shapes_world/image_text"
lr = 2e-3

model = dict(type=CLIPPretrainer, model_name=None)
train_dataloader.update(  # noqa: F405
    dataset=dict(type=ImageTextDataset, ann_file=f"{data_root}/train.csv", model_name=None)
)
optim_wrapper["optimizer"].update(lr=lr)  # noqa: F405
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=None),
    dict(type=CosineAnnealingLR, by_epoch=False, begin=None, end=None, eta_min=0.0),
]
custom_hooks = [dict(type=ExportCLIPHook, interval=200, snapshot_interval=100)]
