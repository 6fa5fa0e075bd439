"""Hands the data set's category names to ViLD before training and evaluation."""

from __future__ import annotations

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


def _detector(runner):
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


@HOOKS.register_module()
class VocabularyHook(Hook):
    """Set ViLD's vocabulary from the data sets' ``metainfo['classes']``.

    Before training: the training set's classes (the base vocabulary, recorded
    in the checkpoint). Before validation or testing: that set's classes, with
    its ``base_classes`` for the ensemble; after validation, the training
    vocabulary again.
    """

    priority = "VERY_HIGH"

    def before_train(self, runner) -> None:
        _detector(runner).set_training_vocabulary(
            runner.train_dataloader.dataset.metainfo["classes"]
        )

    def _evaluate_with(self, runner, loader) -> None:
        meta = loader.dataset.metainfo
        _detector(runner).set_vocabulary(meta["classes"], base_names=meta.get("base_classes"))

    def before_val(self, runner) -> None:
        self._evaluate_with(runner, runner.val_dataloader)

    def after_val(self, runner) -> None:
        model = _detector(runner)
        if model.base_class_names:
            model.set_vocabulary(model.base_class_names, base_names=model.base_class_names)

    def before_test(self, runner) -> None:
        self._evaluate_with(runner, runner.test_dataloader)
