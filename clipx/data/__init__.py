"""Data for clipx.

* :mod:`clipx.data.image_text`: image-caption pairs from CSV/TSV, JSONL or COCO
  captions (``ImageTextDataset``), registered in ``clipx.registry.DATASETS``.
* :mod:`clipx.data.shapes_world`: the offline synthetic "shapes world"
  (coloured shapes, captions, class folders) used as default data.
"""

from .image_text import ImageTextDataset, read_pairs
from .webdataset import WebDatasetImageText

__all__ = ["ImageTextDataset", "WebDatasetImageText", "read_pairs"]
