# ViLD with OpenAI's RN50 CLIP as the shared frozen backbone (layer1-4 -> FPN 256), for COCO-style
# data at (1333, 800); the configs in configs/vild/ add the data set and its base/novel split.
# Documented, not run here (needs the published weights and the data). Offline: replace
# pretrained="openai" by checkpoint="<RN50 openai weights file>".
from mmengine.config import read_base

with read_base():
    from .vild_shapes_world import *  # noqa: F401,F403

image_scale = (1333, 800)
batch_size = 16  # per GPU, 8 GPUs: 128 as in ViLD's R50 runs (ViLD trains 180k its at 1024 LSJ)
max_iters = 90000
warmup_iters = 1000
lr = 0.02 * 8
channels = 256

clip.update(model_name="RN50", pretrained="openai", checkpoint=None)  # noqa: F405
templates = "imagenet80"  # noqa: F811 - the CLIP paper's 80 prompts, as ViLD
model.update(clip=clip, templates=templates)  # noqa: F405
model["neck"].update(in_channels=[256, 512, 1024, 2048], out_channels=channels)  # noqa: F405
model["rpn_head"].update(in_channels=channels, feat_channels=channels)  # noqa: F405
model["rpn_head"]["anchor_generator"].update(scales=[8], strides=[4, 8, 16, 32, 64])  # noqa: F405
model["neck"].update(num_outs=5)  # noqa: F405
roi_extractor = dict(out_channels=channels, featmap_strides=[4, 8, 16, 32], finest_scale=56)
model["roi_head"]["bbox_roi_extractor"].update(roi_extractor)  # noqa: F405
model["roi_head"]["bbox_head"].update(embed_dim=1024, in_channels=channels, fc_out_channels=1024)  # noqa: F405
model["train_cfg"]["rpn"]["sampler"].update(num=256)  # noqa: F405
model["train_cfg"]["rpn_proposal"].update(nms_pre=2000, max_per_img=1000)  # noqa: F405
model["train_cfg"]["rcnn"]["sampler"].update(num=512)  # noqa: F405
model["test_cfg"]["rpn"].update(nms_pre=1000, max_per_img=1000)  # noqa: F405
model["test_cfg"]["rcnn"].update(score_thr=0.05, max_per_img=100)  # noqa: F405

train_pipeline[2].update(scale=image_scale)  # noqa: F405
distill_train_pipeline[2].update(scale=image_scale)  # noqa: F405
test_pipeline[1].update(scale=image_scale)  # noqa: F405
train_dataloader["dataset"].update(pipeline=train_pipeline)  # noqa: F405
test_dataloader["dataset"].update(pipeline=test_pipeline)  # noqa: F405
# ViLD-image targets: 300 proposals per image from the base-trained RPN
distill_train_pipeline[-2].update(num_regions=300)  # noqa: F405
train_dataloader.update(batch_size=batch_size, num_workers=4)  # noqa: F405
test_dataloader.update(batch_size=1, num_workers=2)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
optim_wrapper["optimizer"].update(lr=lr, weight_decay=4e-5)  # noqa: F405
param_scheduler[0].update(end=warmup_iters)  # noqa: F405
param_scheduler[1].update(begin=warmup_iters, end=max_iters, eta_min=0.0)  # noqa: F405
default_hooks["checkpoint"].update(interval=10000)  # noqa: F405
