"""The one way to load a model: ``init_model(config, checkpoint)`` (after mmdet's ``init_detector``).

* :func:`init_model`: config file or Config -> model with a runner checkpoint's
  weights, in eval mode on a device, ``model.cfg`` kept.
* :func:`read_config`: what every entry point does to a config first (import
  roots on ``sys.path``, overrides, registry scope, ``custom_imports``);
  ``tools/train.py`` and ``tools/test.py`` hand its result to mmengine's Runner.
* :func:`load_model_checkpoint`: a runner checkpoint into a built model, read
  with ``weights_only=True``, with a :class:`CheckpointMismatchError` that lists
  what does not fit.

Imports without mmdet, mmseg and mmcv; ``clipx.det.load_detector`` and
``clipx.seg.load_segmentor`` are typed wrappers of :func:`init_model`.
"""

from .config import (
    add_import_roots,
    config_root,
    import_custom_modules,
    project_folder,
    read_config,
    repository_root,
)
from .inference import build_model, expect_model_type, init_model
from .weights import CheckpointMismatchError, StateDictDiff, load_model_checkpoint

__all__ = [
    "CheckpointMismatchError",
    "StateDictDiff",
    "add_import_roots",
    "build_model",
    "config_root",
    "expect_model_type",
    "import_custom_modules",
    "init_model",
    "load_model_checkpoint",
    "project_folder",
    "read_config",
    "repository_root",
]
