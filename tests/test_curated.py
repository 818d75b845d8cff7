"""Curated overrides (sources/curated/*.yaml) and merge candidates (review.csv)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.curated import read_curated
from kg.errors import CuratedError
from kg.pipeline import build, build_kb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    src = tmp_path / "sources"
    (src / "curated").mkdir(parents=True)
    shutil.copy(ROOT / "sources" / "jining-daily-page.txt", src)
    shutil.copy(ROOT / "sources" / "jining-daily-page.meta.yaml", src)
    return src


def test_near_duplicate_villages_are_review_candidates_not_merged(sources, tmp_path):
    report = build([sources], tmp_path / "out")
    rows = (tmp_path / "out" / "review.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("key_a,name_a,key_b,name_b")
    assert any("西柳村" in r and "西柳庄村" in r and "杨柳镇" in r for r in rows[1:])
    assert report.counts["AdministrativeArea"] == 22  # both villages are still there


def test_curated_decisions_win(sources):
    (sources / "curated" / "decisions.yaml").write_text(
        "pages:\n  - source: jining-daily-page\n    date: 2024-06-20\n    page: '3'\n"
        "merges:\n  - keep: 西柳庄村\n    merge: [西柳村]\n    reason: NBS list has only 西柳庄村\n"
        "aliases:\n  - alias: 山东省农业科学院\n    name: 省农科院\n"
        "not_entities:\n  - name: 刨根问底\n    type: Program\n"
        "facts:\n  - subject: 汶上县财政局\n    predicate: memberOf\n    object: 汶上县人民政府\n",
        encoding="utf-8")
    problems: list[str] = []
    kb = build_kb([sources], problems=problems)
    names = {e.name for e in kb.entities.values()}
    assert "西柳村" not in names and "西柳庄村" in names
    xlz = next(e for e in kb.entities.values() if e.name == "西柳庄村")
    assert "西柳村" in xlz.labels and xlz.attributes["curated"] == "true"
    assert not any(e.name == "刨根问底" for e in kb.entities.values())
    nky = next(e for e in kb.entities.values() if e.type == "Organization" and "省农科院" in [e.name, *e.labels])
    assert "山东省农业科学院" in [nky.name, *nky.labels]
    assert str(kb.articles[0].metadata.date) == "2024-06-20" and kb.articles[0].metadata.page == "3"
    assert any("汶上县人民政府" in p for p in problems)  # a fact naming no entity is reported, not invented
    assert not kb.merge_candidates


def test_invalid_curated_file_names_file_line_and_field_and_the_build_goes_on(sources, tmp_path):
    bad = sources / "curated" / "bad.yaml"
    bad.write_text("merges:\n  - keep: 西柳庄村\n    merge: []\n", encoding="utf-8")
    with pytest.raises(CuratedError) as err:
        read_curated(bad)
    msg = str(err.value)
    assert "bad.yaml:3" in msg and "merges.0.merge" in msg
    report = build([sources], tmp_path / "out")
    assert report.counts["articles"] == 8
    assert any("bad.yaml" in p for p in report.problems)
