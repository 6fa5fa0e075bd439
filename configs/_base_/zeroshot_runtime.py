# Shared runtime of evaluation-only configs (tools/test.py).
from mmengine.dataset import DefaultSampler
from mmengine.runner import TestLoop

from clipx.engine import EvalModelWrapper

default_scope = "clipx"
test_cfg = dict(type=TestLoop)
test_dataloader = dict(batch_size=128, num_workers=1, sampler=dict(type=DefaultSampler, shuffle=False))
# A frozen backbone has nothing for DDP to synchronise; evaluate shards per rank.
model_wrapper_cfg = dict(type=EvalModelWrapper)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
