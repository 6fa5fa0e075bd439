"""A minimal head on the shared backbone, the example of projects/README.md.

Importing the package registers :class:`PatchPoolClassifier` in clipx's
``MODELS`` (scope ``clipx``); a config loads it with
``custom_imports = dict(imports=["projects.example_head.example_head"], allow_failed_imports=False)``.
"""

from .model import PatchPoolClassifier

__all__ = ["PatchPoolClassifier"]
