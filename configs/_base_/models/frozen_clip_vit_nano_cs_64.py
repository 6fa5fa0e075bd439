# The nano ViT CLIP with a convolutional stem pretrained on shapes world (64 px, 8 x 8 tokens of
# 8 px): configs/clip/clip_vit-nano-cs-64_1xb256-1450it_shapes-world.py writes it (ExportCLIPHook).
from clipx.backbone import FrozenCLIP

checkpoint = "work_dirs/clip_vit-nano-cs-64_1xb256-1450it_shapes-world/clip_latest.pt"
clip = dict(type=FrozenCLIP, model_name="clipx-ViT-nano-cs-64", checkpoint=checkpoint)
