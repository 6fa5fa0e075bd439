"""Fake batches of each model family's declared input shapes, and one step on them.

Every clipx model reads a batch the way its datasets write it (mmdet's
``demo_mm_inputs`` is the model). :func:`fake_inputs` writes one for any built
model, sized by the model itself (its backbone's ``image_size``,
``embed_dim``, its aggregator's ``max_frames``, its vocabulary):

==============  ==========================================================  ======================================
family          models                                                      ``inputs`` / ``data_samples``
==============  ==========================================================  ======================================
pretraining     ``CLIPPretrainer``                                          (B, 3, S, S) / ``{'text': (B, L) ids}``
images          ``ZeroShotClassifierModel``, ``ImageTextRetrievalModel``,   B (3, S, S) / ``BaseDataElement`` with
                CLIP-Adapter / Tip-Adapter, the example head, any model     ``gt_label``, ``img_id``, ``captions``,
                with a ``clip``                                             ``metainfo['classes']``
video           ``CLIP4Clip``, ``ActionCLIP``                               B (T, 3, S, S) clips or (T, D) cached
                                                                            frame embeddings / ``frame_mask``,
                                                                            ``text``, ``captions``, ``video_id``,
                                                                            ``gt_label``, ``metainfo['classes']``
segmentation    ``LSegSegmentor``                                           B uint8 (3, S, S) / mmseg ``SegDataSample``
detection       ``ViLD``                                                    B uint8 (3, S, S) / mmdet ``DetDataSample``
                                                                            with ``gt_instances`` (and
                                                                            ``distill_regions`` when distilling)
==============  ==========================================================  ======================================

The samples carry every field any model of the family reads, so one builder
serves the whole family. :func:`prepare_like_hooks` sets what a run's hooks
set before the first batch, and :func:`fake_step` runs the data
preprocessor and one ``loss`` or ``predict`` forward.
"""

from __future__ import annotations

import sys

import open_clip
import torch
import torch.nn.functional as F
from mmengine.structures import BaseDataElement
from torch import nn

from clipx.data.batch import stack_images
from clipx.pretrain import CLIPPretrainer
from clipx.video import CLIP4Clip

from . import FAKE_CAPTIONS, fake_images, fake_seg_batch

FAKE_CLASSES = ("circle", "square", "triangle")
FAKE_NOVEL_CLASSES = ("star", "hexagon")
FAMILIES = ("pretraining", "captions", "images", "video", "segmentation", "detection", "grounding")
MAX_FAKE_FRAMES = 4


def _is_instance(model: nn.Module, module: str, name: str) -> bool:
    """``isinstance(model, module.name)`` without importing ``module`` (mmdet/mmseg) when unused."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(model, getattr(loaded, name))


def model_family(model: nn.Module) -> str:
    """Which of :data:`FAMILIES` a built model reads its batches as.

    Raises:
        TypeError: the model is none of them (it has no ``clip`` backbone).
    """
    if isinstance(model, CLIPPretrainer):
        return "pretraining"
    if isinstance(model, CLIP4Clip):
        return "video"
    if _is_instance(model, "clipx.seg", "LSegSegmentor"):
        return "segmentation"
    if hasattr(model, "image_tower") and hasattr(model, "nouns"):  # GroupViT (projects/groupvit)
        return "captions"
    if _is_instance(model, "clipx.det", "ViLD"):
        return "detection"
    if _is_instance(model, "clipx.det", "CLIPGLIP"):
        return "grounding"
    if hasattr(model, "clip"):
        return "images"
    raise TypeError(
        f"{type(model).__name__} is not a clipx model family {FAMILIES}: fake_inputs writes batches for "
        "CLIPPretrainer, CLIP4Clip and its subclasses, LSegSegmentor, ViLD, CLIPGLIP and models holding a `clip`."
    )


def vocabulary_names(model: nn.Module) -> tuple[str, ...]:
    """The model's fixed class names when it has them, else :data:`FAKE_CLASSES` (given as metainfo)."""
    names = getattr(model, "class_names", None)
    return tuple(names) if names else FAKE_CLASSES


def fake_inputs(
    model: nn.Module,
    *,
    training: bool = True,
    batch_size: int = 2,
    num_frames: int | None = None,
    frame_features: bool = False,
    seed: int = 0,
) -> dict:
    """One dataloader batch for ``model`` (what the data preprocessor receives).

    Args:
        model: a built clipx model of one of :data:`FAMILIES`.
        training: a training batch (labels index the training vocabulary;
            ViLD's distillation regions when it distils) or an evaluation one.
        batch_size: B.
        num_frames: T of video clips; default ``min(4, aggregator.max_frames)``.
            The last clip's last frame is padding (``frame_mask`` False).
        frame_features: video inputs as (T, D) cached frame embeddings
            (``VideoFeaturePairs``) instead of decoded clips.
        seed: for the images, labels and boxes.

    Returns:
        ``{'inputs': ..., 'data_samples': ...}`` as the family's dataloader collates it.
    """
    family = model_family(model)
    if family == "pretraining":
        return _pretraining_batch(model, batch_size, seed)
    if family == "images":
        return _image_batch(model, batch_size, seed)
    if family == "captions":  # trains on captions, is evaluated on segmentation batches
        size = model.data_preprocessor.size or model.backbone.image_size
        if not training:
            return fake_seg_batch(batch_size, size[0], len(model.vocabulary.names), seed=seed)
        captions = [_captions(i)[0] for i in range(batch_size)]
        images = fake_images(batch_size, size[0], seed=seed)
        return dict(inputs=images, data_samples={"text": model.backbone.tokenize(captions)})
    if family == "video":
        return _video_batch(model, batch_size, num_frames, frame_features, seed)
    if family == "segmentation":
        vocabulary = model.train_vocabulary if training else model.vocabulary
        size = model.backbone.image_size[0]
        return fake_seg_batch(batch_size, size, len(vocabulary), seed=seed)
    if family == "grounding":  # GLIP's category-list prompt, labels index it
        names = FAKE_CLASSES if training else FAKE_CLASSES + FAKE_NOVEL_CLASSES
        batch = fake_det_batch(
            batch_size, model.clip.image_size[0], num_classes=len(FAKE_CLASSES), seed=seed
        )
        for sample in batch["data_samples"]:
            sample.set_metainfo(dict(text=names, custom_entities=True))
        return batch
    distilling = training and getattr(model.roi_head, "distill_weight", 0.0) > 0
    return fake_det_batch(
        batch_size,
        model.clip.image_size[0],
        num_classes=len(FAKE_CLASSES),
        regions=4 if distilling else 0,
        embed_dim=model.clip.embed_dim,
        seed=seed,
    )


def _captions(i: int) -> list[str]:
    return [FAKE_CAPTIONS[i % len(FAKE_CAPTIONS)], FAKE_CAPTIONS[(i + 1) % len(FAKE_CAPTIONS)]]


def _pretraining_batch(model, batch_size: int, seed: int) -> dict:
    size = model.preprocess_cfg["size"]
    tokens = open_clip.get_tokenizer(model.model_name)([_captions(i)[0] for i in range(batch_size)])
    return dict(inputs=fake_images(batch_size, size, seed=seed), data_samples={"text": tokens})


def _image_batch(model, batch_size: int, seed: int) -> dict:
    names = vocabulary_names(model)
    images = fake_images(batch_size, model.clip.image_size, seed=seed)
    samples = [
        BaseDataElement(
            metainfo=dict(classes=names, img_path=f"fake/{i}.png"),
            gt_label=i % len(names),
            img_id=i,
            captions=_captions(i),
        )
        for i in range(batch_size)
    ]
    return dict(inputs=list(images), data_samples=samples)


def _video_batch(model, batch_size: int, num_frames: int | None, features: bool, seed: int) -> dict:
    frames = num_frames or min(
        MAX_FAKE_FRAMES, getattr(model.aggregator, "max_frames", MAX_FAKE_FRAMES)
    )
    names = vocabulary_names(model)
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(batch_size):
        mask = torch.ones(frames, dtype=torch.bool)
        if i == batch_size - 1 and frames > 1:
            mask[-1] = False  # a shorter clip, padded
        if features:
            clip = F.normalize(torch.randn(frames, model.clip.embed_dim, generator=gen), dim=-1)
        else:
            clip = torch.randn(frames, 3, *model.clip.image_size, generator=gen)
        inputs.append(clip * mask.view(-1, *[1] * (clip.ndim - 1)))
        samples.append(
            BaseDataElement(
                metainfo=dict(classes=names, video_path=f"fake/video{i}.mp4"),
                video_id=f"video{i}",
                frame_mask=mask,
                text=_captions(i)[0],
                captions=_captions(i),
                gt_label=i % len(names),
                read_error=None,
                skipped_ids=[],
            )
        )
    return dict(inputs=inputs, data_samples=samples)


def fake_det_batch(
    batch_size: int = 2,
    size: int = 64,
    *,
    num_classes: int = len(FAKE_CLASSES),
    regions: int = 0,
    embed_dim: int = 32,
    seed: int = 0,
) -> dict:
    """A detection batch as mmdet's pipeline packs it: uint8 images, boxes and (optionally) stored regions.

    Each image has two boxes, of labels 0 and ``num_classes - 1``, about a
    third of the image wide; ``regions`` > 0 adds ``distill_regions`` (boxes
    and unit (``regions``, ``embed_dim``) embeddings) as ``PackViLDInputs`` does.
    """
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    gen = torch.Generator().manual_seed(seed)
    extent = torch.tensor([[0.31, 0.38], [0.44, 0.25]]) * size  # (w, h) of the two boxes
    inputs, samples = [], []
    for i in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, size, size), generator=gen, dtype=torch.uint8))
        xy = torch.randint(0, size // 2, (2, 2), generator=gen).float()
        shape = (size, size)
        sample = DetDataSample(
            metainfo=dict(
                img_id=i, img_shape=shape, ori_shape=shape, pad_shape=shape, scale_factor=(1.0, 1.0)
            )
        )
        sample.gt_instances = InstanceData(
            bboxes=torch.cat([xy, xy + extent], dim=1), labels=torch.tensor([0, num_classes - 1])
        )
        sample.ignored_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long)
        )
        if regions:
            corner = torch.randint(0, size // 2, (regions, 2), generator=gen).float()
            sample.distill_regions = InstanceData(
                bboxes=torch.cat([corner, corner + size / 4], dim=1),
                embeds=F.normalize(torch.randn(regions, embed_dim, generator=gen), dim=-1),
            )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def prepare_like_hooks(model: nn.Module, data: dict, *, training: bool) -> None:
    """Set what a run's hooks set on the model before its first batch, from fake data.

    * ViLD (``VocabularyHook``): the training vocabulary :data:`FAKE_CLASSES`;
      for evaluation those plus :data:`FAKE_NOVEL_CLASSES`, the first ones base.
    * Tip-Adapter (``TipAdapterCacheHook``, before evaluating): the cache holds
      ``data``'s own images with their labels.

    Models are recognised by those methods (``set_training_vocabulary``,
    ``fill_cache``), so plug-in heads that offer them get the same treatment.
    """
    if hasattr(model, "set_training_vocabulary"):
        model.set_training_vocabulary(FAKE_CLASSES)
        if not training:
            model.set_vocabulary(FAKE_CLASSES + FAKE_NOVEL_CLASSES, base_names=FAKE_CLASSES)
    if not training and getattr(model, "cache", None) is not None and hasattr(model, "fill_cache"):
        samples = data["data_samples"]
        labels = torch.tensor([int(s.gt_label) for s in samples])
        model.fill_cache(stack_images(data["inputs"]), labels, samples[0].metainfo["classes"])


def fake_step(model: nn.Module, *, training: bool = True, **batch):
    """One ``loss`` (``training``) or ``predict`` forward of ``model`` on :func:`fake_inputs`.

    As mmengine's ``train_step``/``test_step`` without the optimiser: the hooks'
    state (:func:`prepare_like_hooks`), the model's data preprocessor, then the
    forward, with gradients only when training.

    Args:
        model: a built clipx model.
        training: ``mode='loss'`` in train mode, else ``mode='predict'`` in eval mode.
        **batch: :func:`fake_inputs` arguments (``batch_size``, ``num_frames``, ...).

    Returns:
        The loss dict, or the list of predictions (one per sample).
    """
    data = fake_inputs(model, training=training, **batch)
    prepare_like_hooks(model, data, training=training)
    model.train(training)
    processed = model.data_preprocessor(data, training)
    with torch.set_grad_enabled(training):
        return model(**processed, mode="loss" if training else "predict")
