# CC3M as webdataset tar shards (<key>.jpg + <key>.txt, as img2dataset writes them), streamed,
# never held whole; the loader of datasets/cc3m_tsv.py. The iterable dataset splits the shards
# across ranks and workers itself, so there is no sampler.
from mmengine.config import read_base

from clipx.data import WebDatasetImageText

with read_base():
    from .cc3m_tsv import num_pairs, train_dataloader

train_dataloader["sampler"] = None
train_dataloader["dataset"] = dict(
    type=WebDatasetImageText,
    shards="data/cc3m/shards/{00000..00331}.tar",
    model_name="ViT-B-32",
    num_samples=num_pairs,
    shuffle_buffer=5000,
)
