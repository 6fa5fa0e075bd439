# CLIP-Adapter (Gao et al. 2021), 1 shot(s) per class: a bottleneck MLP (D -> D/4 -> D) on the
# frozen image embedding, blended back with residual ratio 0.6 (chosen on the val split; the
# paper's 0.2 is --cfg-options model.adapter.ratio=0.2), cosine against the prompt-ensembled
# class names, cross-entropy over the 80 classes. Only the adapter trains (8192 weights).
# python tools/train.py projects/clip_adapter/configs/clip-adapter_rn-tiny-64_1xb32-1000it_shapes-world-fewshot-1shot.py
# python tools/test.py projects/clip_adapter/configs/clip-adapter_rn-tiny-64_1xb32-1000it_shapes-world-fewshot-1shot.py \
#     work_dirs/clip-adapter_rn-tiny-64_1xb32-1000it_shapes-world-fewshot-1shot/iter_1000.pth
from mmengine.config import read_base

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_fewshot import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_fewshot_train import *  # noqa: F401,F403
    from ._base_.models.clip_adapter_rn_tiny_64 import *  # noqa: F401,F403
    from ._base_.schedules.adamw_cosine_1k import *  # noqa: F401,F403

shots = 1
train_dataloader["dataset"].update(shots=shots)  # noqa: F405
default_hooks["logger"].update(interval=100)  # noqa: F405
log_processor.update(window_size=100)  # noqa: F405
