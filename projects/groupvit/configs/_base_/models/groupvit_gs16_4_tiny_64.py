# GroupViT at shapes-world scale: a conv-stem ViT (8-px patches: an 8 x 8 grid at 64 px, width
# 96, 3 heads) with two grouping stages, 16 group tokens then 4 (the paper's 64 then 8 at 224 px),
# 3 + 1 + 1 transformer blocks, hard Gumbel assignment. Its image embedding trains into the joint
# space of the frozen shapes-world CLIP's text tower (configs/clip/clip_rn-tiny-64_...), through
# the backbone contract.
from mmengine.config import read_base

from projects.groupvit.groupvit import GroupViT

with read_base():
    from ......configs._base_.datasets.shapes_world_seg_64x64 import classes
    from ......configs._base_.models.frozen_clip_rn_tiny_64 import clip
    from .caption_seg_data_preprocessor import data_preprocessor

custom_imports = dict(imports=["projects.groupvit.groupvit"], allow_failed_imports=False)

# The tiny CLIP read captions that always name a colour ("a small red star"): labels and nouns are
# prompted in every colour it knows and averaged (as the LSeg configs do).
templates = ["a red {}", "a green {}", "a blue {}", "a yellow {}", "a purple {}", "an orange {}"]

model = dict(
    type=GroupViT,
    clip=clip,
    image_tower=dict(
        image_size=64,
        patch_stride=8,
        width=96,
        heads=3,
        depths=(3, 1, 1),
        num_group_tokens=(16, 4),
        hard=True,
        gumbel=True,
    ),
    # the nouns of the shapes-world captions: its shape words (colours and sizes are adjectives)
    nouns=[c for c in classes if c != "background"],
    noun_templates=templates,
    class_names=classes,
    templates=templates,
    background="background",
    # the threshold on the best label's cosine, picked by sweep_background.py on the segmentation
    # split's training images (complete labels), not on the val images it is reported on
    bg_threshold=0.32,
    background_by="similarity",
    data_preprocessor=dict(data_preprocessor, size=(64, 64)),
    test_cfg=dict(mode="whole"),
)
