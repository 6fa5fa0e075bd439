"""mmdet's registry scope for building mmdet parts from clipx's default scope."""

from __future__ import annotations

from mmengine.registry import DefaultScope


def mmdet_scope():
    """A context in which mmdet's own unscoped type names (``'DeltaXYWHBBoxCoder'``) resolve.

    clipx configs run with ``default_scope='clipx'``; mmdet classes build their
    defaults by bare names, which only mmdet's registries know. Our classes
    build their mmdet parents inside this context.
    """
    return DefaultScope.overwrite_default_scope("mmdet")
