# OpenAI's ViT-B/32 CLIP, frozen, from open_clip's published weights (downloaded and cached by
# open_clip). Offline: --cfg-options model.clip.pretrained=None model.clip.checkpoint=<file>.
from clipx.backbone import FrozenCLIP

clip = dict(type=FrozenCLIP, model_name="ViT-B-32", pretrained="openai")
