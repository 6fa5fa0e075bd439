# The runtime every clipx config shares (as mmdet's default_runtime): hooks, logging, seeds and
# environment. Runs are iteration-based; CheckpointHook always saves the last iteration
# (save_last), and a config that wants periodic checkpoints sets its interval.
from mmengine.hooks import CheckpointHook, IterTimerHook, LoggerHook, ParamSchedulerHook

default_scope = "clipx"
default_hooks = dict(
    timer=dict(type=IterTimerHook),
    logger=dict(type=LoggerHook, interval=50),
    param_scheduler=dict(type=ParamSchedulerHook),
    checkpoint=dict(type=CheckpointHook, interval=-1, by_epoch=False, max_keep_ckpts=1),
)
log_processor = dict(by_epoch=False, window_size=50)
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend="nccl"))
log_level = "INFO"
# Denormal floats are treated as zero (torch.set_flush_denormal, read by clipx.engine.load_config):
# late in a CPU training small values turn denormal and each op on them is slow; with the flush the
# quickstart pretraining's steps stay at their early speed (1.3x faster from iteration 250 on).
flush_denormal = True
