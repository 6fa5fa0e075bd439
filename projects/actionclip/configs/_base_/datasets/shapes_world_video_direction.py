# Which way do the shapes move (left / right / up / down, chance 25%)? Shapes-world clips
# (python tools/generate_shapes_world_video.py --out data/shapes_world_video) labelled by their
# objects' direction; a clip whose objects move different ways has no single label and is left
# out. 12 frames a clip, prepared by the backbone's own preprocessing (the frozen tiny CLIP of
# configs/_base_/models/frozen_clip_rn_tiny_64.py). Test: the held-out clips of `test`.
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler, pseudo_collate

from clipx.data.classification import clip_eval_transform
from projects.actionclip.actionclip import VideoClassAccuracy, VideoClassificationDataset

with read_base():
    from ......configs._base_.models.frozen_clip_rn_tiny_64 import clip

# mmengine honours custom_imports only in configs without class imports; the imports above load
# (and register) the package here, this line names it for tools that read it.
custom_imports = dict(imports=["projects.actionclip.actionclip"], allow_failed_imports=False)

data_root = "data/shapes_world_video"
classes = ("left", "right", "up", "down")
num_frames = 12
clips = dict(
    type=VideoClassificationDataset,
    video_root=f"{data_root}/videos",
    transform=dict(type=clip_eval_transform, clip=clip),
    classes=classes,
    label_key="direction",
    num_frames=num_frames,
)
test_dataloader = dict(
    batch_size=32,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    collate_fn=dict(type=pseudo_collate),
    dataset=dict(ann_file=f"{data_root}/annotations/test_clips.json", **clips),
)
test_evaluator = dict(type=VideoClassAccuracy)
