"""clipx's registries: the ``clipx`` scope, children of mmengine's root.

Every registry here is a child of the matching mmengine root registry, so

* ``type='clipx.FrozenCLIP'`` builds from inside an mmdet or mmseg config
  (mmengine resolves the ``clipx`` scope through the root), and
* ``type='mmdet.FasterRCNN'`` builds from a clipx config by its scope prefix.

The core modules listed in ``locations`` are imported the first time a
registry is queried, the way mmdet and mmseg do it. The task adapters
(``clipx.seg``, ``clipx.det``) register into mmseg's and mmdet's registries
and are pulled in by a config's ``custom_imports``.

A type that is not registered raises a :class:`KeyError` that names the
``custom_imports`` entry that would register it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

SCOPE = "clipx"
_PACKAGE_ROOT = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_ROOT.parent

# Core modules that register into the clipx scope; they import without mmcv.
_MODEL_LOCATIONS = ["clipx.backbone", "clipx.pretrain", "clipx.evaluation", "clipx.video"]
_DATA_LOCATIONS = [
    "clipx.data.image_text",
    "clipx.data.webdataset",
    "clipx.data.classification",
    "clipx.data.captions",
    "clipx.video.data",
    "clipx.video.features",
    "clipx.data.samplers",
]
_METRIC_LOCATIONS = ["clipx.evaluation", "clipx.evaluation.video_retrieval"]
_HOOK_LOCATIONS = ["clipx.pretrain", "clipx.video"]


class ClipxRegistry(Registry):
    """A :class:`mmengine.registry.Registry` whose misses explain themselves.

    ``get`` raises :class:`KeyError` instead of returning ``None`` when a type
    is unknown, with the ``custom_imports`` line that registers it (found by
    reading the sources of ``clipx/`` and ``projects/``, importing nothing).
    """

    def get(self, key: str):
        obj = super().get(key)
        if obj is None:
            raise KeyError(missing_type_message(key, f"{self.scope}::{self.name}"))
        return obj

    def __contains__(self, key: str) -> bool:
        try:
            return super().get(key) is not None
        except RuntimeError:
            return False


def _child(name: str, parent: Registry, locations: list[str] | None = None) -> ClipxRegistry:
    return ClipxRegistry(name, parent=parent, scope=SCOPE, locations=locations or [])


RUNNERS = _child("runner", MMENGINE_RUNNERS)
LOOPS = _child("loop", MMENGINE_LOOPS)
HOOKS = _child("hook", MMENGINE_HOOKS, _HOOK_LOCATIONS)
DATASETS = _child("dataset", MMENGINE_DATASETS, _DATA_LOCATIONS)
DATA_SAMPLERS = _child("data sampler", MMENGINE_DATA_SAMPLERS, _DATA_LOCATIONS)
TRANSFORMS = _child("transform", MMENGINE_TRANSFORMS, _DATA_LOCATIONS)
MODELS = _child("model", MMENGINE_MODELS, _MODEL_LOCATIONS)
MODEL_WRAPPERS = _child("model_wrapper", MMENGINE_MODEL_WRAPPERS, ["clipx.engine.wrappers"])
OPTIMIZERS = _child("optimizer", MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = _child("optim_wrapper", MMENGINE_OPTIM_WRAPPERS, ["clipx.engine.precision"])
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    "optimizer wrapper constructor", MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, _MODEL_LOCATIONS
)
PARAM_SCHEDULERS = _child("parameter scheduler", MMENGINE_PARAM_SCHEDULERS)
METRICS = _child("metric", MMENGINE_METRICS, _METRIC_LOCATIONS)
EVALUATOR = _child("evaluator", MMENGINE_EVALUATOR)
TASK_UTILS = _child("task util", MMENGINE_TASK_UTILS)
VISUALIZERS = _child("visualizer", MMENGINE_VISUALIZERS)
VISBACKENDS = _child("vis_backend", MMENGINE_VISBACKENDS)
LOG_PROCESSORS = _child("log_processor", MMENGINE_LOG_PROCESSORS)
FUNCTIONS = _child("function", MMENGINE_FUNCTIONS)


def _module_of(path: Path) -> str:
    """Dotted module of ``path``; importing it also imports (and runs) its parent packages."""
    parts = list(path.relative_to(_REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=256)
def find_defining_modules(type_name: str) -> tuple[str, ...]:
    """Modules under ``clipx/`` and ``projects/`` whose source defines ``type_name``.

    Reads the sources; imports nothing, so asking has no side effects.
    """
    pattern = re.compile(
        rf"^\s*(class|def)\s+{re.escape(type_name)}\b|register_module\(\s*name\s*=\s*['\"]"
        rf"{re.escape(type_name)}['\"]",
        re.MULTILINE,
    )
    found = []
    for base in (_PACKAGE_ROOT, _REPO_ROOT / "projects"):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            try:
                if pattern.search(path.read_text(encoding="utf-8", errors="ignore")):
                    found.append(_module_of(path))
            except OSError:
                continue
    return tuple(dict.fromkeys(found))


def missing_type_message(key: str, where: str) -> str:
    """The error text for a type that ``where`` (``scope::registry``) does not know."""
    type_name = key.split(".")[-1]
    modules = find_defining_modules(type_name)
    if modules:
        imports = ", ".join(repr(m) for m in modules)
        hint = (
            f"It is defined in {', '.join(modules)}, which registers it when imported: add "
            f"`custom_imports = dict(imports=[{imports}], allow_failed_imports=False)` to the config."
        )
    else:
        hint = (
            "No module in clipx/ or projects/ defines it. Check the spelling; if it comes from a "
            "plug-in, add `custom_imports = dict(imports=['<your.module>'], "
            "allow_failed_imports=False)` to the config, or a scope prefix such as "
            "'mmdet.' or 'mmseg.' for their types."
        )
    return f"'{key}' is not registered in the {where} registry. {hint}"


_MMENGINE_MISS = re.compile(r"^'?(?P<key>[\w.]+) is not in the (?P<where>[\w:\s]+?) registry")


class explain_missing_types:  # noqa: N801 - used as a context manager, reads like one
    """Turn mmengine's (or mmdet's/mmseg's) "X is not in the registry" into clipx's message.

    Entry points wrap config building in it, so a config that forgets a
    ``custom_imports`` learns which one to add, whichever scope raised.
    """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not KeyError or "custom_imports = dict(" in str(exc):
            return False
        match = _MMENGINE_MISS.match(str(exc.args[0]) if exc.args else "")
        if match is None:
            return False
        raise KeyError(missing_type_message(match["key"], match["where"])) from exc
