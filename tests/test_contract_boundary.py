"""Outside clipx/backbone/ no code touches the wrapped open_clip model (the head contract's rule).

The stated exceptions: clipx/pretrain/ (contrastive pretraining trains the
open_clip model itself) and clipx/checkpoint.py (reads and writes its state dict).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
ALLOWED = ("clipx/backbone/", "clipx/pretrain/", "clipx/checkpoint.py")
# open_clip model internals a head could reach for through a FrozenCLIP
INTERNALS = {
    "visual", "transformer", "token_embedding", "positional_embedding", "text_projection",
    "ln_final", "attnpool", "resblocks", "attn_mask", "text_pool_type",
}


def _ends_in_clip(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id in ("clip", "backbone")) or (
        isinstance(node, ast.Attribute) and node.attr in ("clip", "backbone")
    )


def reach_throughs(source: str) -> list[tuple[int, str]]:
    """(line, expression) of every ``<backbone>.clip`` or ``<backbone>.<open_clip internal>`` access."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or not _ends_in_clip(node.value):
            continue
        if node.attr == "clip" or node.attr in INTERNALS:
            found.append((node.lineno, ast.unparse(node)))
    return found


def _checked_files() -> list[Path]:
    files = list((ROOT / "clipx").rglob("*.py")) + list((ROOT / "tools").rglob("*.py"))
    for package in (ROOT / "projects").glob("*/*/__init__.py"):
        if package.parent.name != "tests":
            files += list(package.parent.rglob("*.py"))
    return sorted(f for f in files if not str(f.relative_to(ROOT)).startswith(ALLOWED))


@pytest.mark.parametrize(
    "snippet",
    [
        "self.clip.clip.visual.to(memory_format=x)",
        "text = clip.clip.transformer",
        "n = self.backbone.visual.conv1",
        "p = model.clip.text_projection",
    ],
)
def test_the_checker_finds_reach_throughs(snippet):
    assert reach_throughs(snippet)


def test_the_checker_allows_the_contract():
    code = "self.clip.encode_image(x); clip.dense_spec(); self.clip.trainable_parameter_names('image')"
    assert reach_throughs(code) == []


def test_the_checked_files_cover_heads_and_projects():
    names = {str(f.relative_to(ROOT)) for f in _checked_files()}
    assert {"clipx/det/backbone.py", "clipx/video/aggregators.py", "tools/video_precompute.py"} <= names
    assert any(n.startswith("projects/actionclip/actionclip/") for n in names)
    assert not any(n.startswith("clipx/backbone/") for n in names)


def test_nothing_outside_the_backbone_touches_the_open_clip_model():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {expr}"
        for path in _checked_files()
        for line, expr in reach_throughs(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "Use the head contract (clipx/backbone/contract.py) instead of:\n" + "\n".join(offenders)


def private_imports(source: str) -> list[tuple[int, str]]:
    """(line, name) of every ``from <clipx/project module> import _name`` (dunder names aside)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        own = node.level > 0 or (node.module or "").split(".")[0] in {"clipx", "projects", "tools"}
        own = own or (node.module or "") in LOCAL_MODULES
        for alias in node.names if own else ():
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append((node.lineno, f"{node.module}.{alias.name}"))
    return found


LOCAL_MODULES = {p.stem for p in (ROOT / "benchmarks").glob("*.py")} | {p.stem for p in (ROOT / "tools").glob("*.py")}


def test_the_private_import_checker_finds_one():
    assert private_imports("from .inference import _test_pipeline") == [(1, "inference._test_pipeline")]
    assert private_imports("from numpy._core.multiarray import _reconstruct") == []


def test_no_module_imports_another_modules_private_names():
    files = [*_checked_files(), *sorted((ROOT / "benchmarks").rglob("*.py")), *sorted((ROOT / "clipx").rglob("*.py"))]
    offenders = sorted(
        {f"{p.relative_to(ROOT)}:{line}: {name}" for p in files for line, name in private_imports(p.read_text(encoding="utf-8"))}
    )
    assert not offenders, "make what is shared public and documented:\n" + "\n".join(offenders)
