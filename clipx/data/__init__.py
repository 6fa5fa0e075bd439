"""Data for clipx.

* :mod:`clipx.data.image_text`: image-caption pairs from CSV/TSV, JSONL or COCO
  captions (``ImageTextDataset``), registered in ``clipx.registry.DATASETS``.
* :mod:`clipx.data.classification`, :mod:`clipx.data.captions`,
  :mod:`clipx.data.webdataset`: class folders, caption CSVs, webdataset shards.

The generated default data lives in :mod:`clipx.shapes_world`; video data in
:mod:`clipx.video`.
"""

from .image_text import ImageTextDataset, read_pairs
from .webdataset import WebDatasetImageText

__all__ = ["ImageTextDataset", "WebDatasetImageText", "read_pairs"]
