# LSeg on shapes world with a ViT, as LSeg is designed: the frozen nano conv-stem ViT CLIP's
# four blocks reassembled by DPT (scales 4, 2, 1, 0.5 of the stride-8 token maps) and fused to
# per-pixel joint-space embeddings, cosine / 0.07 against the labels' text embeddings, trained
# on the base classes; at inference CLIP names each predicted segment (region re-scoring). The
# same decoder, schedule and data as the ResNet's lseg_rn-tiny-64_... next to it.
# python tools/train.py configs/clip/clip_vit-nano-cs-64_1xb256-1450it_shapes-world.py
# python tools/train.py configs/lseg/lseg_vit-nano-cs-64_1xb16-1000it_shapes-world-64x64.py
# python tools/test.py configs/lseg/lseg_vit-nano-cs-64_1xb16-1000it_shapes-world-64x64.py \
#     work_dirs/lseg_vit-nano-cs-64_1xb16-1000it_shapes-world-64x64/iter_1000.pth
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.shapes_world_seg_64x64 import *  # noqa: F401,F403
    from .._base_.models.lseg_vit_nano_cs_64 import *  # noqa: F401,F403
    from .._base_.schedules.lseg_adamw_cosine_1k import *  # noqa: F401,F403
    from .._base_.seg_runtime import *  # noqa: F401,F403
