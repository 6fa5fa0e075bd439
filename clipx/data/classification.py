"""Classification datasets for zero-shot evaluation: image folders and CSV files.

Items are ``{'inputs': (3, H, W) tensor, 'data_samples': BaseDataElement}``;
the data sample holds ``gt_label`` (int), ``img_id`` (the item's index) and the
metainfo ``img_path`` and ``classes`` (the prompt names, which
:class:`~clipx.evaluation.ZeroShotClassifierModel` uses as its vocabulary).
A :class:`~mmengine.structures.BaseDataElement` rather than a dict, because
mmengine's ``pseudo_collate`` keeps it whole (it would transpose a dict, and
fail on the caption lists of :mod:`clipx.data.captions`).

Unreadable images (missing, truncated, not an image) are skipped, never
fatal: :meth:`ImageListDataset.__getitem__` returns the next readable item
instead (with that item's own ``img_id``, which clipx's metrics count once),
records the path in ``skipped`` and logs a warning with the count and the first
bad path. Nothing is checked up front, so building the dataset reads no image.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from PIL import Image
from torch.utils.data import Dataset

from clipx.backbone import FrozenCLIP
from clipx.registry import DATASETS, MODELS, TRANSFORMS

IMG_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
# More unreadable images in a row than this means a wrong root, not a few bad files.
MAX_CONSECUTIVE_UNREADABLE = 32
_READ_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


@TRANSFORMS.register_module(name="clip_eval_transform")
def clip_eval_transform(*, clip: FrozenCLIP | dict) -> Callable:
    """The eval preprocessing of a backbone, for a dataset's ``transform``.

    ``transform=dict(type='clipx.clip_eval_transform', clip=clip)``, with the
    same ``clip`` config as the model, guarantees that the images are prepared
    the way the backbone expects (size, crop, mean/std, including those a clipx
    checkpoint records). It builds the backbone once to ask it, so the weights
    are read twice per run.
    """
    model = clip if isinstance(clip, FrozenCLIP) else MODELS.build(clip)
    return model.image_transform(is_train=False)


def build_transform(transform: Callable | dict) -> Callable:
    """A PIL-image -> tensor callable, or its config built from clipx's TRANSFORMS."""
    if isinstance(transform, dict):
        return TRANSFORMS.build(transform)
    if callable(transform):
        return transform
    raise TypeError(
        f"transform must be a callable (e.g. FrozenCLIP.image_transform()) or a config dict (e.g. "
        f"dict(type='clipx.clip_eval_transform', clip=...)), got {transform!r}."
    )


def read_class_list(path: str | os.PathLike) -> list[str]:
    """Class names from a text file: one a line; blank lines and ``#`` comments skipped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Class list '{path}' does not exist.")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    names = [line for line in lines if line and not line.startswith("#")]
    if not names:
        raise ValueError(f"Class list '{path}' names no class.")
    return names


class ImageListDataset(Dataset):
    """Images read on demand from ``self.image_paths``; unreadable ones skipped.

    Subclasses fill ``image_paths`` and ``_metainfo`` and implement
    :meth:`data_sample`.

    Args:
        transform: PIL image -> (3, H, W) tensor; a callable or a TRANSFORMS config.
    """

    def __init__(self, *, transform: Callable | dict) -> None:
        self.transform = build_transform(transform)
        self.image_paths: list[Path] = []
        self._metainfo: dict = {}
        self.skipped: dict[str, str] = {}  # path -> reason, in this process

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    @property
    def num_skipped(self) -> int:
        """Distinct unreadable images met so far by this process (one per dataloader worker)."""
        return len(self.skipped)

    def __len__(self) -> int:
        return len(self.image_paths)

    def data_sample(self, index: int) -> BaseDataElement:
        raise NotImplementedError

    def __getitem__(self, index: int) -> dict:
        n = len(self)
        for offset in range(min(n, MAX_CONSECUTIVE_UNREADABLE)):
            i = (index + offset) % n
            image = self._read(i)
            if image is not None:
                return {"inputs": self.transform(image), "data_samples": self.data_sample(i)}
        raise RuntimeError(
            f"{min(n, MAX_CONSECUTIVE_UNREADABLE)} images in a row from index {index} cannot be read, "
            f"e.g. '{self.image_paths[index % n]}': {self.skipped.get(str(self.image_paths[index % n]))}. "
            "Check the dataset root and the image files."
        )

    def _read(self, index: int) -> Image.Image | None:
        path = self.image_paths[index]
        try:
            with Image.open(path) as image:
                return image.convert("RGB")
        except _READ_ERRORS as err:
            self._record_skip(str(path), f"{type(err).__name__}: {err}")
            return None

    def _record_skip(self, path: str, reason: str) -> None:
        if path in self.skipped:
            return
        self.skipped[path] = reason
        first = next(iter(self.skipped))
        print_log(
            f"{type(self).__name__}: skipped unreadable image '{path}' ({reason}); "
            f"{self.num_skipped} skipped so far in this process, the first '{first}'. The next "
            "readable item stands in for it and metrics count that item once.",
            logger="current",
            level=logging.WARNING,
        )


def _prompt_names(label_names: Sequence[str], class_name_map: Mapping[str, str] | None) -> tuple[str, ...]:
    """Names for the prompts: ``class_name_map`` where it has the label name (extra keys are fine)."""
    mapping = dict(class_name_map or {})
    return tuple(str(mapping.get(name, name)) for name in label_names)


def _given_classes(
    classes: Sequence[str] | None, classes_file: str | os.PathLike | None, root: Path
) -> list[str] | None:
    if classes is not None and classes_file is not None:
        raise ValueError(f"Give classes=[...] or classes_file='{classes_file}', not both.")
    if classes_file is not None:
        return read_class_list(root / classes_file)  # an absolute classes_file ignores root
    if classes is not None:
        if isinstance(classes, str):
            raise TypeError(f"classes must be a list of names, got the single string {classes!r}.")
        return [str(c) for c in classes]
    return None


class _LabelledImages(ImageListDataset):
    """Images with one class label each (``self.labels``, parallel to ``image_paths``)."""

    labels: list[int]

    def data_sample(self, index: int) -> BaseDataElement:
        return BaseDataElement(
            metainfo={"img_path": str(self.image_paths[index]), "classes": self._metainfo["classes"]},
            gt_label=self.labels[index],
            img_id=index,
        )


@DATASETS.register_module()
class ImageFolderClassification(_LabelledImages):
    """ImageNet-style folders: ``root/<class>/**/<image>``.

    Args:
        root: the folder holding one sub-folder per class.
        transform: PIL image -> tensor (``FrozenCLIP.image_transform()``) or its
            config (``dict(type='clipx.clip_eval_transform', clip=...)``).
        classes: folder names in label order; default: all sub-folders, sorted.
            Listed classes without a folder stay in the vocabulary (with no
            images); folders not listed are ignored, with a warning.
        classes_file: the same as a file, one folder name a line (relative to
            ``root``, e.g. ``'classes.txt'``).
        class_name_map: folder name -> name used in the prompts (e.g. WordNet id
            -> 'goldfish'); folders it does not list keep their name.
        extensions: image file suffixes, case-insensitive.
    """

    def __init__(
        self,
        *,
        root: str | os.PathLike,
        transform: Callable | dict,
        classes: Sequence[str] | None = None,
        classes_file: str | os.PathLike | None = None,
        class_name_map: Mapping[str, str] | None = None,
        extensions: Sequence[str] = IMG_EXTENSIONS,
    ) -> None:
        super().__init__(transform=transform)
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"Image folder root '{self.root}' is not a directory.")
        folders = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        label_names = _given_classes(classes, classes_file, self.root) or folders
        ignored = sorted(set(folders) - set(label_names))
        if ignored:
            print_log(
                f"ImageFolderClassification: {len(ignored)} folder(s) of '{self.root}' are not in the "
                f"class list and are ignored, e.g. {ignored[:3]}.",
                logger="current",
                level=logging.WARNING,
            )
        suffixes = {e.lower() for e in extensions}
        self.labels: list[int] = []
        for label, name in enumerate(label_names):
            folder = self.root / name
            files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
            self.image_paths.extend(files)
            self.labels.extend([label] * len(files))
        if not self.image_paths:
            raise ValueError(
                f"No images with suffixes {sorted(suffixes)} under the class folders of '{self.root}' "
                f"(classes: {label_names[:5]}...)."
            )
        self._metainfo = {"classes": _prompt_names(label_names, class_name_map), "label_names": tuple(label_names)}



@DATASETS.register_module()
class CsvClassification(_LabelledImages):
    """Images and labels listed in a CSV file.

    Labels are either class names (their order: ``classes``/``classes_file``,
    else sorted) or integer indices into ``classes``/``classes_file``.

    Args:
        csv_file: the table, with a header row.
        transform: PIL image -> tensor, or its config.
        root: folder that relative image paths start from; default: the CSV's folder.
        path_column: column of image paths.
        label_column: column of labels.
        classes: class names in label order.
        classes_file: the same as a file, one name a line (relative to ``root``).
        class_name_map: label name -> name used in the prompts.
        delimiter: the CSV field separator (``'\\t'`` for open_clip's TSVs).
    """

    def __init__(
        self,
        *,
        csv_file: str | os.PathLike,
        transform: Callable | dict,
        root: str | os.PathLike | None = None,
        path_column: str = "filepath",
        label_column: str = "label",
        classes: Sequence[str] | None = None,
        classes_file: str | os.PathLike | None = None,
        class_name_map: Mapping[str, str] | None = None,
        delimiter: str = ",",
    ) -> None:
        super().__init__(transform=transform)
        csv_file = Path(csv_file)
        self.root = Path(root) if root is not None else csv_file.parent
        rows = read_csv_columns(csv_file, (path_column, label_column), delimiter=delimiter)
        given = _given_classes(classes, classes_file, self.root)
        raw_labels = [row[label_column].strip() for row in rows]
        if all(_is_int(label) for label in raw_labels):
            if given is None:
                raise ValueError(
                    f"'{csv_file}' has integer labels; pass the class names in label order with "
                    "classes=[...] or classes_file=... so the prompts have names."
                )
            label_names, self.labels = given, [int(label) for label in raw_labels]
            bad = [label for label in self.labels if not 0 <= label < len(given)]
            if bad:
                raise ValueError(f"'{csv_file}' has label {bad[0]}, outside [0, {len(given)}) classes.")
        else:
            label_names = given or sorted(set(raw_labels))
            index = {name: i for i, name in enumerate(label_names)}
            unknown = [(n, label) for n, label in enumerate(raw_labels, start=2) if label not in index]
            if unknown:
                raise ValueError(
                    f"'{csv_file}' line {unknown[0][0]} has label {unknown[0][1]!r}, which is not in the "
                    f"class list ({len(label_names)} classes, e.g. {label_names[:3]})."
                )
            self.labels = [index[label] for label in raw_labels]
        self.image_paths = [self.root / row[path_column].strip() for row in rows]
        self._metainfo = {"classes": _prompt_names(label_names, class_name_map), "label_names": tuple(label_names)}



def read_csv_columns(csv_file: Path, columns: Sequence[str], *, delimiter: str = ",") -> list[dict]:
    """The rows of a CSV with a header, checked to have ``columns`` and at least one row."""
    if not csv_file.is_file():
        raise FileNotFoundError(f"CSV file '{csv_file}' does not exist.")
    with open(csv_file, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            raise ValueError(
                f"CSV file '{csv_file}' has no column(s) {missing}; its header is {header}. Set the "
                f"column names (e.g. path_column=, label_column=) or delimiter= (now {delimiter!r})."
            )
        rows = list(reader)
    if not rows:
        raise ValueError(f"CSV file '{csv_file}' has a header but no rows.")
    return rows


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
