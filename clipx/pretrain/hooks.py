"""Hooks of the pretraining stage."""

from __future__ import annotations

import os.path as osp

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from clipx.registry import HOOKS


@HOOKS.register_module()
class ExportCLIPHook(Hook):
    """Writes the trained CLIP as a clipx checkpoint next to the runner's checkpoints.

    The file (``<work_dir>/<filename>``) loads into ``FrozenCLIP(checkpoint=...)``
    and ``open_clip.create_model(arch, pretrained=...)``. It is rewritten every
    ``interval`` iterations (0: only at the end of training).
    """

    priority = "LOW"

    def __init__(self, *, interval: int = 0, filename: str = "clip_latest.pt") -> None:
        self.interval = interval
        self.filename = filename

    def _export(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if runner.rank == 0:
            path = osp.join(runner.work_dir, self.filename)
            model.export(path)
            runner.logger.info(f"Exported CLIP weights to {path}")

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self._export(runner)

    def after_train(self, runner) -> None:
        self._export(runner)
