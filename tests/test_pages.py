"""Pages of this genre written for kg's evaluation (tests/pages/: half of them by a writer who had not
seen kg's rules), each aimed at one phenomenon, scored by kg's own evaluation against its gold file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.evaluate import evaluate
from kg.pipeline import build

PAGES = Path(__file__).resolve().parent / "pages"
NAMES = sorted(p.name.removesuffix(".gold.json") for p in PAGES.glob("*.gold.json"))


def test_there_are_eight_pages_at_least():
    assert len(NAMES) >= 8


@pytest.mark.parametrize("name", NAMES)
def test_page_scores_at_least_080(name: str, tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    for suffix in (".txt", ".meta.yaml"):
        shutil.copy(PAGES / f"{name}{suffix}", src)
    build([src], tmp_path / "out")
    report = evaluate(tmp_path / "out" / "graph.ttl", PAGES / f"{name}.gold.json")
    assert report.f1 >= 0.80, report.format()
