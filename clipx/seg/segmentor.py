"""The LSeg segmentor: frozen CLIP backbone + LSeg head + a vocabulary, as an mmseg model."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList, add_prefix
from torch import Tensor

from clipx.backbone import DenseFeatures, FrozenCLIP, Vocabulary

from .regions import RegionRescorer


class SwappableVocabulary:
    """``vocabulary_as``, for a segmentor with a ``vocabulary`` and ``set_vocabulary(names, templates)``.

    What :func:`clipx.seg.segment` and the tools use to label with any names: LSeg's and the
    GroupViT plug-in's segmentors mix it in.
    """

    @property
    def num_classes(self) -> int:
        """Size of the inference vocabulary."""
        return len(self.vocabulary.names)

    @property
    def out_channels(self) -> int:
        return self.num_classes

    @contextmanager
    def vocabulary_as(
        self, names: Sequence[str], templates: str | Sequence[str] | None = None
    ) -> Iterator[None]:
        """Use ``names`` inside the ``with`` block, then restore the previous vocabulary."""
        previous = self.vocabulary
        self.set_vocabulary(names, templates)
        try:
            yield
        finally:
            self.set_vocabulary(previous.names, previous.templates)


@MODELS.register_module()
class LSegSegmentor(SwappableVocabulary, EncoderDecoder):
    """Language-driven semantic segmentation (LSeg) with a shared CLIP backbone.

    An :class:`~mmseg.models.segmentors.EncoderDecoder` whose backbone is a
    :class:`~clipx.backbone.FrozenCLIP` (dense features) and whose decode head
    is an :class:`~clipx.seg.LSegHead`. The labels are data: the segmentor
    holds a training vocabulary and an inference vocabulary, embeds them with
    the backbone's prompt bank (cached), and hands the embeddings to the head
    on every call. :meth:`set_vocabulary` swaps the inference labels without
    retraining.

    mmseg's datasets, pipelines, ``IoUMetric``, visualiser and the train/test
    tools work unchanged; predictions index the inference vocabulary.

    Args:
        backbone: a ``FrozenCLIP`` config (or instance). Its ``dense_indices``
            choose the blocks or stages the head decodes.
        decode_head: an ``LSegHead`` config; ``in_channels``, ``embed_dim`` and
            ``num_classes`` are filled in from the backbone and vocabulary.
        class_names: the training vocabulary (label i = value i in the
            training label maps).
        classes_from: instead of ``class_names``, an mmseg dataset class whose
            ``METAINFO['classes']`` is the vocabulary (``ADE20KDataset``), for
            configs, which cannot index a lazily imported class.
        test_class_names: the inference vocabulary (validation, test,
            ``predict``); default: ``class_names``.
        templates: prompt templates for both vocabularies (default: the
            backbone's).
        train_cfg: mmseg train config (unused by the head, kept for mmseg).
        test_cfg: mmseg test config, e.g. ``dict(mode='whole')`` or
            ``dict(mode='slide', crop_size=(480, 480), stride=(320, 320))``.
        data_preprocessor: an mmseg ``SegDataPreProcessor`` config with the
            backbone's mean and std (in 0-255 units).
        region_rescore: keyword arguments of :class:`~clipx.seg.RegionRescorer`
            (``{}`` for its defaults) to name each predicted segment with
            CLIP's global embedding of it at inference; None: per-pixel labels
            only.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        *,
        backbone: dict | FrozenCLIP,
        decode_head: dict,
        class_names: Sequence[str] | None = None,
        classes_from: type | None = None,
        test_class_names: Sequence[str] | None = None,
        templates: str | Sequence[str] | None = None,
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        data_preprocessor: dict | None = None,
        region_rescore: dict | RegionRescorer | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        # EncoderDecoder's constructor builds the head before anyone can tell it
        # the backbone's channels; this one builds the parts in order.
        BaseSegmentor.__init__(self, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = backbone if isinstance(backbone, FrozenCLIP) else MODELS.build(backbone)
        if not isinstance(self.backbone, FrozenCLIP):
            raise TypeError(
                f"LSegSegmentor's backbone must be a clipx FrozenCLIP, got {type(self.backbone).__name__}."
            )
        if (class_names is None) == (classes_from is None):
            raise ValueError(
                "Give the training labels either as class_names=[...] or as classes_from=<an mmseg "
                f"dataset class>, not {'both' if class_names is not None else 'neither'}."
            )
        if classes_from is not None:
            class_names = classes_from.METAINFO["classes"]
        self.train_vocabulary = Vocabulary.of(class_names, templates)
        self.vocabulary = Vocabulary.of(test_class_names or class_names, templates)
        head = dict(decode_head)
        head.update(
            in_channels=self.backbone.dense_channels(),
            embed_dim=self.backbone.embed_dim,
            num_classes=len(self.vocabulary.names),
        )
        self.decode_head = MODELS.build(head)
        self.align_corners = self.decode_head.align_corners
        self.train_cfg = ConfigDict(train_cfg or {})
        self.test_cfg = ConfigDict(test_cfg or dict(mode="whole"))
        self.region_rescore = RegionRescorer.from_config(region_rescore)

    # -------------------------------------------------------------- vocabulary
    def set_vocabulary(
        self, names: Sequence[str], templates: str | Sequence[str] | None = None
    ) -> None:
        """Segment into ``names`` from now on (predictions index this list).

        Args:
            names: label names, e.g. ``['background', 'dog', 'vehicle']``.
            templates: prompt templates; None keeps the current ones.
        """
        keep = self.vocabulary.templates if templates is None else templates
        self.vocabulary = Vocabulary.of(names, keep)
        self.decode_head.num_classes = self.decode_head.out_channels = len(self.vocabulary.names)

    def text_embeds(self, vocabulary: Vocabulary) -> Tensor:
        """(C, D) L2-normalised label embeddings from the backbone's prompt bank (cached)."""
        return vocabulary.embed(self.backbone)

    # -------------------------------------------------------------- mmseg hooks
    def extract_feat(self, inputs: Tensor) -> DenseFeatures:
        """The backbone's dense features of (B, 3, H, W) normalised images."""
        return self.backbone.forward_dense(inputs)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of a batch, against labels that index the training vocabulary."""
        losses = self.decode_head.loss(
            self.extract_feat(inputs),
            data_samples,
            self.train_cfg,
            text_embeds=self.text_embeds(self.train_vocabulary),
        )
        return add_prefix(losses, "decode")

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        """(B, C, H, W) logits over the inference vocabulary at the input size.

        With ``region_rescore`` set: log-probabilities after re-scoring each
        predicted segment with CLIP (:class:`~clipx.seg.RegionRescorer`).
        """
        text_embeds = self.text_embeds(self.vocabulary)
        logits = self.decode_head.predict(
            self.extract_feat(inputs), batch_img_metas, self.test_cfg, text_embeds=text_embeds
        )
        if self.region_rescore is None:
            return logits
        return self.region_rescore(
            logits,
            inputs,
            self.backbone,
            text_embeds,
            self.vocabulary.names,
            self.train_vocabulary.names,
        )

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None) -> Tensor:
        vocabulary = self.train_vocabulary if self.training else self.vocabulary
        return self.decode_head.forward(
            self.extract_feat(inputs), text_embeds=self.text_embeds(vocabulary)
        )

    def _decode_head_forward_train(self, inputs, data_samples):  # noqa: D102
        raise NotImplementedError(
            "LSegSegmentor.loss calls the head directly, with the text embeddings."
        )

    def extra_repr(self) -> str:
        return (
            f"train_labels={list(self.train_vocabulary.names)}, labels={list(self.vocabulary.names)}, "
            f"region_rescore={self.region_rescore}"
        )
