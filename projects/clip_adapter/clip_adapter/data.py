"""K-shot class folders and the training transform of the few-shot configs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from torchvision import transforms as T

from clipx.backbone import FrozenCLIP
from clipx.data.classification import IMG_EXTENSIONS, ImageFolderClassification
from clipx.registry import DATASETS, MODELS, TRANSFORMS


def few_shot_indices(labels: Sequence[int], shots: int, *, seed: int) -> list[int]:
    """Indices of ``shots`` items of every label, in dataset order.

    Each label's items are shuffled by a generator seeded with ``(seed, label)``
    and the first ``shots`` are kept, so for one seed the 1-shot set is part of
    the 4-shot set, which is part of the 16-shot set.

    Args:
        labels: (N,) the label of every item.
        shots: items to keep per label.
        seed: which draw.

    Raises:
        ValueError: a label has fewer than ``shots`` items.
    """
    if not isinstance(shots, int) or shots < 1:
        raise ValueError(f"shots={shots!r}; use a positive integer (images per class).")
    by_label: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(int(label), []).append(index)
    keep: list[int] = []
    for label, items in sorted(by_label.items()):
        if len(items) < shots:
            raise ValueError(f"Label {label} has {len(items)} items, fewer than shots={shots}.")
        order = np.random.default_rng([seed, label]).permutation(len(items))
        keep.extend(items[i] for i in order[:shots])
    return sorted(keep)


@DATASETS.register_module()
class FewShotImageFolder(ImageFolderClassification):
    """ImageNet-style class folders, ``shots`` images per class drawn with ``seed``.

    Everything of :class:`clipx.data.classification.ImageFolderClassification`
    (class lists, prompt names, skipping unreadable images), then
    :func:`few_shot_indices` keeps ``shots`` images of every class that has
    images. ``shots=None`` keeps them all (a test split). ``metainfo`` adds
    ``shots`` and ``seed``.

    Args:
        root: the folder holding one sub-folder per class.
        transform: PIL image -> tensor, or its config.
        shots: images kept per class; None keeps all.
        seed: which images are kept.
        classes: folder names in label order; default all sub-folders, sorted.
        classes_file: the same as a file (relative to ``root``).
        class_name_map: folder name -> name used in the prompts.
        extensions: image file suffixes.
    """

    def __init__(
        self,
        *,
        root: str | os.PathLike,
        transform: Callable | dict,
        shots: int | None = None,
        seed: int = 0,
        classes: Sequence[str] | None = None,
        classes_file: str | os.PathLike | None = None,
        class_name_map: Mapping[str, str] | None = None,
        extensions: Sequence[str] = IMG_EXTENSIONS,
    ) -> None:
        super().__init__(
            root=root,
            transform=transform,
            classes=classes,
            classes_file=classes_file,
            class_name_map=class_name_map,
            extensions=extensions,
        )
        if shots is not None:
            try:
                keep = few_shot_indices(self.labels, shots, seed=seed)
            except ValueError as err:
                names = self._metainfo["label_names"]
                counts = np.bincount(self.labels, minlength=len(names))
                short = [f"'{names[i]}' ({counts[i]})" for i in np.flatnonzero(counts < shots)]
                raise ValueError(
                    f"FewShotImageFolder('{self.root}'): shots={shots} but {len(short)} class(es) have "
                    f"fewer images, e.g. {', '.join(short[:3])}; lower shots or write more images per "
                    "class."
                ) from err
            self.image_paths = [self.image_paths[i] for i in keep]
            self.labels = [self.labels[i] for i in keep]
        self._metainfo.update(shots=shots, seed=seed)


@TRANSFORMS.register_module(name="clip_flip_train_transform")
def clip_flip_train_transform(*, clip: FrozenCLIP | dict, flip_prob: float = 0.5) -> Callable:
    """The backbone's eval preprocessing, then a random horizontal flip.

    The only augmentation of the few-shot configs: a random crop (CLIP's and
    CLIP-Adapter's) rescales the object, and size is one of the labels here.
    """
    if not 0.0 <= flip_prob <= 1.0:
        raise ValueError(f"flip_prob={flip_prob}; use a probability in [0, 1].")
    model = clip if isinstance(clip, FrozenCLIP) else MODELS.build(clip)
    return T.Compose([model.image_transform(is_train=False), T.RandomHorizontalFlip(flip_prob)])
