"""clipx.apis.init_model: shipped and project configs, a checkpoint round trip, each error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.runner.checkpoint import save_checkpoint

from clipx.apis import CheckpointMismatchError, init_model
from clipx.evaluation import ZeroShotClassifierModel
from clipx.testing import TEST_RN, TEST_VIT, fake_images, tiny_checkpoint

REPO = Path(__file__).resolve().parents[2]
ZEROSHOT = REPO / "configs" / "zeroshot" / "zeroshot_rn-tiny-64_shapes-world.py"
ACTIONCLIP = (
    REPO / "projects" / "actionclip" / "configs"
    / "actionclip_meanp_rn-tiny-64_shapes-world-video-direction.py"
)  # fmt: skip
NAMES = ["red circle", "blue square", "green triangle"]


def tiny(clip_key: str = "model.clip", model_name: str = TEST_RN, **extra) -> dict:
    """cfg_options that swap a config's CLIP for a random test model (no checkpoint file)."""
    return {f"{clip_key}.model_name": model_name, f"{clip_key}.checkpoint": None, **extra}


def zeroshot(checkpoint=None, *, seed: int = 0, model_name: str = TEST_RN):
    torch.manual_seed(seed)
    options = tiny(model_name=model_name, **{"model.class_names": NAMES})
    return init_model(ZEROSHOT, checkpoint, cfg_options=options)


def logits(model) -> torch.Tensor:
    images = fake_images(2, model.clip.image_size, seed=3)
    with torch.no_grad():
        return torch.stack([out["pred_logits"] for out in model(images, mode="predict")])


def save_runner_checkpoint(model, path: Path, *, state=None, run: str | None = None) -> Path:
    """What mmengine's Runner writes: ``meta`` (with the run name) and ``state_dict``."""
    meta = {"iter": 3, "cfg": "model = dict(type='ZeroShotClassifierModel')"}
    if run is not None:
        meta["experiment_name"] = run
    save_checkpoint({"meta": meta, "state_dict": state or model.state_dict()}, str(path))
    return path


# ---------------------------------------------------------------------------- building


def test_a_shipped_config_shrunk_by_cfg_options():
    model = zeroshot()
    assert isinstance(model, ZeroShotClassifierModel)
    assert not model.training and next(model.parameters()).device.type == "cpu"
    assert model.cfg.filename == str(ZEROSHOT)
    assert model.cfg.default_scope == "clipx"
    assert model.cfg.model.clip.model_name == TEST_RN and model.class_names == tuple(NAMES)
    assert logits(model).shape == (2, len(NAMES))


def test_an_explicit_scope_is_written_to_the_config_and_made_current():
    before = DefaultScope.get_current_instance()
    try:
        model = init_model(ZEROSHOT, cfg_options=tiny(), scope="mmdet")
        assert model.cfg.default_scope == "mmdet"
        assert DefaultScope.get_current_instance().scope_name == "mmdet"
    finally:
        if before is not None:
            init_default_scope(before.scope_name)


def test_a_project_config_builds_its_projects_model():
    from projects.actionclip.actionclip import ActionCLIP

    model = init_model(ACTIONCLIP, cfg_options=tiny(model_name=TEST_VIT))
    assert isinstance(model, ActionCLIP) and not model.training
    assert model.cfg.custom_imports["imports"] == ["projects.actionclip.actionclip"]


@pytest.mark.slow
def test_a_project_config_loads_without_the_repository_on_sys_path(tmp_path):
    """A fresh process, started elsewhere, whose sys.path holds no folder with projects/ in it."""
    script = textwrap.dedent(
        f"""
        import importlib.util, os, sys
        import clipx.apis
        sys.path[:] = [p for p in sys.path
                       if not os.path.isdir(os.path.join(os.path.abspath(p or "."), "projects"))]
        assert importlib.util.find_spec("projects") is None, sys.path
        model = clipx.apis.init_model({str(ACTIONCLIP)!r}, cfg_options={tiny(model_name=TEST_VIT)!r})
        print(type(model).__name__, type(model).__module__)
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="2")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["ActionCLIP", "projects.actionclip.actionclip.model"]


def write_project(root: Path, package: str, import_name: str) -> Path:
    """A repository with ``projects/<package>/``: a registered tiny model and a config for it."""
    (root / "configs").mkdir(parents=True)
    project = root / "projects" / package
    (project / package).mkdir(parents=True)
    (project / package / "__init__.py").write_text(
        textwrap.dedent(
            f"""
            import torch
            from mmengine.model import BaseModel
            from clipx.registry import MODELS

            @MODELS.register_module(force=True)
            class {package.title().replace("_", "")}(BaseModel):
                def __init__(self, width=3):
                    super().__init__()
                    self.linear = torch.nn.Linear(width, 2)

                def forward(self, inputs, data_samples=None, mode="tensor"):
                    return self.linear(inputs)
            """
        )
    )
    (project / "configs").mkdir()
    config = project / "configs" / "tiny.py"
    config.write_text(
        f"custom_imports = dict(imports=[{import_name!r}], allow_failed_imports=False)\n"
        f"model = dict(type={package.title().replace('_', '')!r}, width=5)\n"
    )
    return config


@pytest.fixture
def forget_modules():
    """Modules the test imports are removed afterwards (their names are the test's own)."""
    names: list[str] = []
    yield names
    for name in list(sys.modules):
        if any(name == n or name.startswith(f"{n}.") for n in names):
            del sys.modules[name]


@pytest.mark.parametrize("style", ["projects.<name>.<name>", "<name>"])
def test_custom_imports_of_a_project_resolve_from_its_repository(
    style, tmp_path, monkeypatch, forget_modules
):
    package = "apis_test_head_" + ("dotted" if "." in style else "bare")
    import_name = style.replace("<name>", package)
    forget_modules.append(import_name)
    config = write_project(tmp_path / "repo", package, import_name)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    model = init_model(config)
    assert type(model).__module__ == import_name
    assert model.linear.in_features == 5


# ---------------------------------------------------------------------------- checkpoints


def test_a_runner_checkpoint_round_trips(tmp_path):
    trained = zeroshot(seed=0)
    path = save_runner_checkpoint(trained, tmp_path / "iter_3.pth")
    assert not torch.equal(logits(zeroshot(seed=1)), logits(trained))  # the seeds differ
    loaded = zeroshot(path, seed=1)
    assert torch.equal(logits(loaded), logits(trained))
    for key, value in trained.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_a_ddp_prefixed_checkpoint_loads(tmp_path):
    trained = zeroshot(seed=0)
    state = {f"module.{k}": v for k, v in trained.state_dict().items()}
    path = save_runner_checkpoint(trained, tmp_path / "ddp.pth", state=state)
    assert torch.equal(logits(zeroshot(path, seed=1)), logits(trained))


def test_a_checkpoint_that_does_not_fit_lists_keys_and_its_config(tmp_path):
    model = zeroshot()
    state = dict(model.state_dict())
    missing = sorted(state)[0]
    del state[missing]
    state["head.extra.weight"] = torch.zeros(2)
    reshaped = "clip.clip.logit_scale"
    state[reshaped] = torch.zeros(3)
    run = "clip-adapter_rn-tiny-64_1xb32-1000it_shapes-world-fewshot-4shot_20250101_120000"
    path = save_runner_checkpoint(model, tmp_path / "other.pth", state=state, run=run)
    with pytest.raises(CheckpointMismatchError) as caught:
        zeroshot(path)
    message = str(caught.value)
    assert f"Checkpoint '{path}' does not fit the ZeroShotClassifierModel" in message
    assert f"config '{ZEROSHOT}' builds" in message
    assert f"1 missing key(s) ({missing})" in message
    assert "1 unexpected key(s) (head.extra.weight)" in message
    assert f"1 key(s) with another shape ({reshaped}: checkpoint (3,) vs model ())" in message
    stem = run.rsplit("_", 2)[0]
    assert f"load it with config '{stem}' (projects/clip_adapter/configs/{stem}.py)" in message


def test_a_mismatch_lists_only_the_first_keys(tmp_path):
    vit = zeroshot(model_name=TEST_VIT)
    path = save_runner_checkpoint(vit, tmp_path / "vit.pth")
    with pytest.raises(
        CheckpointMismatchError, match=r"missing key\(s\) \([^)]*, \.\.\. \d+ more\)"
    ):
        zeroshot(path)
    torch.save({"state_dict": vit.state_dict()}, tmp_path / "bare.pth")
    with pytest.raises(CheckpointMismatchError, match="It records no config"):
        zeroshot(tmp_path / "bare.pth")


def test_a_clip_checkpoint_is_pointed_to_the_backbone(tmp_path):
    path = tiny_checkpoint(tmp_path / "clip.pt", TEST_RN)
    with pytest.raises(CheckpointMismatchError) as caught:
        zeroshot(path)
    assert "It is a clipx CLIP checkpoint (architecture 'clipx-RN-test-64')" in str(caught.value)
    assert "cfg_options={'model.clip.checkpoint': PATH}" in str(caught.value)


# ---------------------------------------------------------------------------- config errors


MISSING = {
    "config": ("Config file '{}' does not exist", "under configs/ or projects/<name>/configs/"),
    "checkpoint": (
        "Checkpoint file '{}' does not exist",
        "work_dirs/<config name>/iter_N.pth, or checkpoint=None",
    ),
}


@pytest.mark.parametrize("kind", sorted(MISSING))
def test_a_missing_file_is_named_with_what_to_pass(kind, tmp_path):
    path = tmp_path / "work_dirs" / "nope.pth"
    with pytest.raises(FileNotFoundError) as caught:
        init_model(path) if kind == "config" else zeroshot(path)
    named, advice = MISSING[kind]
    assert named.format(path) in str(caught.value) and advice in str(caught.value)


def test_a_config_without_a_model_says_so(tmp_path):
    config = tmp_path / "no_model.py"
    config.write_text("test_cfg = dict(type='TestLoop')\n")
    with pytest.raises(ValueError, match=r"has no `model` entry, so there is nothing to build"):
        init_model(config)


def test_an_unregistered_type_names_the_fix(tmp_path):
    config = tmp_path / "unknown.py"
    config.write_text("model = dict(type='NoSuchHeadForApisTest')\n")
    with pytest.raises(KeyError, match=r"No module in clipx/ or projects/ defines it"):
        init_model(config)


def test_a_custom_import_that_fails_is_named(tmp_path):
    config = tmp_path / "bad_import.py"
    config.write_text(
        "from clipx.backbone import FrozenCLIP\n"  # a pure-Python config: mmengine imports nothing
        "custom_imports = dict(imports=['no_such_project_for_apis_test'])\n"
        "model = dict(type='NoSuchHeadForApisTest')\n"
    )
    with pytest.raises(ImportError, match=r"custom_imports names 'no_such_project_for_apis_test', "
                       r"which does not import .*run from the repository root"):  # fmt: skip
        init_model(config)


def test_a_config_that_is_not_a_path_or_config():
    with pytest.raises(TypeError, match="config must be a config file path or an mmengine Config"):
        init_model({"model": {"type": "ZeroShotClassifierModel"}})
