# LSeg on shapes-world segmentation (64 px) with the tiny ModifiedResNet CLIP pretrained on
# shapes-world captions, frozen. The head trains on the base classes (background + 4 shapes);
# the 2 novel shapes' pixels are ignored in training and segmented zero-shot at test time.
# The configs in configs/lseg/ pick the decoder variant.
from mmcv.transforms import LoadImageFromFile, RandomFlip
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.runner import IterBasedTrainLoop, TestLoop, ValLoop
from mmengine.visualization import LocalVisBackend
from mmseg.datasets.transforms import LoadAnnotations, PackSegInputs
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.visualization import SegLocalVisualizer
from torch.optim import AdamW

from clipx.backbone import FrozenCLIP
from clipx.seg import LSegHead, LSegSegmentor, OpenVocabIoUMetric, ShapesWorldSegDataset

default_scope = "clipx"
data_root = "data/shapes_world/segmentation"
checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
classes = ["background", "circle", "square", "triangle", "star", "hexagon", "cross"]
novel_classes = ["star", "hexagon"]  # tools/generate_shapes_world.py --seg-novel
base_classes = [c for c in classes if c not in novel_classes]
# The tiny CLIP read captions like "a small red star": name each shape in every colour and
# average (prompt ensembling over the colours it knows).
templates = ["a red {}", "a green {}", "a blue {}", "a yellow {}", "a purple {}", "an orange {}"]
max_iters = 1000  # longer training turns unseen shapes into background (2000 it: novel 34 -> see README)
warmup_iters = 100
lr = 3e-3
batch_size = 16

model = dict(
    type=LSegSegmentor,
    backbone=dict(
        type=FrozenCLIP,
        model_name="clipx-RN-tiny-64",
        checkpoint=checkpoint,
        dense_indices=(1, 2, 3, 4),  # layer1-4: a 16/8/4/2-cell pyramid at 64 px
    ),
    decode_head=dict(type=LSegHead, channels=32, residual=False),
    class_names=base_classes,
    test_class_names=classes,
    templates=templates,
    data_preprocessor=dict(
        type=SegDataPreProcessor,
        # CLIP's normalisation in 0-255 units
        mean=[122.771, 116.746, 104.094],
        std=[68.501, 66.632, 70.323],
        bgr_to_rgb=True,
        size=(64, 64),
        pad_val=0,
        seg_pad_val=255,
    ),
    test_cfg=dict(mode="whole"),
    # at inference CLIP names each predicted segment from the image (clipx.seg.RegionRescorer);
    # --cfg-options model.region_rescore=None gives the per-pixel labels alone
    region_rescore=dict(background="background", fg_threshold=0.8),
)

train_pipeline = [
    dict(type=LoadImageFromFile),
    dict(type=LoadAnnotations),
    dict(type=RandomFlip, prob=0.5),
    dict(type=PackSegInputs),
]
test_pipeline = [dict(type=LoadImageFromFile), dict(type=LoadAnnotations), dict(type=PackSegInputs)]
# 64-px PNGs load in well under a millisecond: no worker processes
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    dataset=dict(
        type=ShapesWorldSegDataset,
        data_root=data_root,
        data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"),
        # label values follow this list; the novel classes map to 255 (ignored)
        metainfo=dict(classes=base_classes),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=ShapesWorldSegDataset,
        data_root=data_root,
        data_prefix=dict(img_path="img_dir/val", seg_map_path="ann_dir/val"),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type=OpenVocabIoUMetric, iou_metrics=["mIoU"], novel_classes=novel_classes)
test_evaluator = val_evaluator

train_cfg = dict(type=IterBasedTrainLoop, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
optim_wrapper = dict(
    type=OptimWrapper,
    optimizer=dict(type=AdamW, lr=lr, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(flat_decay_mult=0.0),
)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(
        type=CosineAnnealingLR, by_epoch=False, begin=warmup_iters, end=max_iters, eta_min=lr * 0.01
    ),
]
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=max_iters, by_epoch=False, max_keep_ckpts=1),
    visualization=dict(type=SegVisualizationHook, draw=False),
)
visualizer = dict(
    type=SegLocalVisualizer, vis_backends=[dict(type=LocalVisBackend)], name="visualizer"
)
log_processor = dict(by_epoch=False, window_size=50)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
