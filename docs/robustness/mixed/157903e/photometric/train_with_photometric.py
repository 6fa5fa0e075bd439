"""Paired experiment: a shipped config + photometric distortion in its training pipeline.

python docs/robustness/mixed/157903e/photometric/train_with_photometric.py seg|det|ens WORK_DIR [SEED]
(hue included: LSeg and ViLD labels are shape names, colour is not in them)
"""
import argparse
import sys

from mmengine.runner import Runner

from clipx.engine import load_config

CONFIGS = {
    "seg": "configs/lseg/lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py",
    "det": "configs/vild/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py",
    "ens": "configs/vild/vild-ensemble_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py",
}
task, work_dir = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
args = argparse.Namespace(config=CONFIGS[task], cfg_options=None, launcher="none", work_dir=work_dir, local_rank=0)
cfg = load_config(args)
PhotoMetricDistortion = "mmseg.PhotoMetricDistortion" if task == "seg" else "mmdet.PhotoMetricDistortion"
pipe = list(cfg.train_dataloader.dataset.pipeline)
pipe.insert(len(pipe) - 1, dict(type=PhotoMetricDistortion))  # just before packing
cfg.train_dataloader.dataset.pipeline = pipe
cfg.randomness = dict(seed=seed)
print([p["type"] for p in pipe])
Runner.from_cfg(cfg).train()
