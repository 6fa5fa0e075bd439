import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from clipx.checkpoint import allow_mmengine_checkpoints
from clipx.testing import TEST_VIT, write_fake_pairs


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory):
    return write_fake_pairs(tmp_path_factory.mktemp("pairs"))


def _cfg(csv, work_dir, max_iters):
    return dict(
        default_scope="clipx",
        work_dir=str(work_dir),
        model=dict(type="CLIPPretrainer", model_name=TEST_VIT),
        train_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=True, seed=1),
            collate_fn=dict(type="default_collate"),
            dataset=dict(type="ImageTextDataset", ann_file=str(csv), model_name=TEST_VIT, is_train=False),
        ),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.1)),
        param_scheduler=[dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=4)],
        default_hooks=dict(
            checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False),
            logger=dict(type="LoggerHook", interval=1),
        ),
        randomness=dict(seed=0),
        log_level="WARNING",
    )


def _weights(runner):
    return {k: v.detach().clone() for k, v in runner.model.state_dict().items()}


class _Probe(Hook):
    """Records the state a runner starts training from and the iterations it runs."""

    priority = "LOWEST"

    def __init__(self):
        self.start = None
        self.iters_run = []

    def before_train(self, runner):
        self.start = dict(
            iter=runner.iter,
            model=_weights(runner),
            optimizer=copy.deepcopy(runner.optim_wrapper.state_dict()),
            scheduler=[s.state_dict() for s in runner.param_schedulers],
            lr=runner.optim_wrapper.get_lr()["lr"],
        )

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.iters_run.append(runner.iter)


def _assert_same_optimizer_state(got, expected):
    assert got["param_groups"] == expected["param_groups"]
    assert got["state"].keys() == expected["state"].keys() and expected["state"]
    for param, state in expected["state"].items():
        assert got["state"][param].keys() == state.keys()
        for name, value in state.items():
            torch.testing.assert_close(got["state"][param][name], value, rtol=0, atol=0, msg=name)


def test_resume_ends_with_the_same_weights_as_an_uninterrupted_run(tiny_csv, tmp_path):
    allow_mmengine_checkpoints()
    straight = Runner.from_cfg(copy.deepcopy(_cfg(tiny_csv, tmp_path / "a", 6)))
    straight.train()
    expected = _weights(straight)

    first = Runner.from_cfg(copy.deepcopy(_cfg(tiny_csv, tmp_path / "b", 3)))
    first.train()  # "killed" after its checkpoint at iteration 3
    at_kill = dict(
        model=_weights(first),
        optimizer=copy.deepcopy(first.optim_wrapper.state_dict()),
        scheduler=[s.state_dict() for s in first.param_schedulers],
        lr=first.optim_wrapper.get_lr()["lr"],
    )
    cfg = _cfg(tiny_csv, tmp_path / "b", 6)
    cfg["resume"] = True
    resumed = Runner.from_cfg(cfg)
    probe = _Probe()
    resumed.register_hook(probe)
    resumed.train()

    # it started where the first run stopped and ran only the remaining iterations
    assert probe.start["iter"] == 3
    assert probe.iters_run == [3, 4, 5]  # runner.iter counts the iterations done before this one
    for k, v in at_kill["model"].items():
        torch.testing.assert_close(probe.start["model"][k], v, rtol=0, atol=0, msg=k)
    _assert_same_optimizer_state(probe.start["optimizer"], at_kill["optimizer"])
    assert probe.start["scheduler"] == at_kill["scheduler"] and probe.start["lr"] == at_kill["lr"]
    assert at_kill["scheduler"][0]["last_step"] == 3  # the warm-up is not restarted

    assert resumed.iter == 6
    got = _weights(resumed)
    assert expected.keys() == got.keys()
    for k in expected:
        torch.testing.assert_close(got[k], expected[k], rtol=0, atol=0, msg=k)


def test_runner_checkpoint_loads_with_weights_only(tiny_csv, tmp_path):
    allow_mmengine_checkpoints()
    runner = Runner.from_cfg(_cfg(tiny_csv, tmp_path, 3))
    runner.train()
    ckpt = torch.load(tmp_path / "iter_3.pth", map_location="cpu", weights_only=True)
    assert "message_hub" in ckpt and "optimizer" in ckpt
