"""Grounding data and metrics for GLIP on CLIP: mmdet's, with CLIP's tokenizer and phrase kinds.

- :class:`CLIPRandomSamplingNegPos`: mmdet's ``RandomSamplingNegPos`` (ODVG
  detection lines become a caption of positive and sampled negative names;
  grounding lines keep their caption and phrase spans), budgeting prompt
  length with CLIP's tokenizer instead of a downloaded BERT one, and never
  drawing a present name as a negative.
- :class:`GroundingPhraseDataset`: mmdet's ``Flickr30kDataset`` that also
  reads each phrase's kinds (``phrase_types``) and its chance level when the
  annotation file records them (the shapes world's does).
- :class:`GroundingRecallMetric`: phrase-grounding Recall@k with mmdet's
  ``Flickr30kMetric`` definition (a phrase is found at k when one of the
  top-k boxes predicted for it overlaps one of its boxes at IoU >= 0.5),
  overall and per phrase kind.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from mmdet.datasets import Flickr30kDataset
from mmdet.datasets.transforms.text_transformers import RandomSamplingNegPos, clean_name
from mmdet.evaluation.functional import bbox_overlaps
from mmdet.registry import DATASETS, METRICS, TRANSFORMS
from mmdet.structures.bbox import BaseBoxes
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from clipx.backbone import ChunkTokenizer


@TRANSFORMS.register_module()
class CLIPRandomSamplingNegPos(RandomSamplingNegPos):
    """mmdet's ``RandomSamplingNegPos`` with CLIP's tokenizer counting the prompt.

    Args:
        model_name: the CLIP architecture (its tokenizer, no weights).
        num_sample_negative, max_tokens, full_sampling_prob: as mmdet's;
            ``max_tokens`` is the language model's.
    """

    def __init__(
        self,
        *,
        model_name: str,
        num_sample_negative: int = 85,
        max_tokens: int = 256,
        full_sampling_prob: float = 0.5,
    ) -> None:
        self.tokenizer = ChunkTokenizer(model_name)
        self.num_sample_negative = num_sample_negative
        self.full_sampling_prob = full_sampling_prob
        self.max_tokens = max_tokens

    def od_aug(self, results: dict) -> dict:
        """A detection sample's prompt: its names and sampled negatives, shuffled, within budget.

        The same sampling as mmdet's (all negatives with ``full_sampling_prob``,
        else a random number of them; names with ``/`` give one of their
        forms), with one difference: mmdet compares the label map's string keys
        with integer labels, so a present name can also be drawn as a negative
        and appear twice in the prompt, once without a box. With a few
        categories that contradicts most positives; here a present name is
        never a negative.
        """
        boxes = results["gt_bboxes"]
        boxes = boxes.tensor if isinstance(boxes, BaseBoxes) else boxes
        labels = np.asarray(results["gt_bboxes_labels"], dtype=np.int64)
        names = {
            int(k): random.choice(v.split("/")).strip() if "/" in v else v
            for k, v in results["text"].items()
        }
        cost = {k: len(self.tokenizer.tokenize(clean_name(n) + ". ")) for k, n in names.items()}
        present = sorted({int(x) for x in labels})
        random.shuffle(present)
        kept, budget = [], self.max_tokens
        for label in present:
            if cost[label] > budget:
                break
            kept.append(label)
            budget -= cost[label]
        keep = np.isin(labels, kept)
        boxes, labels = boxes[keep], labels[keep]
        if "gt_ignore_flags" in results:
            results["gt_ignore_flags"] = np.asarray(results["gt_ignore_flags"])[keep]
        others = [k for k in names if k not in kept]
        count = min(self.num_sample_negative, len(others))
        if random.random() >= self.full_sampling_prob:
            count = min(count, int(np.random.choice(max(1, count))) + 1)
        negatives = []
        for label in random.sample(others, count):
            if cost[label] > budget:
                break
            negatives.append(label)
            budget -= cost[label]
        order = kept + negatives
        random.shuffle(order)
        caption, spans, index_of = "", {}, {}
        for index, label in enumerate(order):
            name = clean_name(names[label])
            if label in kept:
                spans[index] = [[len(caption), len(caption) + len(name)]]
                index_of[label] = index
            caption += name + ". "
        results["gt_bboxes"] = boxes
        results["gt_bboxes_labels"] = np.array([index_of[int(x)] for x in labels], dtype=np.int64)
        results["text"] = caption
        results["tokens_positive"] = spans
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model_name={self.tokenizer.model_name!r}, "
            f"num_sample_negative={self.num_sample_negative}, max_tokens={self.max_tokens})"
        )


@DATASETS.register_module()
class GroundingPhraseDataset(Flickr30kDataset):
    """Flickr30k-entities-style phrase grounding, with phrase kinds where recorded.

    Each image entry may add ``phrase_types`` (a list of kinds per phrase of
    ``tokens_positive_eval``) and ``chance`` (per phrase, the Recall@1 of a
    detector that finds the right category but picks among its boxes at random);
    both reach the data samples (add them to ``PackDetInputs``' ``meta_keys``).
    """

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()
        for info in data_list:
            image = self.coco.imgs[info["img_id"]]
            phrases = len(info["phrases"])
            info["phrase_types"] = image.get("phrase_types", [[] for _ in range(phrases)])
            info["chance"] = image.get("chance", [float("nan")] * phrases)
        return data_list


@METRICS.register_module()
class GroundingRecallMetric(BaseMetric):
    """Phrase-grounding Recall@k (mmdet ``Flickr30kMetric``'s definition), overall and per kind.

    Args:
        topk: the k of Recall@k; -1 means any predicted box.
        iou_thr: the overlap that counts as found.
        prefix: of the metric names (``grounding/R@1``, ``grounding/R@1_same_shape``, ...).
    """

    default_prefix = "grounding"

    def __init__(
        self,
        topk: Sequence[int] = (1, 5, 10, -1),
        iou_thr: float = 0.5,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(int(k) for k in topk)
        self.iou_thr = float(iou_thr)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample["pred_instances"]
            num = len(sample["phrases"])
            self.results.append(
                dict(
                    boxes=pred["bboxes"].cpu().numpy(),
                    labels=pred["labels"].cpu().numpy(),
                    gt_boxes=sample["gt_instances"]["bboxes"].cpu().numpy(),
                    gt_phrase=np.asarray(sample["phrase_ids"]),
                    types=sample.get("phrase_types", [[] for _ in range(num)]),
                    chance=sample.get("chance", [float("nan")] * num),
                    num=num,
                )
            )

    def phrase_hits(self, result: dict) -> list[dict[int, bool]]:
        """Per phrase of one image, {k: found at k}."""
        hits = []
        for i in range(result["num"]):
            boxes = result["boxes"][result["labels"] == i]
            if len(boxes) == 0:
                boxes = np.zeros((1, 4), dtype=np.float32)  # as mmdet: an empty prediction misses
            targets = result["gt_boxes"][result["gt_phrase"] == i]
            ious = bbox_overlaps(np.asarray(boxes), np.asarray(targets))
            hits.append(
                {k: bool((ious if k == -1 else ious[:k]).max() >= self.iou_thr) for k in self.topk}
            )
        return hits

    def compute_metrics(self, results: list) -> dict[str, float]:
        found: dict[str, dict[int, list[bool]]] = defaultdict(lambda: defaultdict(list))
        chance: dict[str, list[float]] = defaultdict(list)
        for result in results:
            for i, hit in enumerate(self.phrase_hits(result)):
                for kind in ("all", *result["types"][i]):
                    chance[kind].append(float(result["chance"][i]))
                    for k, ok in hit.items():
                        found[kind][k].append(ok)
        metrics = {}
        for kind, per_k in found.items():
            suffix = "" if kind == "all" else f"_{kind}"
            for k, oks in per_k.items():
                metrics[f"R@{'any' if k == -1 else k}{suffix}"] = 100.0 * float(np.mean(oks))
            metrics[f"phrases{suffix}"] = float(len(next(iter(per_k.values()))))
            values = [c for c in chance[kind] if not np.isnan(c)]
            if values and kind == "same_shape":
                metrics[f"chance_R@1{suffix}"] = 100.0 * float(np.mean(values))
        MMLogger.get_current_instance().info(f"phrase grounding: {metrics}")
        return metrics
