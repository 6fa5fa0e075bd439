"""Labelled clips for video action recognition.

Annotations name each video by id and give it one label (an action name); the
file of video ``v`` is ``<video_root>/<v><video_ext>``. Readers
(:func:`read_video_labels`) accept

* json: a list of records with a ``video_id`` and either the label field
  itself (``{"video_id": ..., "label": "abseiling"}``) or, like the shapes-world
  ``*_clips.json`` the video generator writes, a list of ``objects`` that each
  carry the field (``{"video_id": ..., "objects": [{"direction": "left", ...}]}``).
  A clip whose objects disagree (one shape moves left, the other up) has no
  single label and is left out, counted in ``metainfo['num_ambiguous']``;
* csv: a video-id and a label column (Kinetics' ``label,youtube_id,...``).

Frames are decoded and preprocessed by clipx's video reader
(:func:`clipx.video.data.read_frames`, :func:`clipx.video.data.frames_to_clip`):
``num_frames`` frames sampled uniformly over the clip, the backbone's own
transform, zero padding with a ``frame_mask`` for shorter clips.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from torch.utils.data import Dataset

from clipx.data.classification import build_transform, read_csv_columns
from clipx.registry import DATASETS
from clipx.video.data import DECODE_ERRORS, SAMPLINGS, frames_to_clip, read_frames


def read_video_labels(
    ann_file: str | os.PathLike,
    *,
    label_key: str = "label",
    video_column: str = "video_id",
    delimiter: str = ",",
) -> tuple[dict[str, str], list[str]]:
    """Video id -> label, in file order, and the ids left out as ambiguous.

    Args:
        ann_file: a ``.json`` or ``.csv`` file (see the module docstring).
        label_key: the json field or csv column of the label (for shapes-world
            clips: ``'direction'``, ``'colour'``, ``'shape'`` or ``'size'``).
        video_column: json key / csv column of the video id.
        delimiter: csv field separator.

    Returns:
        ``(labels, ambiguous)``: the labelled videos and, for json with
        ``objects``, the ids of clips whose objects disagree on ``label_key``.
    """
    path = Path(ann_file)
    if not path.is_file():
        raise FileNotFoundError(f"Annotation file '{path}' does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".json":
        labels, ambiguous = _json_labels(path, label_key, video_column)
    elif suffix in (".csv", ".tsv"):
        rows = read_csv_columns(path, (video_column, label_key), delimiter=delimiter)
        labels = {row[video_column].strip(): row[label_key].strip() for row in rows}
        ambiguous = []
    else:
        raise ValueError(
            f"Annotation file '{path}' is neither .json nor .csv; give a json list of records or a "
            "csv with a video-id and a label column."
        )
    if not labels:
        raise ValueError(
            f"Annotation file '{path}' gives no video a single '{label_key}' label "
            f"({len(ambiguous)} ambiguous)."
        )
    return labels, ambiguous


def _json_labels(path: Path, label_key: str, video_key: str) -> tuple[dict[str, str], list[str]]:
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise ValueError(
            f"'{path}' must hold a json list of clip records; got a {type(records).__name__}."
        )
    labels: dict[str, str] = {}
    ambiguous: list[str] = []
    for n, record in enumerate(records):
        if not isinstance(record, dict) or video_key not in record:
            raise ValueError(f"'{path}' record {n} has no '{video_key}': {str(record)[:120]}.")
        video_id = str(record[video_key]).strip()
        if label_key in record:
            labels[video_id] = str(record[label_key])
            continue
        objects = record.get("objects")
        values = {obj.get(label_key) for obj in objects} if isinstance(objects, list) else set()
        if not objects or None in values:
            raise ValueError(
                f"'{path}' record {n} ({video_id}) has neither a '{label_key}' field nor objects "
                f"that all carry one; its keys are {sorted(record)}. Set label_key= to the label "
                "field."
            )
        if len(values) == 1:
            labels[video_id] = str(values.pop())
        else:
            ambiguous.append(video_id)
    return labels, ambiguous


@DATASETS.register_module()
class VideoClassificationDataset(Dataset):
    """Clips with one class label each, for video classification.

    Items are ``{'inputs': (num_frames, 3, h, w), 'data_samples':
    BaseDataElement(video_id=str, gt_label=int, frame_mask=(num_frames,) bool,
    metainfo={'video_path', 'classes'})}`` (collate with mmengine's
    ``pseudo_collate``). ``metainfo['classes']`` is the vocabulary: a model
    that takes its class names from the data (:class:`~actionclip.ActionCLIP`)
    follows the dataset's list, and ``gt_label`` indexes it.

    Args:
        ann_file: annotations, json or csv (see the module docstring).
        video_root: folder of the video files.
        transform: PIL image -> (3, h, w) tensor, or its TRANSFORMS config
            (``dict(type='clipx.clip_eval_transform', clip=...)``).
        classes: the class names, in label order. Default: the sorted distinct
            labels of ``ann_file``. A label of the file that is not in the list
            is an error, so a typo cannot silently drop clips.
        label_key: json field / csv column of the label.
        num_frames: frames per clip.
        sampling: ``'uniform'`` or ``'fps'`` (see :func:`clipx.video.data.read_frames`).
        target_fps: frames per second of ``'fps'`` sampling.
        video_ext: file suffix appended to the video id.
        video_column: json key / csv column of the video id.
        delimiter: csv field separator.
        decode_threads: decord threads per reader.
    """

    def __init__(
        self,
        *,
        ann_file: str | os.PathLike,
        video_root: str | os.PathLike,
        transform: Callable | dict,
        classes: Sequence[str] | None = None,
        label_key: str = "label",
        num_frames: int = 12,
        sampling: str = "uniform",
        target_fps: float = 1.0,
        video_ext: str = ".mp4",
        video_column: str = "video_id",
        delimiter: str = ",",
        decode_threads: int = 1,
    ) -> None:
        if not isinstance(num_frames, int) or num_frames < 1:
            raise ValueError(f"num_frames={num_frames!r}; use a positive integer.")
        if sampling not in SAMPLINGS:
            raise ValueError(f"sampling={sampling!r}; use one of {SAMPLINGS}.")
        labels, ambiguous = read_video_labels(
            ann_file, label_key=label_key, video_column=video_column, delimiter=delimiter
        )
        self.classes = _check_classes(classes, labels, ann_file)
        index = {name: i for i, name in enumerate(self.classes)}
        self.transform = build_transform(transform)
        self.num_frames = num_frames
        self.sampling = sampling
        self.target_fps = float(target_fps)
        self.decode_threads = int(decode_threads)
        self.video_ids = list(labels)
        self.labels = [index[labels[v]] for v in self.video_ids]
        self.video_paths = [Path(video_root) / f"{v}{video_ext}" for v in self.video_ids]
        self.num_ambiguous = len(ambiguous)
        missing = [str(p) for p in self.video_paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"{len(missing)} of the {len(self.video_paths)} videos of '{ann_file}' are missing, "
                f"e.g. '{missing[0]}'. Check video_root and video_ext."
            )
        if ambiguous:
            print_log(
                f"{type(self).__name__}: {len(ambiguous)} clips of '{ann_file}' have objects that "
                f"disagree on '{label_key}' (e.g. {ambiguous[0]}) and are left out; "
                f"{len(self.video_ids)} clips remain.",
                logger="current",
                level=logging.INFO,
            )

    @property
    def metainfo(self) -> dict:
        """The vocabulary (``classes``), clip counts per class and the ambiguous clips left out."""
        counts = torch.bincount(torch.tensor(self.labels), minlength=len(self.classes))
        return {
            "classes": self.classes,
            "class_counts": tuple(counts.tolist()),
            "num_ambiguous": self.num_ambiguous,
        }

    def __len__(self) -> int:
        return len(self.video_ids)

    def __getitem__(self, index: int) -> dict:
        path = self.video_paths[index]
        try:
            frames = read_frames(
                path,
                num_frames=self.num_frames,
                sampling=self.sampling,
                target_fps=self.target_fps,
                num_threads=self.decode_threads,
            )
        except DECODE_ERRORS as err:
            raise RuntimeError(
                f"Cannot decode video '{path}' ({type(err).__name__}: {err}); a classification "
                "benchmark needs every clip, so regenerate or remove it from the annotations."
            ) from err
        clip, mask = frames_to_clip(frames, self.transform, self.num_frames)
        sample = BaseDataElement(
            metainfo={"video_path": str(path), "classes": self.classes},
            video_id=self.video_ids[index],
            gt_label=self.labels[index],
            frame_mask=mask,
        )
        return {"inputs": clip, "data_samples": sample}


def _check_classes(
    classes: Sequence[str] | None, labels: dict[str, str], ann_file: str | os.PathLike
) -> tuple[str, ...]:
    present = sorted(set(labels.values()))
    if classes is None:
        return tuple(present)
    if isinstance(classes, str):
        raise TypeError(f"classes must be a list of names, got the single string {classes!r}.")
    names = tuple(str(c) for c in classes)
    if len(set(names)) != len(names):
        raise ValueError(f"classes={list(names)} names a class twice.")
    unknown = [label for label in present if label not in names]
    if unknown:
        raise ValueError(
            f"Labels {unknown} of '{ann_file}' are not in classes={list(names)}; add them or fix "
            "the label_key."
        )
    return names
