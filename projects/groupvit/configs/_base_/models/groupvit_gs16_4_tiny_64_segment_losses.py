# The shapes-world GroupViT (groupvit_gs16_4_tiny_64) with segment-level losses and inference
# refinement, none of them in the paper (projects/groupvit/README.md, "Against the collapse"):
# - the multi-label loss scores each noun by its best segment (among those holding patches)
#   instead of the pooled image;
# - every segment is labelled from its caption against a learned null cosine (group_label_loss);
#   that cosine is the background threshold at inference (background_by='learned');
# - the mutual information between a patch and its group, at every stage, is rewarded
#   (assignment_information_loss): without it the groups collapse to one per image;
# - at inference the group memberships are refined by the image's colours (PAMR; refine=None
#   turns it off).
# The configs using it also anneal the Gumbel noise to zero (GumbelAnnealHook).
from mmengine.config import read_base

with read_base():
    from .groupvit_gs16_4_tiny_64 import *  # noqa: F401,F403

model.update(  # noqa: F405
    multi_label_on="groups",
    group_label_weight=1.0,
    background_by="learned",
    assignment_info_weight=1.0,
    refine=dict(iterations=10, dilations=(1, 2, 4, 8)),
)
