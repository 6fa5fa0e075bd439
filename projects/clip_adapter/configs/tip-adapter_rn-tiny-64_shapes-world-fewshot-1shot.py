# Tip-Adapter, 1 shot(s) per class (see _base_/models/tip_adapter_rn_tiny_64.py).
# python tools/test.py projects/clip_adapter/configs/tip-adapter_rn-tiny-64_shapes-world-fewshot-1shot.py
from mmengine.config import read_base

with read_base():
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.schedules.test_only import *  # noqa: F401,F403
    from ._base_.datasets.shapes_world_fewshot import *  # noqa: F401,F403
    from ._base_.models.tip_adapter_rn_tiny_64 import *  # noqa: F401,F403

shots = 1
custom_hooks[0]["dataset"].update(shots=shots)  # noqa: F405
