"""The shipped configs: they parse, compose their bases safely and keep their cross-references.

A leaf composes bases with ``from .._base_.<kind>.<name> import *``; in a lazy
config the last import of a name wins silently, so the bases a leaf composes
must agree on every name they share. Values that two parts of a config must
share (the backbone that prepares the images, the architecture the data is
tokenized for, a schedule's end and its loop's length) are checked here on the
parsed configs.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest
from mmengine.config import Config

ROOT = Path(__file__).parents[1]


def _load_dump_tool():
    spec = importlib.util.spec_from_file_location(
        "dump_configs", ROOT / "tools/misc/dump_configs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DUMP = _load_dump_tool()
CONFIGS = DUMP.leaf_configs(ROOT)
TOY_BASE_MARKS = ("shapes_world", "rn_tiny")  # bases made for the generated shapes world


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def parsed(path: Path) -> dict:
    """The config at ``path`` as canonical JSON data (lazy objects as their import paths)."""
    return DUMP.canonical(Config.fromfile(str(path))._to_lazy_dict(keep_imported=False))


def base_imports(path: Path) -> list[tuple[Path, list[str] | None]]:
    """(base file, imported names or None for ``*``) of each import in the ``read_base()`` block."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bases = []
    for node in tree.body:
        if not (
            isinstance(node, ast.With) and ast.unparse(node.items[0].context_expr) == "read_base()"
        ):
            continue
        for imp in node.body:
            folder = path.parent
            for _ in range(imp.level - 1):
                folder = folder.parent
            base = folder.joinpath(*imp.module.split(".")).with_suffix(".py")
            names = [a.name for a in imp.names]
            bases.append((base, None if names == ["*"] else names))
    return bases


def base_closure(path: Path) -> set[Path]:
    """Every base file ``path`` reads, directly or through other bases."""
    seen, todo = set(), [path]
    while todo:
        for base, _ in base_imports(todo.pop()):
            if base not in seen:
                seen.add(base)
                todo.append(base)
    return seen


def find_dicts(value, key: str):
    """Every dict below ``value`` that has ``key``."""
    if isinstance(value, dict):
        if key in value:
            yield value
        for v in value.values():
            yield from find_dicts(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from find_dicts(v, key)


@pytest.mark.parametrize("path", CONFIGS, ids=_id)
def test_config_parses_and_names_a_model(path):
    cfg = Config.fromfile(path)
    assert "model" in cfg and cfg.get("default_scope") == "clipx"
    assert "train_dataloader" in cfg or "test_dataloader" in cfg


@pytest.mark.parametrize("path", CONFIGS, ids=_id)
def test_composed_bases_agree_on_every_name_they_share(path):
    seen: dict[str, tuple[Path, object]] = {}
    for base, names in base_imports(path):
        values = parsed(base)
        for name in names or values:
            if name in seen:
                first, value = seen[name]
                assert values[name] == value, (
                    f"{_id(path)}: {_id(first)} and {_id(base)} both set {name!r}, differently; "
                    "the later import would silently win"
                )
            seen[name] = (base, values[name])


@pytest.mark.parametrize("path", [p for p in CONFIGS if "shapes-world" not in p.name], ids=_id)
def test_real_data_configs_read_no_shapes_world_base(path):
    toy = sorted(_id(b) for b in base_closure(path) if any(m in b.stem for m in TOY_BASE_MARKS))
    assert not toy, f"{_id(path)} is for real data but reads the shapes-world bases {toy}"


def without_taps(clip: dict) -> dict:
    """A FrozenCLIP config without its dense taps (which change no preprocessing)."""
    return {k: v for k, v in clip.items() if k != "dense_indices"}


def model_clip(model: dict) -> dict | None:
    """The CLIP a model is built on: its ``clip`` or its FrozenCLIP backbone, without dense taps."""
    if "clip" in model:
        return without_taps(model["clip"])
    backbone = model.get("backbone", {})
    if backbone.get("type", "").endswith("FrozenCLIP"):
        return without_taps(backbone)
    return None


@pytest.mark.parametrize("path", CONFIGS, ids=_id)
def test_data_is_prepared_for_the_model_backbone(path):
    cfg = parsed(path)
    model = cfg["model"]
    if model["type"].endswith("CLIPPretrainer"):  # trains the towers: the data tokenizes for them
        arch = model["model_name"]
        assert cfg["train_dataloader"]["dataset"]["model_name"] == arch, f"{_id(path)}"
        assert cfg.get("model_name", arch) == arch, f"{_id(path)}: model_name is stale"
        return
    clip = model_clip(model)
    assert clip is not None, f"{_id(path)}: the model names no CLIP"
    elsewhere = {k: v for k, v in cfg.items() if k != "model"}
    for holder in find_dicts(elsewhere, "clip"):
        assert without_taps(holder["clip"]) == clip, (
            f"{_id(path)}: a `clip` outside the model is {json.dumps(holder['clip'])}, "
            f"the model's is {json.dumps(clip)}"
        )


# the mm naming convention: <gpus>x<batch per gpu>-<length> (iterations, k iterations, epochs)
TRAINING_NAME = re.compile(r"_(\d+)xb(\d+)-(\d+)(it|k|ep)_")


@pytest.mark.parametrize("path", CONFIGS, ids=_id)
def test_schedule_is_the_one_the_name_says_and_ends_with_the_loop(path):
    cfg = parsed(path)
    name = TRAINING_NAME.search(path.name)
    if name is None:
        assert "train_cfg" not in cfg and "param_scheduler" not in cfg, (
            f"{_id(path)} trains, but its name has no <gpus>x<batch>-<length> part"
        )
        return
    _, batch, length, unit = name.groups()
    max_iters = cfg["train_cfg"]["max_iters"]
    assert cfg["train_dataloader"]["batch_size"] == int(batch), f"{_id(path)}: batch size"
    if unit != "ep":  # epochs: the length follows from the data set's size
        assert max_iters == int(length) * (1000 if unit == "k" else 1), f"{_id(path)}: length"
    schedulers = cfg["param_scheduler"]
    for s in schedulers:
        assert s["by_epoch"] is False and 0 <= s["begin"] < s["end"] <= max_iters, (
            f"{_id(path)}: scheduler {s} does not fit in {max_iters} iterations"
        )
    assert schedulers[-1]["end"] == max_iters, (
        f"{_id(path)}: the last scheduler ends before the loop"
    )
    assert cfg.get("max_iters", max_iters) == max_iters, f"{_id(path)}: max_iters is stale"
    warmup = cfg.get("warmup_iters", schedulers[0]["end"])
    assert warmup == schedulers[0]["end"], f"{_id(path)}: warmup_iters is stale"


@pytest.mark.parametrize("path", [p for p in CONFIGS if p.parent.name == "vild"], ids=_id)
def test_detector_neck_takes_one_map_per_backbone_level(path):
    model = parsed(path)["model"]
    indices = model["backbone"].get("indices", {}).get("__tuple__")
    levels = indices or model["backbone"]["out_indices"]["__tuple__"]
    assert len(levels) == len(model["neck"]["in_channels"]), (
        f"{_id(path)}: the backbone gives {len(levels)} maps, the FPN expects "
        f"{len(model['neck']['in_channels'])}"
    )


def test_dump_tool_reports_a_changed_model_and_nothing_else(tmp_path, capsys):
    config = ROOT / "configs/zeroshot/zeroshot_rn-tiny-64_shapes-world.py"
    DUMP.write_dumps([config], tmp_path / "before")
    (tmp_path / "after").mkdir()
    assert DUMP.compare_dumps(tmp_path / "before", tmp_path / "before") == 0
    dump = json.loads((tmp_path / "before" / DUMP.dump_name(config)).read_text())
    dump["cfg"]["log_level"] = "WARNING"
    (tmp_path / "after" / DUMP.dump_name(config)).write_text(json.dumps(dump))
    assert (
        DUMP.compare_dumps(tmp_path / "before", tmp_path / "after") == 0
    )  # runtime only: reported
    assert "cfg.log_level" in capsys.readouterr().out
    dump["model"]["templates"] = "default"
    (tmp_path / "after" / DUMP.dump_name(config)).write_text(json.dumps(dump))
    assert DUMP.compare_dumps(tmp_path / "before", tmp_path / "after") == 1
    assert 'model.templates: "name" -> "default"' in capsys.readouterr().out
