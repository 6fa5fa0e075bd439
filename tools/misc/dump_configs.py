"""Dump parsed configs as canonical JSON, and compare two dumps.

Every shipped leaf config (``configs/**`` and ``projects/*/configs/**``, not
``_base_``) is parsed with ``mmengine.Config.fromfile`` and written as one JSON
file holding three parts: ``model``, ``datasets`` (the ``dataset`` of each of
``train_dataloader``, ``val_dataloader`` and ``test_dataloader``) and ``cfg``
(the whole config, imported names left out as mmengine dumps it). Lazily
imported objects are written as ``"lazy:<import path>"``, tuples as
``{"__tuple__": [...]}``, keys sorted, so two dumps are equal exactly when the
parsed configs are. Use it around a config refactoring::

    python tools/misc/dump_configs.py --out work_dirs/configs_before
    # ... edit configs ...
    python tools/misc/dump_configs.py --out work_dirs/configs_after
    python tools/misc/dump_configs.py --compare work_dirs/configs_before work_dirs/configs_after

``--compare`` prints each differing key path with both values and exits with
status 1 when a ``model`` or ``datasets`` part differs (``cfg`` differences are
reported only: runtime keys may change on purpose).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOADERS = ("train_dataloader", "val_dataloader", "test_dataloader")
STRICT_PARTS = ("model", "datasets")


def leaf_configs(root: Path = ROOT) -> list[Path]:
    """The shipped leaf configs under ``root``: every ``.py`` below a configs folder but ``_base_``."""
    folders = [root / "configs", *sorted((root / "projects").glob("*/configs"))]
    paths = (p for folder in folders for p in folder.rglob("*.py"))
    return sorted(p for p in paths if "_base_" not in p.relative_to(root).parts)


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data: lazy objects by their import path, tuples marked."""
    from mmengine.config.lazy import LazyAttr, LazyObject

    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [canonical(v) for v in value]}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, LazyObject):
        module = value._module if isinstance(value._module, str) else ",".join(value._module)
        return f"lazy:{module}.{value._imported}" if value._imported else f"lazy:{module}"
    if isinstance(value, LazyAttr):
        return f"lazy:{value.module}.{value.name}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, type) or callable(value):
        return f"object:{value.__module__}.{value.__qualname__}"
    raise TypeError(f"Cannot write {value!r} ({type(value).__name__}) as canonical JSON.")


def dump_config(path: Path) -> dict:
    """The three canonical parts of the config at ``path``."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(path))._to_lazy_dict(keep_imported=False)
    datasets = {
        name: cfg[name].get("dataset") for name in LOADERS if isinstance(cfg.get(name), dict)
    }
    return {
        "model": canonical(cfg.get("model")),
        "datasets": canonical(datasets),
        "cfg": canonical(cfg),
    }


def dump_name(path: Path, root: Path = ROOT) -> str:
    """The dump file name of a config: its path below ``root`` with ``/`` written ``__``."""
    return str(path.resolve().relative_to(root)).replace("/", "__").removesuffix(".py") + ".json"


def write_dumps(paths: list[Path], out: Path) -> None:
    """Parse each config in ``paths`` and write its dump into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        dump = {"config": str(path.resolve().relative_to(ROOT)), **dump_config(path)}
        (out / dump_name(path)).write_text(json.dumps(dump, indent=1, sort_keys=True) + "\n")
        print(f"{dump['config']} -> {out / dump_name(path)}")


def differences(before: Any, after: Any, where: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every key path at which ``before`` and ``after`` differ, with both values."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            missing = "<absent>"
            yield from differences(
                before.get(key, missing), after.get(key, missing), f"{where}.{key}"
            )
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from differences(b, a, f"{where}[{i}]")
    elif before != after:
        yield where or ".", before, after


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare_dumps(before_dir: Path, after_dir: Path) -> int:
    """Print the differences between two dump folders; 1 if a model or datasets part differs."""
    before = {p.name: json.loads(p.read_text()) for p in before_dir.glob("*.json")}
    after = {p.name: json.loads(p.read_text()) for p in after_dir.glob("*.json")}
    strict_failures = 0
    for name in sorted(set(before) | set(after)):
        if name not in after or name not in before:
            print(f"{name}: only in {'before' if name in before else 'after'}")
            strict_failures += 1
            continue
        for part in ("model", "datasets", "cfg"):
            rows = list(differences(before[name][part], after[name][part]))
            if part in STRICT_PARTS:
                strict_failures += bool(rows)
            for where, b, a in rows:
                print(f"{name}: {part}{where}: {_short(b)} -> {_short(a)}")
    print(
        f"compared {len(set(before) | set(after))} configs; "
        f"{strict_failures} with a model or datasets difference (or missing)"
    )
    return 1 if strict_failures else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "configs", nargs="*", type=Path, help="configs to dump (default: every shipped leaf)"
    )
    parser.add_argument("--out", type=Path, help="folder to write one JSON file per config into")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("BEFORE", "AFTER"),
        help="compare two dump folders",
    )
    args = parser.parse_args(argv)
    if (args.out is None) == (args.compare is None):
        parser.error("give exactly one of --out DIR and --compare BEFORE AFTER")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.compare:
        return compare_dumps(*args.compare)
    sys.path.insert(0, str(ROOT))  # projects/*/configs name their packages from the repository root
    write_dumps(args.configs or leaf_configs(), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
