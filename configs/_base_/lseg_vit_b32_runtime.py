# LSeg with OpenAI's ViT-B/32 (frozen): model, optimisation and runtime shared by the ADE20K and
# PASCAL VOC configs (documented, not run here: they need the data sets and the published
# weights). Offline, replace pretrained="openai" by checkpoint="<path to the ViT-B-32 weights>".
# Leaves set: the vocabulary (classes_from), the data loaders and evaluators.
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import LinearLR, OptimWrapper, PolyLR
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from mmengine.visualization import LocalVisBackend
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.visualization import SegLocalVisualizer
from torch.optim import AdamW

from clipx.backbone import FrozenCLIP
from clipx.seg import LSegHead, LSegSegmentor

default_scope = "clipx"
crop_size = (480, 480)
max_iters = 40000
warmup_iters = 1500
lr = 2e-4

model = dict(
    type=LSegSegmentor,
    backbone=dict(
        type=FrozenCLIP,
        model_name="ViT-B-32",
        pretrained="openai",
        dense_indices=(2, 5, 8, 11),  # DPT's hooks for a 12-block ViT
    ),
    # 15x15 patch maps at 480 px -> a 60/30/15/8 pyramid, fused, upsampled to 120x120
    decode_head=dict(type=LSegHead, channels=256, reassemble_scales=(4, 2, 1, 0.5), residual=True),
    templates="default",
    data_preprocessor=dict(
        type=SegDataPreProcessor,
        mean=[122.771, 116.746, 104.094],
        std=[68.501, 66.632, 70.323],
        bgr_to_rgb=True,
        size=crop_size,
        pad_val=0,
        seg_pad_val=255,
        test_cfg=dict(size_divisor=32),  # ViT-B/32 needs multiples of its patch
    ),
    test_cfg=dict(mode="slide", crop_size=crop_size, stride=(320, 320)),
)

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=4000)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=lr, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(flat_decay_mult=0.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=1e-3, by_epoch=False, begin=0, end=warmup_iters),
    dict(type=PolyLR, power=0.9, eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters),
]
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=4000, by_epoch=False, max_keep_ckpts=2),
    visualization=dict(type=SegVisualizationHook, draw=False),
)
visualizer = dict(
    type=SegLocalVisualizer, vis_backends=[dict(type=LocalVisBackend)], name="visualizer"
)
log_processor = dict(by_epoch=False, window_size=50)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=True, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
