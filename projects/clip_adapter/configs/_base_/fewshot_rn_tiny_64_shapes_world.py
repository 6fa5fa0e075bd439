# Shared part of the few-shot configs: the tiny frozen CLIP pretrained on shapes world, the
# 80-class few-shot shapes world (10 colours x 8 shapes; 4 colours and 2 shapes never seen in
# pretraining), its val split (during training) and test split (tools/test.py), top-1/top-5.
# Write the data first: python -m projects.clip_adapter.clip_adapter.shapes_fewshot --out data/shapes_world_fewshot
from mmengine.dataset import DefaultSampler
from mmengine.runner import TestLoop, ValLoop

from clipx.backbone import FrozenCLIP
from clipx.data.classification import clip_eval_transform
from clipx.evaluation import ZeroShotAccuracy
from projects.clip_adapter.clip_adapter import SHAPES_TEMPLATES, FewShotImageFolder

# mmengine honours custom_imports only in configs without class imports; the imports above load
# (and register) the package here, this line names it for tools that read it.
custom_imports = dict(imports=["projects.clip_adapter.clip_adapter"], allow_failed_imports=False)

default_scope = "clipx"
data_root = "data/shapes_world_fewshot"
checkpoint = "work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt"
templates = SHAPES_TEMPLATES
shot_seed = 1  # which K images per class

clip = dict(type=FrozenCLIP, model_name="clipx-RN-tiny-64", checkpoint=checkpoint)
eval_transform = dict(type=clip_eval_transform, clip=clip)
# the K-shot training set; a config sets shots (and the transform it trains with)
fewshot_set = dict(
    type=FewShotImageFolder,
    root=f"{data_root}/train",
    classes_file="../classes.txt",
    shots=16,
    seed=shot_seed,
    transform=eval_transform,
)
split_set = dict(type=FewShotImageFolder, classes_file="../classes.txt", transform=eval_transform)

test_dataloader = dict(
    batch_size=128,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(root=f"{data_root}/test", **split_set),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=1,
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(root=f"{data_root}/val", **split_set),
)
test_evaluator = dict(type=ZeroShotAccuracy, topk=(1, 5), prefix="fewshot")
val_evaluator = test_evaluator
test_cfg = dict(type=TestLoop)
val_cfg = dict(type=ValLoop)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
