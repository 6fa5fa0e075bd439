"""What clipx's entry points (tools/train.py, tools/test.py) share."""

from .entry import add_common_args, apply_flush_denormal, load_config
from .precision import AutocastOptimWrapper, has_fast_bf16
from .wrappers import EvalModelWrapper

__all__ = [
    "AutocastOptimWrapper",
    "EvalModelWrapper",
    "add_common_args",
    "apply_flush_denormal",
    "has_fast_bf16",
    "load_config",
]
