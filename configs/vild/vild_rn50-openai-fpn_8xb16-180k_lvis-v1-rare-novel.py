# ViLD (text + image distillation) on LVIS v1: the 337 rare categories are novel (their boxes are
# dropped from training), frequent + common are base; OpenAI RN50 CLIP as the shared frozen backbone.
# Reports AP and AP50 over base and novel categories and APr / APc / APf (COCO protocol per group;
# LVIS's federated evaluation needs the lvis package). Documented, not run here.
#
# Data: data/lvis/lvis_v1_{train,val}.json; images in data/coco/{train2017,val2017} (LVIS names
# them by their COCO url). Steps as in the COCO config (ViLD-text, precompute 300 regions, train).
# ViLD (R50) reports APr 16.1 / AP 22.5 on LVIS v1 val.
from mmengine.config import read_base

with read_base():
    from .._base_.vild_rn50_coco_style import *  # noqa: F401,F403

region_dir = "work_dirs/vild_regions_rn50-openai_lvis-v1"
max_iters = 180000
novel_frequencies = ["r"]

model["roi_head"].update(distill_weight=0.5)  # noqa: F405
model["test_cfg"]["rcnn"].update(score_thr=0.0001, max_per_img=300)  # noqa: F405
distill_train_pipeline[-2].update(region_dir=region_dir)  # noqa: F405
train_dataloader["dataset"].update(  # noqa: F405
    data_root="data/",
    ann_file="lvis/lvis_v1_train.json",
    data_prefix=dict(img="coco/"),
    novel_frequencies=novel_frequencies,
    pipeline=distill_train_pipeline,  # noqa: F405
)
test_dataloader["dataset"].update(  # noqa: F405
    data_root="data/",
    ann_file="lvis/lvis_v1_val.json",
    data_prefix=dict(img="coco/"),
    novel_frequencies=novel_frequencies,
)
test_evaluator.update(ann_file="data/lvis/lvis_v1_val.json", novel_frequencies=novel_frequencies)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
param_scheduler[1].update(end=max_iters)  # noqa: F405
