from pathlib import Path

import pytest
from mmengine.config import Config

CONFIGS = sorted(p for p in (Path(__file__).parents[1] / "configs").rglob("*.py") if "_base_" not in p.parts)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_parses_and_names_a_model(path):
    cfg = Config.fromfile(path)
    assert "model" in cfg and cfg.get("default_scope") == "clipx"
    assert "train_dataloader" in cfg or "test_dataloader" in cfg
