# Evaluation-only configs (tools/test.py): the test loop, and no DDP around the model. A frozen
# backbone has nothing for DDP to synchronise; each rank evaluates its shard.
from mmengine.runner import TestLoop

from clipx.engine import EvalModelWrapper

test_cfg = dict(type=TestLoop)
model_wrapper_cfg = dict(type=EvalModelWrapper)
