# The 80-class few-shot shapes world (10 colours x 8 shapes; 4 colours and 2 shapes never seen in
# pretraining): the K-shot pool (train), its val split (logged at the end of training) and test
# split (tools/test.py), top-1/top-5. Images are prepared by the frozen tiny CLIP's own
# preprocessing; prompts are the caption openings of the shapes-world grammar.
# Write the data first: python -m projects.clip_adapter.clip_adapter.shapes_fewshot --out data/shapes_world_fewshot
from mmengine.config import read_base
from mmengine.dataset import DefaultSampler
from mmengine.runner import TestLoop, ValLoop

from clipx.data.classification import clip_eval_transform
from clipx.evaluation import ZeroShotAccuracy
from projects.clip_adapter.clip_adapter import SHAPES_TEMPLATES, FewShotImageFolder

with read_base():
    from ......configs._base_.models.frozen_clip_rn_tiny_64 import clip

# mmengine honours custom_imports only in configs without class imports; the imports above load
# (and register) the package here, this line names it for tools that read it.
custom_imports = dict(imports=["projects.clip_adapter.clip_adapter"], allow_failed_imports=False)

data_root = "data/shapes_world_fewshot"
templates = SHAPES_TEMPLATES
shot_seed = 1  # which K images per class

eval_transform = dict(type=clip_eval_transform, clip=clip)
# the K-shot set; a config sets shots (and the transform it trains with)
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
# the loops of these two splits, for the training configs and the evaluation-only ones alike
val_cfg = dict(type=ValLoop)
test_cfg = dict(type=TestLoop)
