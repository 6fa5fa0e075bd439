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
    ``interval`` iterations (0: only at the end of training). With
    ``snapshot_interval`` it also keeps ``clip_iter_<n>.pt`` every that many
    iterations, so a learning curve can be evaluated after the run.
    """

    priority = "LOW"

    def __init__(
        self, *, interval: int = 0, filename: str = "clip_latest.pt", snapshot_interval: int = 0
    ) -> None:
        self.interval = interval
        self.filename = filename
        self.snapshot_interval = snapshot_interval

    def _export(self, runner, filename: str | None = None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if runner.rank == 0:
            path = osp.join(runner.work_dir, filename or self.filename)
            model.export(path)
            runner.logger.info(f"Exported CLIP weights to {path}")

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self._export(runner)
        if self.snapshot_interval and self.every_n_train_iters(runner, self.snapshot_interval):
            self._export(runner, f"clip_iter_{runner.iter + 1}.pt")

    def after_train(self, runner) -> None:
        self._export(runner)
