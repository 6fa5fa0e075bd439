"""What clipx's entry points (tools/train.py, tools/test.py) share."""

from .entry import add_common_args, load_config
from .wrappers import EvalModelWrapper

__all__ = ["EvalModelWrapper", "add_common_args", "load_config"]
