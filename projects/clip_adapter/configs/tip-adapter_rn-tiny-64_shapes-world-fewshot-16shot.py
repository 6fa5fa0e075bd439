# Tip-Adapter, 16 shot(s) per class (see _base_/tip_adapter_cache.py).
# PYTHONPATH=. python tools/test.py projects/clip_adapter/configs/tip-adapter_rn-tiny-64_shapes-world-fewshot-16shot.py
from mmengine.config import read_base

with read_base():
    from ._base_.tip_adapter_cache import *  # noqa: F401,F403

shots = 16
custom_hooks[0]["dataset"].update(shots=shots)  # noqa: F405
