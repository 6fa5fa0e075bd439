"""Results as data: the metafiles name the shipped configs, and the READMEs print their numbers.

Every ``metafile.yml`` under ``configs/*/`` and ``projects/*/configs/`` lists one
entry per config of its folder (mmdetection's layout: ``Collections`` and
``Models``; an entry has ``Results``, ``Evaluated In`` (the entries that
evaluate what it trains) or an ``Unmeasured`` reason). A result says where a
README reports it (``README``: a table row or a sentence) and which of its
values the README prints there; the test reads those numbers out of the README
and compares them with the metafile, so editing either side alone fails.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
METAFILES = sorted(
    [*ROOT.glob("configs/*/metafile.yml"), *ROOT.glob("projects/*/configs/metafile.yml")]
)
# a number standing alone: not part of a name such as top-5, R@1, AP50, i2t, 1xb256 or 2e-3
NUMBER = re.compile(r"(?<![\w@.\-^])\d+(?:\.\d+)?(?!\w|\.\d)")


@dataclass(frozen=True)
class Entry:
    """One ``Models`` item of a metafile."""

    metafile: Path
    data: dict

    @property
    def name(self) -> str:
        return self.data["Name"]


def load_entries() -> list[Entry]:
    entries = []
    for path in METAFILES:
        models = yaml.safe_load(path.read_text(encoding="utf-8"))["Models"]
        entries += [Entry(path, model) for model in models]
    return entries


ENTRIES = load_entries()
BY_NAME = {entry.name: entry for entry in ENTRIES}


def shipped_configs() -> list[str]:
    """Every leaf config (not ``_base_``) below configs/ and projects/*/configs/, repo-relative."""
    folders = [ROOT / "configs", *sorted((ROOT / "projects").glob("*/configs"))]
    paths = (p for folder in folders for p in folder.rglob("*.py"))
    return sorted(
        str(p.relative_to(ROOT)) for p in paths if "_base_" not in p.relative_to(ROOT).parts
    )


def numbers_in(value) -> list[float]:
    """The numbers a metafile value holds: itself, those written in a string, in a list, or in a
    dict's keys and values (a key such as ``top-1 at 500 it`` names the 500 its value goes with)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, str):
        return [float(n) for n in NUMBER.findall(value)]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in numbers_in(str(k)) + numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    raise TypeError(f"Unexpected metafile value {value!r}.")


def plain(text: str) -> str:
    """Markdown text without emphasis and code marks, white space folded."""
    return " ".join(text.replace("**", "").replace("`", "").split())


def table_rows(markdown: str) -> list[tuple[list[str], list[str]]]:
    """(header cells, row cells) of every body row of every table in ``markdown``."""
    rows, header, in_table = [], None, False
    for line in markdown.splitlines():
        if not line.startswith("|"):
            header, in_table = None, False
            continue
        cells = [plain(c) for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not in_table:
            in_table = True  # the |---| line under the header
        else:
            rows.append((header, cells))
    return rows


def readme_numbers(locator: dict) -> list[float]:
    """The numbers a README prints where ``locator`` points.

    ``Row`` (with ``Columns``, optionally ``Rows``): the numbers in those columns of the table row
    whose first cell holds ``Row`` (and of the ``Rows - 1`` rows under it); ``Text``: the numbers
    after that text. ``Skip`` and ``Count`` take a slice of them (a sentence has no end: give
    ``Count``).
    """
    path = ROOT / locator["File"]
    markdown = path.read_text(encoding="utf-8")
    if "Row" in locator:
        rows, columns = table_rows(markdown), locator["Columns"]
        starts = [
            i
            for i, (header, cells) in enumerate(rows)
            if locator["Row"] in cells[0] and len(_columns(header, columns)) == len(columns)
        ]
        assert len(starts) == 1, (
            f"{path.name}: {len(starts)} rows of a table with columns {columns} name {locator['Row']!r}"
        )
        span = rows[starts[0] : starts[0] + locator.get("Rows", 1)]
        found = [
            n
            for header, cells in span
            for i in _columns(header, columns)
            for n in numbers_in(cells[i])
        ]
    else:
        assert "Count" in locator, f"{locator}: a Text locator needs a Count"
        text = plain(markdown)
        assert text.count(locator["Text"]) == 1, (
            f"{path.name}: {locator['Text']!r} is not there once"
        )
        found = numbers_in(text.split(locator["Text"], 1)[1])
    skip = locator.get("Skip", 0)
    found = found[skip : skip + locator["Count"]] if "Count" in locator else found[skip:]
    assert found, f"{path.name}: no number where {locator} points"
    return found


def _columns(header: list[str], columns: list[str]) -> list[int]:
    """Indices of the header cells that are, or begin with, one of ``columns`` (a word apart)."""
    return [
        i for i, h in enumerate(header) if any(h == c or h.startswith(c + " ") for c in columns)
    ]


def resolve(path: str, entry: Entry, result: dict | None):
    """A value of the metafiles: ``[entry:]key.key...``, ``Results.<Name>`` picking a result."""
    if ":" in path:
        name, path = path.split(":", 1)
        entry, result = BY_NAME[name], None
    keys = path.split(".")
    scopes = [result, entry.data] if result is not None and keys[0] in result else [entry.data]
    value = scopes[0]
    for key in keys:
        if isinstance(value, list):  # Results: pick by Name
            named = [r for r in value if r.get("Name") == key]
            assert len(named) == 1, f"{entry.name}: no single result named {key!r}"
            value = named[0]
        else:
            assert key in value, f"{entry.name}: no {key!r} in {path!r}"
            value = value[key]
    return value


def claims() -> list[tuple[Entry, dict | None, dict]]:
    """(entry, result or None, README locator) of every README locator in the metafiles."""
    found = []
    for entry in ENTRIES:
        for locator in entry.data.get("README", []):
            found.append((entry, None, locator))
        for result in entry.data.get("Results", []):
            for locator in result.get("README", []):
                found.append((entry, result, locator))
    return found


CLAIMS = claims()


def _claim_id(claim) -> str:
    entry, result, locator = claim
    where = locator.get("Row") or locator.get("Text")
    return f"{entry.name}:{locator['File']}:{where[:40]}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_entry_names_an_existing_config_and_runs_it(entry):
    config = entry.data["Config"]
    assert (ROOT / config).is_file(), f"{entry.metafile}: {config} does not exist"
    assert entry.name == Path(config).stem, (
        f"{entry.metafile}: Name {entry.name} is not {Path(config).stem}"
    )
    collections = {c["Name"] for c in yaml.safe_load(entry.metafile.read_text())["Collections"]}
    assert entry.data["In Collection"] in collections
    assert any(config in command for command in entry.data["Commands"]), f"no command runs {config}"
    assert entry.metafile.parent == (ROOT / config).parent, (
        f"{config} belongs in its folder's metafile"
    )


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_entry_is_measured_or_says_why_not(entry):
    results = entry.data.get("Results", [])
    evaluated_in = entry.data.get("Evaluated In", [])
    unmeasured = entry.data.get("Unmeasured", "")
    assert results or evaluated_in or unmeasured.strip(), (
        f"{entry.name}: no Results and no Unmeasured reason"
    )
    measured = [r for r in results if r.get("Source", "measured here") == "measured here"]
    assert not (measured and unmeasured), f"{entry.name}: measured here and unmeasured at once"
    for name in evaluated_in:
        assert name in BY_NAME, (
            f"{entry.name}: Evaluated In names {name!r}, which no metafile lists"
        )
    for result in results:
        assert result["Metrics"] and all(numbers_in(v) for v in result["Metrics"].values()), result
    for result in measured:
        assert result.get("README") or _is_referenced(entry, result), (
            f"{entry.name}: result {result.get('Name')!r} is measured here but no README locator prints it"
        )


def _is_referenced(entry: Entry, result: dict) -> bool:
    """Whether some README locator prints this result through a ``Results.<Name>`` path."""
    name = result.get("Name")
    for owner, _, locator in CLAIMS:
        for path in locator["Numbers"]:
            target, _, rest = path.rpartition(":") if ":" in path else (owner.name, "", path)
            if target == entry.name and rest.startswith(f"Results.{name}."):
                return True
            if target == entry.name and rest == f"Results.{name}":
                return True
    return False


def test_every_shipped_config_has_exactly_one_entry():
    listed = [entry.data["Config"] for entry in ENTRIES]
    assert len(listed) == len(set(listed)), "a config is listed twice"
    missing = sorted(set(shipped_configs()) - set(listed))
    assert not missing, f"configs without a metafile entry: {missing}"


@pytest.mark.parametrize("claim", CLAIMS, ids=_claim_id)
def test_readme_prints_the_metafile_numbers(claim):
    entry, result, locator = claim
    expected = [n for path in locator["Numbers"] for n in numbers_in(resolve(path, entry, result))]
    printed = readme_numbers(locator)
    assert sorted(printed) == pytest.approx(sorted(expected)), (
        f"{locator['File']} prints {printed} where {entry.metafile.relative_to(ROOT)} ({entry.name}) "
        f"has {expected}: update the one that is wrong"
    )


def test_the_number_reader_finds_an_edited_number(tmp_path, monkeypatch):
    table = "| model | top-1 |\n|---|---|\n| tiny | **95.1%** (top-5 100%) |\n"
    (tmp_path / "README.md").write_text(table + "\nIt gives R@1 74.9/70.3 here.\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert readme_numbers(dict(File="README.md", Row="tiny", Columns=["top-1"])) == [95.1, 100.0]
    assert readme_numbers(dict(File="README.md", Text="It gives", Count=2)) == [74.9, 70.3]
    (tmp_path / "README.md").write_text(table.replace("95.1", "95.2"))
    assert readme_numbers(dict(File="README.md", Row="tiny", Columns=["top-1"])) == [95.2, 100.0]
