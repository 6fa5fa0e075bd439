"""clipx: one frozen CLIP backbone, many open-vocabulary heads.

``import clipx`` needs torch, open_clip and mmengine only; the mmseg and mmdet
adapters live in ``clipx.seg`` and ``clipx.det``.
"""

__version__ = "0.1.0"

from clipx.backbone import FrozenCLIP, PromptBank, Unfreeze  # noqa: E402

__all__ = ["FrozenCLIP", "PromptBank", "Unfreeze", "__version__"]
