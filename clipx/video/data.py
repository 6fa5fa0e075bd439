"""Video-text data: MSR-VTT-style annotations, decord decoding, frame sampling.

Annotations name videos by id; the file of video ``v`` is
``<video_root>/<v><video_ext>`` (``.mp4`` by default). Readers
(:func:`read_video_captions`) accept

* json: a list of ``{"video_id", "caption": str}`` or ``{"video_id",
  "captions": [str, ...]}`` records, or MSR-VTT's ``{"sentences": [{"video_id",
  "caption"}, ...]}`` (``MSRVTT_data.json``);
* csv: one row per caption with a video-id and a caption column, e.g. the 1k-A
  test split ``key,vid_key,video_id,sentence`` (``MSRVTT_JSFUSION_test.csv``).

Rows that share a video id are one video with several captions; videos keep
the order in which they first appear.

Frames are decoded with ``decord`` (``VideoReader.get_batch(indices)``),
sampled uniformly over the clip (:func:`uniform_frame_indices`, CLIP4Clip's
default) or at a target frame rate (:func:`fps_frame_indices`), and
preprocessed one by one with the backbone's own image transform. Every item has
``num_frames`` frames: a shorter clip is padded with zero frames and its
``frame_mask`` (num_frames,) bool marks the real ones.

Unreadable videos never stop a run. ``on_error='skip'`` drops them: missing
files are dropped when the dataset is built (``os.stat`` only, no decoding) and
a file that fails to decode is replaced by the next readable video, whose data
sample lists the dropped ids in ``skipped_ids`` (clipx's metrics count each
video once, so the dropped video and its captions leave the evaluation).
``on_error='empty'`` keeps the video with zero frames, an all-False mask and
``read_error`` set, so it stays in the gallery and counts as a miss. Either
way the path is logged with a running count and recorded in ``failed``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from PIL import Image
from torch.utils.data import Dataset

from clipx.data.classification import build_transform, read_csv_columns
from clipx.registry import DATASETS

# OpenCV first: once decord's libraries load before cv2's, cv2 fails to decode PNG files
# ("libpng error: bad parameters to zlib") in the same process.
try:
    import cv2  # noqa: F401
except ImportError:  # pragma: no cover - opencv is in the video extra
    pass

# What decoding a bad file raises; decord's own error is not a RuntimeError.
try:
    from decord import DECORDError

    DECODE_ERRORS: tuple[type[BaseException], ...] = (
        RuntimeError,
        ValueError,
        OSError,
        DECORDError,
    )
except ImportError:  # pragma: no cover - decord is in the video extra
    DECODE_ERRORS = (RuntimeError, ValueError, OSError)

SAMPLINGS = ("uniform", "fps")
ON_ERROR = ("skip", "empty")


# ----------------------------------------------------------------------------
# Frame sampling (pure functions)
# ----------------------------------------------------------------------------


def uniform_frame_indices(num_total: int, num_frames: int) -> np.ndarray:
    """``num_frames`` indices spread evenly from the first to the last frame.

    ``round(linspace(0, num_total - 1, num_frames))`` (halves round up), so the
    first and last frames are always taken and the indices are distinct. A clip
    with at most ``num_frames`` frames gives all of them.

    Args:
        num_total: frames in the clip (> 0).
        num_frames: frames wanted (> 0).

    Returns:
        (min(num_total, num_frames),) int64, increasing.
    """
    _check_positive("num_total", num_total)
    _check_positive("num_frames", num_frames)
    if num_total <= num_frames:
        return np.arange(num_total, dtype=np.int64)
    return np.floor(np.linspace(0.0, num_total - 1, num_frames) + 0.5).astype(np.int64)


def fps_frame_indices(
    num_total: int, video_fps: float, target_fps: float, num_frames: int
) -> np.ndarray:
    """Frames at ``target_fps`` (one every ``1 / target_fps`` seconds from t = 0).

    When that gives more than ``num_frames`` frames, ``num_frames`` of them are
    kept spread uniformly over the clip (CLIP4Clip samples 1 fps and then
    slices uniformly, its ``slice_framepos=2``). A ``target_fps`` above the
    video's rate takes every frame.

    Args:
        num_total: frames in the clip (> 0).
        video_fps: the video's frame rate (> 0).
        target_fps: sampling rate (> 0).
        num_frames: most frames to return.

    Returns:
        (<= num_frames,) int64, increasing.
    """
    _check_positive("num_total", num_total)
    _check_positive("num_frames", num_frames)
    if not (np.isfinite(video_fps) and video_fps > 0):
        raise ValueError(f"video_fps={video_fps}: the video reports no usable frame rate.")
    if not target_fps > 0:
        raise ValueError(f"target_fps={target_fps}; use a positive rate in frames per second.")
    step = max(video_fps / target_fps, 1.0)
    count = int(np.ceil(num_total / step - 1e-9))  # every k with k * step < num_total
    indices = np.minimum(np.floor(np.arange(count) * step + 1e-9), num_total - 1).astype(np.int64)
    if len(indices) > num_frames:
        indices = indices[uniform_frame_indices(len(indices), num_frames)]
    return indices


def _check_positive(name: str, value: int) -> None:
    if not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}; use a positive integer.")


# ----------------------------------------------------------------------------
# Annotations
# ----------------------------------------------------------------------------


def read_video_captions(
    ann_file: str | os.PathLike,
    *,
    video_column: str = "video_id",
    caption_column: str = "sentence",
    delimiter: str = ",",
) -> dict[str, list[str]]:
    """Video id -> its captions, in order of first appearance.

    Args:
        ann_file: a ``.json`` or ``.csv`` file (see the module docstring).
        video_column: csv column (and json key) of the video id.
        caption_column: csv column of the caption (json records use
            ``caption`` or ``captions``).
        delimiter: csv field separator.
    """
    path = Path(ann_file)
    if not path.is_file():
        raise FileNotFoundError(f"Annotation file '{path}' does not exist.")
    if path.suffix.lower() == ".json":
        pairs = _json_pairs(path, video_column)
    elif path.suffix.lower() in (".csv", ".tsv"):
        rows = read_csv_columns(path, (video_column, caption_column), delimiter=delimiter)
        pairs = [(row[video_column], [row[caption_column]]) for row in rows]
    else:
        raise ValueError(
            f"Annotation file '{path}' is neither .json nor .csv; give MSR-VTT-style json or a csv "
            "with a video-id and a caption column."
        )
    captions: dict[str, list[str]] = {}
    for video_id, texts in pairs:
        captions.setdefault(str(video_id).strip(), []).extend(str(t) for t in texts)
    if not captions:
        raise ValueError(f"Annotation file '{path}' lists no video.")
    return captions


def _json_pairs(path: Path, video_key: str) -> list[tuple[str, list[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    records = data.get("sentences") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ValueError(
            f"'{path}' is json but neither a list of records nor MSR-VTT's {{'sentences': [...]}}; "
            f"its top-level keys are {sorted(data) if isinstance(data, dict) else type(data).__name__}."
        )
    pairs = []
    for n, record in enumerate(records):
        if not isinstance(record, dict) or video_key not in record:
            raise ValueError(f"'{path}' record {n} has no '{video_key}': {str(record)[:120]}.")
        if "captions" in record:
            texts = record["captions"]
        elif "caption" in record:
            texts = [record["caption"]]
        else:
            raise ValueError(
                f"'{path}' record {n} has neither 'caption' nor 'captions': {str(record)[:120]}."
            )
        pairs.append((record[video_key], list(texts)))
    return pairs


def read_video_list(path: str | os.PathLike, *, video_column: str = "video_id") -> list[str]:
    """Video ids from a csv with a ``video_column`` (``MSRVTT_train.9k.csv``) or a text file, one a line."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return [row[video_column].strip() for row in read_csv_columns(path, (video_column,))]
    if not path.is_file():
        raise FileNotFoundError(f"Video list '{path}' does not exist.")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ----------------------------------------------------------------------------
# Decoding
# ----------------------------------------------------------------------------


def _decord():
    try:
        import decord
    except ImportError as err:  # pragma: no cover - decord is in the video extra
        raise ImportError(
            "Reading videos needs decord: pip install 'clipx[video]' (or pip install decord)."
        ) from err
    return decord


def read_frames(
    path: str | os.PathLike,
    *,
    num_frames: int,
    sampling: str = "uniform",
    target_fps: float = 1.0,
    num_threads: int = 1,
) -> np.ndarray:
    """Decode the sampled frames of one video.

    Args:
        path: the video file.
        num_frames: most frames to return.
        sampling: ``'uniform'`` (:func:`uniform_frame_indices`) or ``'fps'``
            (:func:`fps_frame_indices` at ``target_fps``).
        target_fps: rate of ``'fps'`` sampling.
        num_threads: decoder threads (1 inside dataloader workers).

    Returns:
        (t, H, W, 3) uint8 RGB, t <= num_frames.

    Raises:
        RuntimeError, decord.DECORDError, ValueError: the file cannot be opened
        or decoded, or has no frames.
    """
    decord = _decord()
    reader = decord.VideoReader(str(path), num_threads=num_threads)
    total = len(reader)
    if total < 1:
        raise ValueError("the video has no frames")
    if sampling == "uniform":
        indices = uniform_frame_indices(total, num_frames)
    elif sampling == "fps":
        indices = fps_frame_indices(total, float(reader.get_avg_fps()), target_fps, num_frames)
    else:
        raise ValueError(f"sampling={sampling!r}; use one of {SAMPLINGS}.")
    return reader.get_batch(indices.tolist()).asnumpy()


def frames_to_clip(
    frames: np.ndarray, transform: Callable, num_frames: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Preprocess decoded frames and pad them to ``num_frames``.

    Args:
        frames: (t, H, W, 3) uint8 RGB, t <= num_frames.
        transform: PIL image -> (3, h, w) tensor (the backbone's preprocessing).
        num_frames: length after padding.

    Returns:
        ``clip`` (num_frames, 3, h, w) float32, zeros after the t real frames;
        ``frame_mask`` (num_frames,) bool, True for the real frames.
    """
    if len(frames) == 0 or len(frames) > num_frames:
        raise ValueError(
            f"Got {len(frames)} frames for a clip of {num_frames}; need 1..{num_frames}."
        )
    tensors = [transform(Image.fromarray(frame)) for frame in frames]
    clip = torch.zeros((num_frames, *tensors[0].shape), dtype=tensors[0].dtype)
    clip[: len(tensors)] = torch.stack(tensors)
    mask = torch.zeros(num_frames, dtype=torch.bool)
    mask[: len(tensors)] = True
    return clip, mask


# ----------------------------------------------------------------------------
# Datasets
# ----------------------------------------------------------------------------


class VideoCaptionsBase(Dataset):
    """Videos and their captions; subclasses decide what one item is.

    Args:
        ann_file: annotations, json or csv (see the module docstring).
        video_root: folder of the video files.
        transform: PIL image -> (3, h, w) tensor, or its TRANSFORMS config
            (``dict(type='clipx.clip_eval_transform', clip=...)``).
        num_frames: frames per clip (CLIP4Clip: 12).
        sampling: ``'uniform'`` over the whole clip or ``'fps'`` (at
            ``target_fps``, then uniformly down to ``num_frames``).
        target_fps: frames per second of ``'fps'`` sampling.
        on_error: ``'skip'`` or ``'empty'`` for a missing or corrupt video
            (see the module docstring).
        video_ext: file suffix appended to the video id.
        video_column: csv column / json key of the video id.
        caption_column: csv column of the captions.
        delimiter: csv field separator.
        video_list: optional file of the video ids to keep (csv with
            ``video_column`` or one id a line), e.g. MSR-VTT's 9k training list.
        decode_threads: decord threads per reader.
    """

    def __init__(
        self,
        *,
        ann_file: str | os.PathLike,
        video_root: str | os.PathLike,
        transform: Callable | dict,
        num_frames: int = 12,
        sampling: str = "uniform",
        target_fps: float = 1.0,
        on_error: str = "skip",
        video_ext: str = ".mp4",
        video_column: str = "video_id",
        caption_column: str = "sentence",
        delimiter: str = ",",
        video_list: str | os.PathLike | None = None,
        decode_threads: int = 1,
    ) -> None:
        _check_positive("num_frames", num_frames)
        if sampling not in SAMPLINGS:
            raise ValueError(f"sampling={sampling!r}; use one of {SAMPLINGS}.")
        if on_error not in ON_ERROR:
            raise ValueError(
                f"on_error={on_error!r}; use 'skip' (drop the video) or 'empty' (keep it, masked)."
            )
        self.transform = build_transform(transform)
        self.num_frames = int(num_frames)
        self.sampling = sampling
        self.target_fps = float(target_fps)
        self.on_error = on_error
        self.decode_threads = int(decode_threads)
        self.video_root = Path(video_root)
        captions = read_video_captions(
            ann_file, video_column=video_column, caption_column=caption_column, delimiter=delimiter
        )
        if video_list is not None:
            keep = set(read_video_list(video_list, video_column=video_column))
            captions = {v: c for v, c in captions.items() if v in keep}
            if not captions:
                raise ValueError(f"No video of '{ann_file}' is in the video list '{video_list}'.")
        self.failed: dict[str, str] = {}  # path -> reason, in this process
        self.video_ids: list[str] = []
        self.captions: list[list[str]] = []
        self.video_paths: list[Path] = []
        self.dropped_ids: list[str] = []  # missing at construction, with on_error='skip'
        present = 0
        for video_id, texts in captions.items():
            path = self.video_root / f"{video_id}{video_ext}"
            exists = path.is_file()
            present += exists
            if not exists:
                self._record_failure(str(path), "missing file")
                if on_error == "skip":
                    self.dropped_ids.append(video_id)
                    continue
            self.video_ids.append(video_id)
            self.captions.append(texts)
            self.video_paths.append(path)
        if present == 0:
            raise FileNotFoundError(
                f"None of the {len(captions)} videos of '{ann_file}' is under '{self.video_root}' "
                f"(e.g. '{self.video_root / (next(iter(captions)) + video_ext)}'). Check video_root and video_ext."
            )
        self._frame_shape: tuple[int, ...] | None = None

    @property
    def metainfo(self) -> dict:
        """Counts, and the ids of videos dropped because their file is missing
        (which the metric adds to its ``num_skipped_videos``)."""
        return {
            "num_videos": len(self.video_ids),
            "num_captions": sum(map(len, self.captions)),
            "dropped_video_ids": tuple(self.dropped_ids),
        }

    @property
    def num_failed(self) -> int:
        """Distinct videos that could not be read so far in this process."""
        return len(self.failed)

    def read_clip(self, video_index: int) -> tuple[torch.Tensor, torch.Tensor, str | None]:
        """``(clip, frame_mask, error)``: error is None, or why the video could not be read
        (then the clip is zeros and the mask all False)."""
        path = self.video_paths[video_index]
        known = self.failed.get(str(path))
        if known is not None:  # decode a bad file once per process
            return self._empty_clip(), torch.zeros(self.num_frames, dtype=torch.bool), known
        try:
            frames = read_frames(
                path,
                num_frames=self.num_frames,
                sampling=self.sampling,
                target_fps=self.target_fps,
                num_threads=self.decode_threads,
            )
            clip, mask = frames_to_clip(frames, self.transform, self.num_frames)
            self._frame_shape = tuple(clip.shape[1:])
            return clip, mask, None
        except DECODE_ERRORS as err:
            reason = f"{type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"
            self._record_failure(str(path), reason)
            return self._empty_clip(), torch.zeros(self.num_frames, dtype=torch.bool), reason

    def readable_clip(
        self, video_index: int
    ) -> tuple[int, torch.Tensor, torch.Tensor, str | None, list[str]]:
        """The clip of ``video_index`` or, with ``on_error='skip'``, of the next readable video.

        Returns:
            ``(index, clip, frame_mask, error, skipped_ids)``: the index actually
            read, its clip and mask, the read error (``'empty'`` mode only) and
            the ids of the videos dropped on the way.
        """
        n = len(self.video_ids)
        skipped: list[str] = []
        for offset in range(n):
            i = (video_index + offset) % n
            clip, mask, error = self.read_clip(i)
            if error is None or self.on_error == "empty":
                return i, clip, mask, error, skipped
            skipped.append(self.video_ids[i])
        raise RuntimeError(
            f"No video of {type(self).__name__} can be read (all {n} failed), e.g. "
            f"'{self.video_paths[video_index]}': {self.failed.get(str(self.video_paths[video_index]))}."
        )

    def _empty_clip(self) -> torch.Tensor:
        if self._frame_shape is None:  # the transform's output shape, from a black image
            self._frame_shape = tuple(self.transform(Image.new("RGB", (64, 64))).shape)
        return torch.zeros((self.num_frames, *self._frame_shape))

    def _record_failure(self, path: str, reason: str) -> None:
        if path in self.failed:
            return
        self.failed[path] = reason
        action = (
            "dropped (on_error='skip')"
            if self.on_error == "skip"
            else "kept with no frames and an all-False mask (on_error='empty')"
        )
        print_log(
            f"{type(self).__name__}: unreadable video '{path}' ({reason}) {action}; "
            f"{self.num_failed} unreadable so far in this process.",
            logger="current",
            level=logging.WARNING,
        )

    def _sample(
        self, index: int, error: str | None, skipped: list[str], **fields
    ) -> BaseDataElement:
        return BaseDataElement(
            metainfo={"video_path": str(self.video_paths[index])},
            video_id=self.video_ids[index],
            read_error=error,
            skipped_ids=skipped,
            **fields,
        )


@DATASETS.register_module()
class VideoTextDataset(VideoCaptionsBase):
    """Evaluation set: one item per video with all its captions.

    Items are ``{'inputs': (num_frames, 3, h, w), 'data_samples':
    BaseDataElement(video_id=str, captions=list[str], frame_mask=(num_frames,)
    bool, read_error=str | None, skipped_ids=list[str], metainfo={'video_path'})}``
    (collate with mmengine's ``pseudo_collate``), which
    :class:`~clipx.video.CLIP4Clip` turns into what
    :class:`~clipx.evaluation.video_retrieval.VideoTextRetrieval` consumes.
    Arguments: see :class:`VideoCaptionsBase`.
    """

    def __len__(self) -> int:
        return len(self.video_ids)

    def __getitem__(self, index: int) -> dict:
        i, clip, mask, error, skipped = self.readable_clip(index)
        sample = self._sample(i, error, skipped, captions=list(self.captions[i]), frame_mask=mask)
        return {"inputs": clip, "data_samples": sample}


PAIRINGS = ("random_caption", "every_caption")


@DATASETS.register_module()
class VideoTextPairs(VideoCaptionsBase):
    """Training set: (clip, one caption) pairs.

    Items are ``{'inputs': (num_frames, 3, h, w), 'data_samples':
    BaseDataElement(video_id, text=str, frame_mask, read_error, skipped_ids)}``.

    Args:
        pairing: ``'random_caption'``: one item per video with one of its
            captions drawn at random each time (CLIP4Clip's MSR-VTT training);
            ``'every_caption'``: one item per (video, caption) pair.
        **kwargs: see :class:`VideoCaptionsBase`.
    """

    def __init__(self, *, pairing: str = "random_caption", **kwargs) -> None:
        if pairing not in PAIRINGS:
            raise ValueError(f"pairing={pairing!r}; use one of {PAIRINGS}.")
        super().__init__(**kwargs)
        self.pairing = pairing
        self.pairs = [(v, c) for v, texts in enumerate(self.captions) for c in range(len(texts))]

    def __len__(self) -> int:
        return len(self.video_ids) if self.pairing == "random_caption" else len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        video, caption = (index, None) if self.pairing == "random_caption" else self.pairs[index]
        i, clip, mask, error, skipped = self.readable_clip(video)
        if caption is None or i != video:  # a stand-in video brings its own caption
            # torch's generator: seeded differently in every dataloader worker
            caption = int(torch.randint(len(self.captions[i]), ()).item())
        sample = self._sample(i, error, skipped, text=self.captions[i][caption], frame_mask=mask)
        return {"inputs": clip, "data_samples": sample}


def frame_masks(data_samples: Sequence) -> torch.Tensor:
    """(B, T) bool frame masks of a batch of video data samples."""
    try:
        return torch.stack([torch.as_tensor(s.frame_mask, dtype=torch.bool) for s in data_samples])
    except AttributeError as err:
        raise KeyError(
            "Video data samples need 'frame_mask' (num_frames,) bool; use clipx.VideoTextDataset or "
            "clipx.VideoTextPairs."
        ) from err
