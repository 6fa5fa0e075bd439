# GroupViT as the paper trains it on web captions: a ViT-S-sized grouping tower (224 px, 16-px
# patches, width 384, 6 heads), 64 then 8 group tokens, 6 + 3 + 3 blocks, hard Gumbel assignment;
# its image embedding trains into the frozen text space of OpenAI's ViT-B/32 CLIP (open_clip's
# 'openai' tag), through the backbone contract. The labels are the evaluation dataset's
# (`classes_from`, set by the evaluation base); nouns for the multi-label loss come from a file.
from mmengine.config import read_base
from mmseg.datasets import PascalVOCDataset

from clipx.backbone import FrozenCLIP
from projects.groupvit.groupvit import GroupViT

with read_base():
    from .caption_seg_data_preprocessor import data_preprocessor

custom_imports = dict(imports=["projects.groupvit.groupvit"], allow_failed_imports=False)

model_name = "ViT-B-32"
clip = dict(type=FrozenCLIP, model_name=model_name, pretrained="openai")
model = dict(
    type=GroupViT,
    clip=clip,
    image_tower=dict(
        image_size=224,
        patch_stride=16,
        width=384,
        heads=6,
        depths=(6, 3, 3),
        num_group_tokens=(64, 8),
        hard=True,
        gumbel=True,
    ),
    nouns="projects/groupvit/configs/_base_/nouns/voc_context_coco.txt",
    noun_templates=("a photo of a {}.",),
    classes_from=PascalVOCDataset,
    templates="default",
    background="background",
    bg_threshold=0.95,
    background_by="probability",
    # whole test images padded to the 16-px patch grid (cropped again after prediction)
    data_preprocessor=dict(data_preprocessor, size_divisor=16, test_cfg=dict(size_divisor=16)),
    test_cfg=dict(mode="whole"),
)
