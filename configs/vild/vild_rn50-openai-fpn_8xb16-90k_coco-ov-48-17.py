# ViLD (text + image distillation) on open-vocabulary COCO: 48 base / 17 novel categories (the
# OVR-CNN / ViLD split), OpenAI RN50 CLIP as the shared frozen backbone. Documented, not run here.
#
# Data: the split's jsons with the 65 categories (OVR-CNN's instances_train2017_seen_2.json, base
# boxes only, and instances_val2017_all_2.json), images in data/coco/{train2017,val2017}.
#   1. ViLD-text:  tools/train.py with model.roi_head.distill_weight=0 and the plain train pipeline
#      (configs/vild/vild-text_... style), or a proposals json of your own
#   2. tools/vild_precompute.py THIS_CONFIG --checkpoint <ViLD-text .pth> --num-regions 300
#   3. torchrun --nproc_per_node=8 tools/train.py THIS_CONFIG --launcher pytorch
#   4. tools/test.py THIS_CONFIG <ckpt>: coco/base_bbox_mAP(_50), coco/novel_bbox_mAP(_50)
# ViLD (R50, 16x schedule) reports novel AP50 27.6, base AP50 59.5 on this split.
from mmengine.config import read_base

with read_base():
    from .._base_.vild_rn50_coco_style import *  # noqa: F401,F403

data_root = "data/coco/"
region_dir = "work_dirs/vild_regions_rn50-openai_coco-ov"
novel_names = [
    "airplane", "bus", "cat", "dog", "cow", "elephant", "umbrella", "tie", "snowboard",
    "skateboard", "cup", "knife", "cake", "couch", "keyboard", "sink", "scissors",
]  # fmt: skip

model["roi_head"].update(distill_weight=0.5)  # noqa: F405
distill_train_pipeline[-2].update(region_dir=region_dir)  # noqa: F405
train_dataloader["dataset"].update(  # noqa: F405
    data_root=data_root,
    ann_file="annotations/instances_train2017_seen_2.json",
    data_prefix=dict(img="train2017/"),
    novel_names=novel_names,
    pipeline=distill_train_pipeline,  # noqa: F405
)
test_dataloader["dataset"].update(  # noqa: F405
    data_root=data_root,
    ann_file="annotations/instances_val2017_all_2.json",
    data_prefix=dict(img="val2017/"),
    novel_names=novel_names,
)
test_evaluator.update(ann_file=f"{data_root}annotations/instances_val2017_all_2.json")  # noqa: F405
