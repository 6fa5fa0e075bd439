# Pretraining pairs of the generated shapes world (20k 64-px images with captions):
#   python tools/generate_shapes_world.py --out data/shapes_world
# The dataset tokenizes and preprocesses for `model_name`, the architecture being trained.
# Augmentation: CLIP's random square crop (90-100% of the area) only: no flips (captions say
# "left of") and no colour jitter (captions name colours). Variation of what the captions do not
# describe belongs in the data: the generator's default world renders half of its images varied
# (README, "Rendering variation").
# preload: the 20k images are decoded once (234 MB) and cropped as uint8 tensors, so the one
# dataloader worker leaves the cores to the model.
from mmengine.dataset import InfiniteSampler, default_collate

from clipx.data import ImageTextDataset

data_root = "data/shapes_world/image_text"
train_dataloader = dict(
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type=InfiniteSampler, shuffle=True),
    collate_fn=dict(type=default_collate),
    dataset=dict(
        type=ImageTextDataset,
        ann_file=f"{data_root}/train.csv",
        model_name="clipx-RN-tiny-64",
        preload=True,
    ),
)
