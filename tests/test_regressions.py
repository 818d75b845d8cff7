"""Bugs found by a new user on real input, one test each (named after what broke)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "sources" / "jining-daily-page.txt"


def test_dated_page_with_numeric_page_number_builds_with_timeline_dates(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(PAGE, src)
    (src / "jining-daily-page.meta.yaml").write_text("newspaper: 济宁日报\ndate: 2024-06-20\npage: 3\n",
                                                    encoding="utf-8")
    report = build([src], tmp_path / "out", cache=False)
    assert report.counts["articles"] == 8
    gexf = (tmp_path / "out" / "graph.gexf").read_text(encoding="utf-8")
    assert 'start="2024-06-20"' in gexf


def test_dated_jsonl_record_builds(tmp_path: Path):
    rec = {"text": PAGE.read_text(encoding="utf-8"), "newspaper": "济宁日报", "date": "2024-06-20", "page": 3}
    (tmp_path / "c.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    report = build([tmp_path / "c.jsonl"], tmp_path / "out", cache=False)
    assert report.counts["articles"] == 8


def test_a_failed_export_leaves_the_previous_build_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "out"
    build([ROOT / "sources"], out, cache=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("views failed")

    monkeypatch.setattr("kg.views.write_view_exports", broken)
    src = tmp_path / "src"
    src.mkdir()
    page = "本报讯（通讯员 张三）汶上县财政局拨付资金30万元。\n\n汶上县\n\n标题\n"
    (src / "p.txt").write_text(page, encoding="utf-8")
    with pytest.raises(RuntimeError):
        build([src], out, cache=False)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith(".kg-build-")]
