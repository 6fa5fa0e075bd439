"""ViLD-style open-vocabulary detection on mmdet (the only place besides clipx.seg that imports mmdet).

* :class:`ViLD`: a two-stage detector (mmdet's RPN + :class:`ViLDRoIHead`)
  whose classes are CLIP text embeddings set at run time
  (:meth:`ViLD.set_vocabulary`); trained on base categories, it detects any
  list of names.
* :class:`ViLDBBoxHead`: region embeddings scored against text embeddings plus
  a learnable background embedding, temperature 0.01, class-agnostic boxes;
  optionally a separate image-embedding branch (ViLD-ensemble).
* :class:`CLIPDetBackbone`: the shared FrozenCLIP's dense maps as detector
  features (a trainable mmdet backbone can replace it; CLIP stays the teacher).
* Data: :class:`OpenVocabCocoDataset` (COCO/LVIS json, base/novel split),
  :class:`LoadRegionEmbeddings` + :class:`PackViLDInputs` (ViLD-image targets
  from ``tools/vild_precompute.py``), :class:`OpenVocabCocoMetric` (AP over
  base and novel categories), :class:`VocabularyHook`.
* :class:`CLIPOnCrops`: the training-free baseline (ViLD's "CLIP on cropped
  regions"): RPN proposals named by the frozen CLIP from their crops.
* :func:`detect` and :func:`draw_detections`: free-text detection on an image.
* GLIP (detection as phrase grounding): :class:`CLIPGLIP` (mmdet's GLIP with
  the shared CLIP), :class:`CLIPLanguageModel` (CLIP's per-token text features
  and character-to-token maps), :class:`CLIPVLFusionHead` (mmdet's GLIP head at
  CLIP's widths, deep fusion on or off), :class:`CLIPRandomSamplingNegPos`,
  :class:`GroundingPhraseDataset` and :class:`GroundingRecallMetric`.

Everything registers into mmdet's registries on import; configs add
``custom_imports = dict(imports=['clipx.det'], allow_failed_imports=False)``
or import the classes.
"""

from .backbone import CLIPDetBackbone
from .bbox_head import ViLDBBoxHead
from .crops import CLIPOnCrops
from .data import LoadRegionEmbeddings, OpenVocabCocoDataset, PackViLDInputs, split_categories
from .detector import ViLD
from .glip import CLIPGLIP, last_token_map, phrase_spans
from .grounding import CLIPRandomSamplingNegPos, GroundingPhraseDataset, GroundingRecallMetric
from .hooks import VocabularyHook
from .inference import detect, draw_detections, load_detector
from .language import CLIPLanguageModel, GroundingTokens, PromptTokenizer
from .metric import OpenVocabCocoMetric, coco_ap
from .roi_head import ViLDRoIHead
from .scores import distill_loss, ensemble_scores, text_logits
from .vl_head import CLIPVLFusionHead

__all__ = [
    "CLIPDetBackbone",
    "CLIPGLIP",
    "CLIPLanguageModel",
    "CLIPRandomSamplingNegPos",
    "CLIPVLFusionHead",
    "GroundingPhraseDataset",
    "GroundingRecallMetric",
    "GroundingTokens",
    "PromptTokenizer",
    "CLIPOnCrops",
    "LoadRegionEmbeddings",
    "OpenVocabCocoDataset",
    "OpenVocabCocoMetric",
    "PackViLDInputs",
    "ViLD",
    "ViLDBBoxHead",
    "ViLDRoIHead",
    "VocabularyHook",
    "coco_ap",
    "detect",
    "distill_loss",
    "draw_detections",
    "ensemble_scores",
    "load_detector",
    "last_token_map",
    "phrase_spans",
    "split_categories",
    "text_logits",
]
