"""Shipped configs shrunk to tiny offline models: what the config and registry tests build.

:func:`shrink_options` reads a config (``configs/...``, ``projects/<name>/configs/...``)
and returns ``--cfg-options``-style overrides that turn its model into a
tiny random one, no file or download needed::

    from clipx.apis import init_model
    from clipx.testing import shrink_options

    model = init_model(path, cfg_options=shrink_options(path))

What changes:

* every dict of the config that names an open_clip architecture
  (``model_name``: a ``FrozenCLIP``, a ``CLIPPretrainer`` at the model level,
  and the CLIPs of the datasets' transforms and tokenizers, so the data fits
  the tiny model) gets the tiny architecture of the same tower kind
  (:func:`tiny_model_name`), ``pretrained=None`` and ``checkpoint=None``;
* what a config hard-codes against its real backbone is derived from the
  tiny backbone's *declared* shapes (the head contract's ``dense_spec`` and
  ``embed_dim``), never from test numbers: an FPN neck's ``in_channels`` over a
  ``CLIPDetBackbone``, every ``embed_dim`` of a head (the joint space's width),
  and, for a ViT deeper than the tiny one, the dense block indices and the
  per-level lists that go with them (LSeg's ``reassemble_scales``);
* input sizes a model fixes (mmseg's ``data_preprocessor.size``, sliding-window
  crops) shrink to the tiny backbone's image size.

:func:`derived_options` is the middle step alone, for any backbone: with the
config's real architecture it must change nothing, which is how the tests
check that a config's hard-coded channels agree with its backbone.
"""

from __future__ import annotations

import copy
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import open_clip
from mmengine.config import Config

from clipx.backbone import FrozenCLIP

from . import TEST_CS, TEST_RN, TEST_VIT, tiny_clip

ConfigLike = str | os.PathLike | Config
BackboneFor = Callable[[str], FrozenCLIP]
# keys of a CLIP dict that point at weights or caches on disk or online
_WEIGHT_KEYS = ("pretrained", "checkpoint", "text_cache_dir")


class ConfigShapeError(ValueError):
    """A config's hard-coded shapes contradict the backbone it names (the config is wrong)."""


def tiny_model_name(model_name: str) -> str:
    """The tiny test architecture of ``model_name``'s tower kind.

    :data:`TEST_RN` for ModifiedResNet towers (open_clip's ``RN50``, ``RN101``,
    ``RN50x4``, ..., clipx's ``clipx-RN-*``), :data:`TEST_CS` for timm ViTs with
    a convolutional stem (clipx's ``clipx-ViT-*-cs-*``), :data:`TEST_VIT` for
    everything else.
    """
    if model_name.startswith(("RN", "clipx-RN-")):
        return TEST_RN
    if model_name not in open_clip.list_models():  # hf-hub: names: open_clip would go online
        return TEST_VIT
    vision = open_clip.get_model_config(model_name).get("vision_cfg", {})
    return TEST_CS if "convstem" in vision.get("timm_model_name", "") else TEST_VIT


@cache
def tiny_backbone(model_name: str) -> FrozenCLIP:
    """A shared seeded ``FrozenCLIP`` of a tiny architecture, to read declared shapes from.

    Shared between calls: read its properties, do not change it.
    """
    return tiny_clip(model_name)


@cache
def untrained_backbone(model_name: str) -> FrozenCLIP:
    """A randomly initialised ``FrozenCLIP`` of any architecture (offline; about 1 s for ``RN50``).

    Its declared parts (``dense_spec``, ``embed_dim``, ``image_size``) are the
    architecture's own, which is what a config's hard-coded shapes must match.
    Shared between calls: read its properties, do not change it.
    """
    return FrozenCLIP(model_name=model_name)


def type_name(node: Mapping) -> str:
    """The class name a config dict's ``type`` names (a class, ``'mmdet.ViLD'`` or ``'ViLD'``)."""
    kind = node.get("type")
    if isinstance(kind, type):
        return kind.__name__
    return str(kind).rsplit(".", 1)[-1]


def is_clip_node(node: Mapping) -> bool:
    """Whether a config dict builds something from an open_clip architecture (has ``model_name``)."""
    return "type" in node and isinstance(node.get("model_name"), str)


def config_nodes(node: Any, path: str) -> Iterator[tuple[str, Mapping]]:
    """Every dict in a config subtree with its dotted ``cfg_options`` path (list items by index)."""
    if isinstance(node, Mapping):
        yield path, node
        for key in list(node.keys()):
            yield from config_nodes(node[key], f"{path}.{key}")
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from config_nodes(value, f"{path}.{i}")


def _read(config: ConfigLike) -> Config:
    if isinstance(config, Config):
        return config
    from clipx.apis import read_config  # the entry points' reading: sys.path, custom_imports

    return read_config(config)


def _model_of(cfg: Config) -> Mapping:
    model = cfg.get("model")
    if not isinstance(model, Mapping):
        raise ValueError(f"Config '{cfg.filename}' has no `model = dict(...)` to shrink.")
    return model


def _clip_of(model: Mapping) -> tuple[str, Mapping]:
    """The model's CLIP dict (the first one, depth-first) and its path."""
    for path, node in config_nodes(model, "model"):
        if is_clip_node(node):
            return path, node
    raise ValueError(f"The model {type_name(model)} names no CLIP architecture (no `model_name`).")


def shrink_options(config: ConfigLike) -> dict[str, Any]:
    """``cfg_options`` that make a config's model tiny, random and offline (see the module docstring).

    Args:
        config: a config file or a parsed :class:`~mmengine.config.Config`
            (a path is read with :func:`clipx.apis.read_config`).

    Returns:
        Dotted keys (``'model.clip.model_name'``) to values, for
        :func:`clipx.apis.init_model`'s ``cfg_options`` or ``Config.merge_from_dict``.

    Raises:
        ConfigShapeError: the config's hard-coded shapes do not fit its own
            backbone (e.g. more neck inputs than backbone levels).
    """
    cfg = _read(config)
    model = _model_of(cfg)
    options: dict[str, Any] = {}
    for path, node in _all_nodes(cfg):
        if is_clip_node(node):
            options[f"{path}.model_name"] = tiny_model_name(node["model_name"])
            options.update(
                {f"{path}.{key}": None for key in _WEIGHT_KEYS if node.get(key) is not None}
            )
    _, clip = _clip_of(model)
    tiny = tiny_backbone(tiny_model_name(clip["model_name"]))
    options.update(derived_options(model, lambda name: tiny_backbone(tiny_model_name(name))))
    options.update(_input_size_options(model, tiny.image_size))
    return options


def _all_nodes(cfg: Config) -> Iterator[tuple[str, Mapping]]:
    for key in list(cfg.keys()):
        yield from config_nodes(cfg[key], key)


def shrink_config(config: ConfigLike) -> Config:
    """A copy of the config with :func:`shrink_options` merged (the original stays as it is)."""
    cfg = copy.deepcopy(_read(config))
    cfg.merge_from_dict(shrink_options(cfg))
    return cfg


def derived_options(model: Mapping, backbone_for: BackboneFor) -> dict[str, Any]:
    """The values a model config fixes that follow from its backbone's declared shapes.

    Args:
        model: the config's ``model`` dict.
        backbone_for: the backbone the values are derived for, from the
            config's architecture name: :func:`tiny_backbone` of the tiny one
            (what :func:`shrink_options` does) or :func:`untrained_backbone` of the
            config's own architecture (then every value should already be the
            config's).

    Returns:
        ``cfg_options`` for the values to set; only keys the config already has.

    Raises:
        ConfigShapeError: the config contradicts the backbone in a way no value
            fixes (a neck with more inputs than the backbone has levels).
    """
    clip_path, clip = _clip_of(model)
    backbone = backbone_for(clip["model_name"])
    options: dict[str, Any] = {}
    for path, node in config_nodes(model, "model"):
        if "embed_dim" in node and not is_clip_node(node):
            options[f"{path}.embed_dim"] = backbone.embed_dim
    options.update(_dense_level_options(model, clip_path, clip, backbone))
    options.update(_detector_neck_options(model, backbone))
    return options


def fit_indices(indices, backbone: FrozenCLIP) -> list[int]:
    """``indices`` when the backbone has those blocks/stages, else its last ``min(len, depth)`` ones."""
    indices = [int(i) for i in indices]
    depth = backbone.dense_spec([-1])[0].index + 1
    if all(-depth <= i < depth for i in indices):
        return indices
    return list(range(depth))[-min(len(indices), depth) :]


def _dense_level_options(model: Mapping, clip_path: str, clip: Mapping, backbone) -> dict[str, Any]:
    """A segmentor's dense indices fitted to the backbone, and LSeg's per-level scales with them."""
    if "dense_indices" not in clip:
        return {}
    indices = [int(i) for i in clip["dense_indices"]]
    fitted = fit_indices(indices, backbone)
    if fitted == indices:
        return {}
    options: dict[str, Any] = {f"{clip_path}.dense_indices": fitted}
    head = model.get("decode_head")
    scales = head.get("reassemble_scales") if isinstance(head, Mapping) else None
    if scales is not None:
        # the kept levels are the deepest ones, so their scales are the last ones
        options["model.decode_head.reassemble_scales"] = list(scales)[len(scales) - len(fitted) :]
    return options


def _detector_neck_options(model: Mapping, backbone: FrozenCLIP) -> dict[str, Any]:
    """An FPN's ``in_channels`` over a ``CLIPDetBackbone``: the declared channels of its levels."""
    detector_backbone, neck = model.get("backbone"), model.get("neck")
    if (
        not isinstance(detector_backbone, Mapping)
        or type_name(detector_backbone) != "CLIPDetBackbone"
    ):
        return {}
    options: dict[str, Any] = {}
    indices = [
        int(i) for i in detector_backbone.get("indices", _default_indices(detector_backbone))
    ]
    fitted = fit_indices(indices, backbone)
    if fitted != indices:
        options["model.backbone.indices"] = fitted
    if not isinstance(neck, Mapping) or "in_channels" not in neck:
        return options
    spec = backbone.dense_spec(fitted)
    declared = list(neck["in_channels"])
    if len(declared) != len(spec):
        raise ConfigShapeError(
            f"model.neck.in_channels={declared} lists {len(declared)} levels but "
            f"model.backbone.indices={indices} gives {len(spec)} maps of {backbone.model_name} "
            f"(channels {[s.channels for s in spec]}); make the two agree in the config."
        )
    options["model.neck.in_channels"] = [s.channels for s in spec]
    return options


def _default_indices(node: Mapping) -> tuple[int, ...]:
    kind = node.get("type")
    if not isinstance(kind, type):
        from clipx.det import CLIPDetBackbone  # a string type: the registered class

        kind = CLIPDetBackbone
    return inspect.signature(kind).parameters["indices"].default


def _input_size_options(model: Mapping, size: tuple[int, int]) -> dict[str, Any]:
    """mmseg's fixed input size and sliding-window crops, shrunk to the tiny backbone's image size."""
    options: dict[str, Any] = {}
    preprocessor = model.get("data_preprocessor")
    if isinstance(preprocessor, Mapping) and preprocessor.get("size") is not None:
        options["model.data_preprocessor.size"] = list(size)
    test_cfg = model.get("test_cfg")
    if isinstance(test_cfg, Mapping) and test_cfg.get("mode") == "slide":
        crop, stride = list(test_cfg["crop_size"]), list(test_cfg["stride"])
        options["model.test_cfg.crop_size"] = list(size)
        # the same overlap of neighbouring windows, at the tiny size
        options["model.test_cfg.stride"] = [
            max(1, s * t // c) for s, t, c in zip(size, stride, crop, strict=True)
        ]
    return options
