"""The worked examples: one per shipped checklist, and each finalises from the command line."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from safe_check.catalog import shipped_files
from safe_check.paths import shipped_checklists

EXAMPLES = shipped_checklists() / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))
SHIPPED_IDS = sorted(p.stem for p in shipped_files())


def test_every_shipped_checklist_has_an_example() -> None:
    assert sorted(p.stem for p in EXAMPLE_FILES) == SHIPPED_IDS


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_names_a_shipped_checklist(path: Path) -> None:
    assert path.stem in SHIPPED_IDS


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
@pytest.mark.usefixtures("officer")
def test_every_example_finalises_with_start_answers(run: Callable[..., Result], path: Path) -> None:
    result = run("start", path.stem, "--answers", path)
    assert result.exit_code == 0, result.output
    record = json.loads(run("show", result.stdout.splitlines()[-1], "--json").stdout)
    assert (record["status"], record["checklist"]["id"]) == ("final", path.stem)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_examples_use_only_test_references(path: Path) -> None:
    meta = tomllib.loads(path.read_text(encoding="utf-8")).get("record", {})
    assert meta.get("subject_ref", "TEST-").startswith("TEST-")
