"""What clipx's entry points (tools/train.py, tools/test.py) share."""

from .entry import add_common_args, load_config

__all__ = ["add_common_args", "load_config"]
