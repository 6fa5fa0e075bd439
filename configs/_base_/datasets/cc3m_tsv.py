# CC3M (about 2.8M image-caption pairs) as a TSV with open_clip's columns (filepath, title),
# image paths relative to data_root; 512 pairs per GPU. Tokenized for ViT-B-32.
from mmengine.dataset import InfiniteSampler, default_collate

from clipx.data import ImageTextDataset

data_root = "data/cc3m"
num_pairs = 2_800_000
batch_size = 512  # per GPU
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=default_collate),
    dataset=dict(
        type=ImageTextDataset,
        ann_file=f"{data_root}/train.tsv",
        data_root=data_root,
        model_name="ViT-B-32",
    ),
)
