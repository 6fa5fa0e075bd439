# ViLD (text + image distillation) on LVIS v1: the 337 rare categories are novel (their boxes are
# dropped from training), frequent + common are base; OpenAI RN50 CLIP as the shared frozen
# backbone, 180k iterations. Reports AP and AP50 over base and novel categories and APr / APc /
# APf. Documented, not run here. Steps as in the COCO config (ViLD-text, precompute 300 regions,
# train). The paper's numbers: configs/vild/metafile.yml.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.lvis_v1_rare_novel import *  # noqa: F401,F403
    from .._base_.default_runtime import *  # noqa: F401,F403
    from .._base_.models.vild_rn50_openai_fpn import *  # noqa: F401,F403
    from .._base_.schedules.vild_sgd_cosine_90k import *  # noqa: F401,F403

max_iters = 180000
model["roi_head"].update(distill_weight=0.5)  # noqa: F405
# LVIS's long tail: keep low-scoring detections, up to 300 an image
model["test_cfg"]["rcnn"].update(score_thr=0.0001, max_per_img=300)  # noqa: F405
train_cfg.update(max_iters=max_iters)  # noqa: F405
param_scheduler[1].update(end=max_iters)  # noqa: F405
default_hooks["checkpoint"].update(interval=10000)  # noqa: F405
