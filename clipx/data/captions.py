"""An image-caption evaluation set: one item per image with all its captions."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from mmengine.structures import BaseDataElement

from clipx.registry import DATASETS

from .classification import ImageListDataset, read_csv_columns


@DATASETS.register_module()
class CsvImageCaptions(ImageListDataset):
    """Images and captions from a CSV (open_clip's ``filepath``/``title`` columns).

    Rows that share a path are one image with several captions; images keep the
    order in which they first appear. Each item is ``{'inputs': (3, H, W),
    'data_samples': BaseDataElement(captions=list[str], img_id=int,
    metainfo={'img_path': str})}``, which
    :class:`~clipx.evaluation.ImageTextRetrievalModel` consumes. Unreadable
    images are skipped as in :class:`~clipx.data.classification.ImageListDataset`;
    their captions leave the evaluation with them.

    Args:
        csv_file: the table, with a header row.
        transform: PIL image -> tensor, or its config.
        root: folder that relative image paths start from; default: the CSV's folder.
        path_column: column of image paths.
        caption_column: column of captions.
        delimiter: the CSV field separator (``'\\t'`` for open_clip's TSVs).
    """

    def __init__(
        self,
        *,
        csv_file: str | os.PathLike,
        transform: Callable | dict,
        root: str | os.PathLike | None = None,
        path_column: str = "filepath",
        caption_column: str = "title",
        delimiter: str = ",",
    ) -> None:
        super().__init__(transform=transform)
        csv_file = Path(csv_file)
        self.root = Path(root) if root is not None else csv_file.parent
        captions: dict[str, list[str]] = {}
        for row in read_csv_columns(csv_file, (path_column, caption_column), delimiter=delimiter):
            captions.setdefault(row[path_column].strip(), []).append(row[caption_column])
        self.image_paths = [self.root / path for path in captions]
        self.captions = list(captions.values())
        self._metainfo = {"num_captions": sum(len(c) for c in self.captions)}

    def data_sample(self, index: int) -> BaseDataElement:
        return BaseDataElement(
            metainfo={"img_path": str(self.image_paths[index])},
            captions=list(self.captions[index]),
            img_id=index,
        )
