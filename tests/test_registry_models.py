"""Every registered clipx model, aggregator and head (timm's test_models.py over the registries).

Each entry of clipx's ``MODELS`` and each clipx class in mmdet's and mmseg's ``MODELS`` (after
importing every clipx package and every ``projects/*`` package) is built tiny, takes one
forward/backward step, and every trainable parameter must receive a gradient while the frozen
backbone receives none. An entry that is neither a case here nor listed in ``EXCLUDED`` (with a
reason) fails the completeness test.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from clipx.apis import init_model
from clipx.registry import MODELS
from clipx.testing import (
    TEST_RN,
    TEST_VIT,
    fake_step,
    frozen_with_gradient,
    shrink_options,
    tiny_clip,
    trainable_without_gradient,
)

pytest.importorskip("mmdet")
pytest.importorskip("mmseg")

pytestmark = pytest.mark.mm

REPO = Path(__file__).parents[1]
CLIPX_PACKAGES = (
    "clipx.backbone",
    "clipx.video",
    "clipx.pretrain",
    "clipx.evaluation",
    "clipx.seg",
    "clipx.det",
)
PROJECT_PACKAGES = tuple(
    f"projects.{init.parent.name}.{init.parent.name}"
    for init in sorted(REPO.glob("projects/*/*/__init__.py"))
    if init.parent.name == init.parents[1].name
)
VILD = REPO / "configs/vild/vild-2head_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"
LSEG = REPO / "configs/lseg/lseg-residual_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py"
CROPS = REPO / "configs/vild/vild-clip-crops_rn-tiny-64-fpn_shapes-world-det-64.py"
MASKCLIP = REPO / "configs/lseg/maskclip_rn-tiny-64_shapes-world-64x64.py"
GLIP_FUSION = (
    REPO / "configs/glip/glip-fusion_rn-tiny-64-fpn_1xb4-2500it_shapes-world-grounding-64.py"
)
GROUPVIT = next((REPO / "projects/groupvit/configs").glob("groupvit_gs16-4_rn-tiny-64-text_*.py"))
FRAMES = 4

# Registered entries that are not built here: name -> why.
EXCLUDED: dict[str, str] = {}


def shipped(cls: type) -> bool:
    """Whether a class is defined in this repository's clipx/ or projects/ (not by another test)."""
    file = getattr(sys.modules.get(cls.__module__), "__file__", None)
    if file is None:  # a module another test made and removed again
        return False
    path = Path(file).resolve()
    return any(path.is_relative_to(REPO / folder) for folder in ("clipx", "projects"))


@lru_cache(maxsize=1)
def registered() -> dict[str, type]:
    """clipx's MODELS entries and clipx's classes in mmdet's and mmseg's (``'mmdet.Name'``)."""
    for package in CLIPX_PACKAGES + PROJECT_PACKAGES:
        importlib.import_module(package)
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmseg.registry import MODELS as MMSEG_MODELS

    entries = {name: cls for name, cls in MODELS.module_dict.items() if shipped(cls)}
    for scope, registry in (("mmdet", MMDET_MODELS), ("mmseg", MMSEG_MODELS)):
        entries.update(
            {f"{scope}.{name}": cls for name, cls in registry.module_dict.items() if shipped(cls)}
        )
    return entries


@dataclass
class Step:
    """A built module and the loss of one step through it (None: it has nothing to train)."""

    module: nn.Module
    loss: torch.Tensor | None = None


def _loss(model: nn.Module, **batch) -> torch.Tensor:
    loss, _ = model.parse_losses(fake_step(model, training=True, **batch))
    return loss


def _project(name: str):
    return importlib.import_module(f"projects.{name}.{name}")


# ------------------------------------------------------------------ clipx core


def frozen_clip() -> Step:
    clip = tiny_clip(
        TEST_VIT, unfreeze=dict(last_blocks=1, last_text_blocks=1, names=("logit_scale",))
    )
    images = torch.randn(2, 3, 32, 32)
    logits = (
        clip.logit_scale
        * clip.encode_image(images)
        @ clip.encode_text(["a red circle", "a blue square"]).T
    )
    return Step(clip, F.cross_entropy(logits, torch.arange(2)))


def mean_pooling() -> Step:
    from clipx.video import MeanPooling

    frames = torch.randn(2, FRAMES, 8, requires_grad=True)
    mask = torch.tensor([[True] * FRAMES, [True] * (FRAMES - 1) + [False]])
    (MeanPooling()(frames, mask) * torch.randn(2, 8)).sum().backward()
    assert (
        frames.grad[:, :-1].abs().min() > 0 and not frames.grad[1, -1].any()
    )  # padding is ignored
    return Step(MeanPooling())


def temporal_transformer() -> Step:
    from clipx.video import TemporalTransformer

    clip = tiny_clip(TEST_RN)
    torch.manual_seed(0)
    module = TemporalTransformer(clip=clip, num_layers=2, max_frames=FRAMES)
    frames = F.normalize(torch.randn(2, FRAMES, clip.embed_dim), dim=-1)
    mask = torch.tensor([[True] * FRAMES, [True] * (FRAMES - 1) + [False]])
    return Step(module, (module(frames, mask) * torch.randn(2, clip.embed_dim)).sum())


def clip_pretrainer() -> Step:
    from clipx.pretrain import CLIPPretrainer

    torch.manual_seed(0)
    model = CLIPPretrainer(model_name=TEST_VIT, gather=False)
    return Step(model, _loss(model))


def clip4clip() -> Step:
    from clipx.video import CLIP4Clip

    aggregator = dict(type="TemporalTransformer", num_layers=1, max_frames=FRAMES)
    model = CLIP4Clip(
        clip=tiny_clip(TEST_RN), aggregator=aggregator, learnable_logit_scale=True, gather=False
    )
    return Step(model, _loss(model, num_frames=FRAMES))


def evaluation_only(kind: str) -> Callable[[], Step]:
    def case() -> Step:
        model = MODELS.build(dict(type=kind, clip=tiny_clip(TEST_RN)))
        assert len(fake_step(model, training=False)) == 2
        return Step(model)

    return case


# ------------------------------------------------------------------ projects


def action_clip() -> Step:
    aggregator = dict(type="TemporalTransformer", num_layers=1, max_frames=FRAMES)
    model = _project("actionclip").ActionCLIP(
        clip=tiny_clip(TEST_RN), aggregator=aggregator, templates=("a {}", "a video of {}")
    )
    return Step(model, _loss(model, num_frames=FRAMES))


def residual_adapter() -> Step:
    torch.manual_seed(0)
    adapter = _project("clip_adapter").ResidualAdapter(embed_dim=32, reduction=4, ratio=0.5)
    embeds = F.normalize(torch.randn(4, 32), dim=-1)
    return Step(adapter, (adapter(embeds) * torch.randn(4, 32)).sum())


def tip_adapter_cache() -> Step:
    cache = _project("clip_adapter").TipAdapterCache(alpha=1.0, beta=5.0)
    keys = F.normalize(torch.randn(4, 32), dim=-1)
    cache.fill(keys, torch.tensor([0, 1, 1, 0]), ["circle", "square"])
    scores = cache(keys[:2], ["square", "circle", "star"])
    assert scores.shape == (2, 3) and not scores[:, 2].any()  # no shots of "star"
    return Step(cache)


def clip_adapter_classifier() -> Step:
    package = _project("clip_adapter")
    model = package.CLIPAdapterClassifier(
        clip=tiny_clip(TEST_RN), adapter=dict(type=package.ResidualAdapter)
    )
    return Step(model, _loss(model))


def patch_pool_classifier() -> Step:
    model = _project("example_head").PatchPoolClassifier(clip=tiny_clip(TEST_RN))
    return Step(model, _loss(model))


# ------------------------------------------------------------------ mmdet / mmseg, from shipped configs


def vild_part(part: str | None) -> Callable[[], Step]:
    """ViLD with both heads and both distillations (every branch), or one of its registered parts."""

    def case() -> Step:
        torch.manual_seed(0)
        model = init_model(VILD, cfg_options=shrink_options(VILD))
        loss = _loss(model)
        module = model
        for attribute in (part or "").split(".") if part else ():
            module = getattr(module, attribute)
        return Step(module, loss)

    return case


def clip_on_crops() -> Step:
    """The training-free detector trains as ViLD does (only its RPN is used at test)."""
    torch.manual_seed(0)
    model = init_model(CROPS, cfg_options=shrink_options(CROPS))
    return Step(model, _loss(model))


def glip_part(part: str | None) -> Callable[[], Step]:
    """GLIP with deep fusion (every branch of its head), or one of its registered parts.

    The language model holds the shared frozen CLIP and nothing trainable: its step
    checks that no gradient reaches the CLIP through the tokens.
    """

    def case() -> Step:
        torch.manual_seed(0)
        model = init_model(GLIP_FUSION, cfg_options=shrink_options(GLIP_FUSION))
        loss = _loss(model)
        module = model if part is None else getattr(model, part)
        return Step(module, loss if part != "language_model" else None)

    return case


def lseg_part(part: str | None) -> Callable[[], Step]:
    """LSeg with every optional part of its head on (learnt temperature, spatial regulariser)."""

    def case() -> Step:
        torch.manual_seed(0)
        options = shrink_options(LSEG) | {
            "model.decode_head.learnable_temperature": True,
            "model.decode_head.spatial_blocks": 1,
        }
        model = init_model(LSEG, cfg_options=options)
        return Step(model if part is None else getattr(model, part), _loss(model))

    return case


def maskclip_head() -> Step:
    """The training-free head: no parameters, and its logits are the dense embeddings' cosines."""
    torch.manual_seed(0)
    model = init_model(MASKCLIP, cfg_options=shrink_options(MASKCLIP))
    size = model.data_preprocessor.size
    images = torch.randn(2, 3, *size)
    with torch.no_grad():
        dense = model.backbone.forward_dense(images)
        logits = model.decode_head(dense, text_embeds=model.text_embeds(model.vocabulary))
    assert logits.shape == (2, len(model.vocabulary), *dense.embeds.shape[-2:])
    assert logits.abs().amax() <= model.decode_head.scale + 1e-4  # cosines times 1 / temperature
    return Step(model.decode_head)


def groupvit_part(part: str | None) -> Callable[[], Step]:
    """GroupViT from its shipped config on a caption batch (both losses), or its data preprocessor."""

    def case() -> Step:
        torch.manual_seed(0)
        model = init_model(GROUPVIT, cfg_options=shrink_options(GROUPVIT)).train()
        if part == "data_preprocessor":
            captions = {
                "inputs": torch.randn(2, 3, 64, 64),
                "data_samples": {"text": torch.ones(2, 4)},
            }
            assert model.data_preprocessor(captions, True)["inputs"] is captions["inputs"]
            return Step(model.data_preprocessor)
        captions = ["a red circle above a blue star", "a green square"]
        batch = {
            "inputs": torch.randn(2, 3, 64, 64),
            "data_samples": {"text": model.backbone.tokenize(captions)},
        }
        loss, _ = model.parse_losses(model(**model.data_preprocessor(batch, True), mode="loss"))
        return Step(model, loss)

    return case


CASES: dict[str, Callable[[], Step]] = {
    "FrozenCLIP": frozen_clip,
    "MeanPooling": mean_pooling,
    "TemporalTransformer": temporal_transformer,
    "CLIPPretrainer": clip_pretrainer,
    "CLIP4Clip": clip4clip,
    "ZeroShotClassifierModel": evaluation_only("ZeroShotClassifierModel"),
    "ImageTextRetrievalModel": evaluation_only("ImageTextRetrievalModel"),
    "ActionCLIP": action_clip,
    "ResidualAdapter": residual_adapter,
    "TipAdapterCache": tip_adapter_cache,
    "CLIPAdapterClassifier": clip_adapter_classifier,
    "PatchPoolClassifier": patch_pool_classifier,
    "mmdet.ViLD": vild_part(None),
    "mmdet.ViLDRoIHead": vild_part("roi_head"),
    "mmdet.ViLDBBoxHead": vild_part("roi_head.bbox_head"),
    "mmdet.CLIPDetBackbone": vild_part("backbone"),
    "mmdet.CLIPOnCrops": clip_on_crops,
    "mmdet.CLIPGLIP": glip_part(None),
    "mmdet.CLIPVLFusionHead": glip_part("bbox_head"),
    "mmdet.CLIPLanguageModel": glip_part("language_model"),
    "mmseg.LSegSegmentor": lseg_part(None),
    "mmseg.LSegHead": lseg_part("decode_head"),
    "mmseg.MaskCLIPHead": maskclip_head,
    "mmseg.GroupViT": groupvit_part(None),
    "mmseg.CaptionSegDataPreProcessor": groupvit_part("data_preprocessor"),
}


def test_every_registered_module_is_tested_or_excluded():
    names = set(registered())
    untested = sorted(names - set(CASES) - set(EXCLUDED))
    assert not untested, (
        f"registered but neither a case in CASES nor in EXCLUDED with a reason: {untested}"
    )
    assert not (set(CASES) | set(EXCLUDED)) - names, (
        "cases for entries that are no longer registered"
    )
    assert not set(CASES) & set(EXCLUDED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_step_reaches_every_trainable_parameter_and_no_frozen_one(name):
    entries = registered()
    step = CASES[name]()
    assert isinstance(step.module, entries[name])
    trainable = [n for n, p in step.module.named_parameters() if p.requires_grad]
    if step.loss is None:
        assert not trainable, f"{name} has trainable parameters but its case runs no loss"
    else:
        assert torch.isfinite(step.loss), step.loss
        step.loss.backward()
    unreached, frozen = trainable_without_gradient(step.module), frozen_with_gradient(step.module)
    assert not unreached, f"{name}: no gradient reached {unreached}"
    assert not frozen, f"{name}: frozen parameters with a gradient: {frozen}"
