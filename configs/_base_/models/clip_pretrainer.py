# CLIP trained from scratch (both towers, CLIP's contrastive loss). The architecture is
# `model_name`, here the tiny ModifiedResNet; the training data tokenizes and preprocesses for
# the same architecture, so a config that picks another sets both (tests/test_configs.py checks).
from clipx.pretrain import CLIPPretrainer

model_name = "clipx-RN-tiny-64"
model = dict(type=CLIPPretrainer, model_name=model_name)
