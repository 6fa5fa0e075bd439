"""``init_model``: the one way clipx's tools and inference functions build a model from a config."""

from __future__ import annotations

import os
from collections.abc import Mapping

from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from torch import nn

from clipx.registry import MODELS, explain_missing_types

from .config import ConfigLike, read_config
from .weights import load_model_checkpoint


def init_model(
    config: ConfigLike,
    checkpoint: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    cfg_options: Mapping | None = None,
    scope: str | None = None,
) -> nn.Module:
    """Build a config's model, load a runner checkpoint into it, and make it ready to predict.

    Args:
        config: a config file (``configs/...``, ``projects/<name>/configs/...``
            or a user's own) or a parsed :class:`~mmengine.config.Config`.
            Read by :func:`clipx.apis.read_config`: the repository root goes on
            ``sys.path``, ``custom_imports`` are imported, ``cfg_options``
            merged and the registry scope set.
        checkpoint: a runner checkpoint (``work_dirs/<config>/iter_N.pth``)
            loaded strictly; None keeps the weights the config builds (its
            backbone checkpoint and untrained heads).
        device: where the model goes.
        cfg_options: ``--cfg-options``-style overrides, e.g.
            ``{'model.clip.model_name': 'clipx-RN-test-64', 'model.clip.checkpoint': None}``.
        scope: the registry scope; default: the config's ``default_scope``, else ``'clipx'``.

    Returns:
        The model in eval mode on ``device``; ``model.cfg`` is the config it was
        built from (its test pipeline, for example).

    Raises:
        FileNotFoundError: the config or the checkpoint does not exist.
        ImportError: a ``custom_imports`` module does not import.
        KeyError: a type is not registered (the message names the
            ``custom_imports`` to add).
        clipx.apis.CheckpointMismatchError: the checkpoint's tensors do not fit
            the model (the message lists keys and the config the checkpoint
            records).
    """
    cfg = read_config(config, cfg_options=cfg_options, scope=scope)
    model = build_model(cfg)
    if checkpoint is not None:
        load_model_checkpoint(model, checkpoint, config=cfg)
    model.cfg = cfg
    return model.to(device).eval()


def build_model(cfg: Config) -> nn.Module:
    """The config's ``model``, built in clipx's MODELS registry (SyncBN reverted to BN).

    Expects a config from :func:`clipx.apis.read_config` (scope set, imports done).
    """
    if cfg.get("model") is None:
        raise ValueError(
            f"Config '{cfg.filename}' has no `model` entry, so there is nothing to build. Pass a "
            "config that defines `model = dict(type=..., ...)`."
        )
    with explain_missing_types():
        model = MODELS.build(cfg.model)
    # the model may have been configured for multi-GPU training; inference runs anywhere
    return revert_sync_batchnorm(model)


def expect_model_type(model: nn.Module, expected: type, *, configs: str) -> None:
    """Raise if a model from :func:`init_model` is not an ``expected``.

    Args:
        model: built by :func:`init_model` (its ``cfg`` names the config).
        expected: the class a typed loader returns.
        configs: where configs of that kind live, for the message.

    Raises:
        TypeError: naming the config, what it builds and what to pass instead.
    """
    if isinstance(model, expected):
        return
    filename = getattr(getattr(model, "cfg", None), "filename", None)
    raise TypeError(
        f"Config '{filename}' builds a {type(model).__name__}, not a {expected.__name__}: pass a "
        f"config from {configs}, or load other models with clipx.apis.init_model."
    )
