"""Detect a free list of category names (ViLD, GLIP) or ground a caption's phrases (GLIP) on an image."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import mmcv
import numpy as np
import torch
from mmcv.transforms import Compose, LoadImageFromFile
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData
from PIL import Image, ImageDraw

from clipx.apis import expect_model_type, init_model

from .detector import ViLD
from .glip import CLIPGLIP, phrase_spans
from .scope import mmdet_scope

Detector = ViLD | CLIPGLIP


def load_detector(
    config: str | os.PathLike | Config,
    checkpoint: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    cfg_options: Mapping | None = None,
) -> Detector:
    """A ViLD or GLIP detector from a config and a runner checkpoint, in eval mode.

    :func:`clipx.apis.init_model` with a check that the config builds a
    :class:`ViLD` or a :class:`CLIPGLIP`; its test pipeline, kept as
    ``model.cfg``, is what :func:`detect` runs.
    """
    model = init_model(config, checkpoint, device=device, cfg_options=cfg_options)
    if not isinstance(model, CLIPGLIP):
        expect_model_type(model, ViLD, configs="configs/vild/ or configs/glip/")
    return model


def inference_pipeline(model: Detector) -> Compose:
    """The model's test pipeline without its image loader, for images already in memory."""
    steps = [s for s in model.cfg.test_dataloader.dataset.pipeline if not _is_loader(s)]
    with mmdet_scope():
        return Compose(steps)


def _is_loader(step: dict) -> bool:
    kind = step["type"]
    return kind is LoadImageFromFile or (
        isinstance(kind, str) and kind.split(".")[-1] == "LoadImageFromFile"
    )


def prompt_for(
    model: Detector,
    class_names: Sequence[str] | None = None,
    *,
    caption: str | None = None,
    phrases: Sequence[str] | None = None,
) -> tuple[list[str], dict]:
    """What a prediction's labels index, and the metainfo each test sample takes.

    ViLD: its vocabulary becomes ``class_names`` (embedded again only when it
    changes) and the samples take nothing. GLIP: the names, or the ``phrases``
    of ``caption`` (the whole caption when None), are the samples' prompt.
    """
    if isinstance(model, ViLD):
        if model.vocabulary is None or tuple(class_names) != model.vocabulary.names:
            model.set_vocabulary(class_names)
        return list(model.vocabulary.names), {}
    if caption is None:
        return list(class_names), dict(text=tuple(class_names), custom_entities=True)
    spans = -1 if phrases is None else phrase_spans(caption, phrases)
    names = list(phrases) if phrases else [caption]
    return names, dict(text=caption, custom_entities=False, tokens_positive=spans)


@torch.no_grad()
def detect(
    model: Detector,
    image: str | os.PathLike | np.ndarray,
    class_names: Sequence[str] | None = None,
    *,
    caption: str | None = None,
    phrases: Sequence[str] | None = None,
    score_thr: float = 0.3,
) -> InstanceData:
    """Detect ``class_names`` on one image, or (GLIP) ground the phrases of ``caption``.

    Args:
        model: from :func:`load_detector` (its config gives the test pipeline).
        image: a path, or an (H, W, 3) uint8 RGB array.
        class_names: any category names; the vocabulary is set for this call.
        caption: instead of names, a caption (GLIP only): each of ``phrases`` (its
            substrings) is grounded, or the whole caption as one referring
            expression when ``phrases`` is None.
        phrases: the phrases of ``caption`` to ground.
        score_thr: keep detections scoring at least this.

    Returns:
        ``bboxes`` (K, 4) xyxy in image pixels, ``scores`` (K,), ``labels``
        (K,) indexing the names (or phrases), and ``names`` (list of K strings).
    """
    if (class_names is None) == (caption is None):
        raise ValueError("give either class_names or caption (with or without phrases).")
    if caption is not None and not isinstance(model, CLIPGLIP):
        raise TypeError(
            f"{type(model).__name__} detects category names only; a caption needs GLIP."
        )
    if isinstance(image, np.ndarray):
        bgr, path = np.ascontiguousarray(image[..., ::-1]), ""
    else:
        bgr, path = mmcv.imread(str(image)), str(image)
        if bgr is None:
            raise FileNotFoundError(f"Cannot read image '{image}'.")
    names, prompt = prompt_for(model, class_names, caption=caption, phrases=phrases)
    shape = bgr.shape[:2]
    results = dict(img=bgr, img_path=path, img_id=0, img_shape=shape, ori_shape=shape)
    data = pseudo_collate([inference_pipeline(model)(results)])
    data["data_samples"][0].set_metainfo(prompt)
    pred = model.test_step(data)[0].pred_instances
    pred = pred[pred.scores >= score_thr]
    pred.names = [names[i] for i in pred.labels.tolist()]
    return pred


def draw_detections(
    image: str | os.PathLike | np.ndarray, detections: InstanceData, *, scale: int = 1
) -> Image.Image:
    """The image with each box and its ``name score`` label (optionally enlarged by ``scale``)."""
    pil = (
        Image.open(image).convert("RGB")
        if not isinstance(image, np.ndarray)
        else Image.fromarray(image)
    )
    if scale != 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(pil)
    palette = [
        (255, 64, 64),
        (64, 200, 255),
        (255, 220, 0),
        (0, 230, 120),
        (255, 120, 255),
        (255, 150, 40),
    ]
    for i, (box, score, name) in enumerate(
        zip(detections.bboxes.tolist(), detections.scores.tolist(), detections.names, strict=True)
    ):
        colour = palette[i % len(palette)]
        x0, y0, x1, y1 = (v * scale for v in box)
        draw.rectangle((x0, y0, x1, y1), outline=colour, width=max(1, scale))
        label = f"{name} {score:.2f}"
        tw, th = draw.textbbox((0, 0), label)[2:]
        ty = y0 - th - 2 if y0 - th - 2 >= 0 else y1 + 1
        draw.rectangle((x0, ty, x0 + tw + 2, ty + th + 2), fill=colour)
        draw.text((x0 + 1, ty + 1), label, fill=(0, 0, 0))
    return pil
