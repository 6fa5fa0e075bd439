# The frozen backbone of the shapes-world heads: the tiny ModifiedResNet CLIP that
# configs/clip/clip_rn-tiny-64_1xb256-1000it_shapes-world.py pretrains (its ExportCLIPHook file).
from clipx.backbone import FrozenCLIP

checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-1000it_shapes-world/clip_latest.pt"
clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint)
