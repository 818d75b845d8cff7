"""The matching view: traditional script, half-width punctuation and full-width digits."""

from __future__ import annotations

from kg.extract import extract
from kg.layout import layout
from kg.models import SourceDocument
from kg.normalize import matching_text


def test_view_keeps_length_and_simplifies():
    src = "本報訊（記者 王銳）臺灣縣黨委書記劉振東表示,鄉村「三個一」工程投入１,２００萬元"
    view = matching_text(src)
    assert len(view) == len(src)
    assert view.startswith("本报讯（记者 王锐）")
    assert "，乡村“三个一”工程" in view
    assert view.endswith("1,200万元")  # a thousands separator between digits stays


def test_traditional_page_extracts_like_simplified():
    page = ("本報臨沂訊（記者 王 銳 通訊員 李明）今年以來,沂南縣岸堤鎮黨委推行“支部+合作社”模式,"
            "帶動王莊村、李家莊村兩千餘戶群眾增收3000餘萬元。\n\n沂南縣\n\n黨建引領鄉村振興\n")
    doc = SourceDocument(id="t", path="t.txt", sha256="0", encoding="utf_8", text=page)
    [a] = layout(doc)
    assert a.kicker == "沂南縣" and a.headline == "黨建引領鄉村振興"
    assert a.dateline_place == "臨沂" and a.correspondents == ["王銳", "李明"]
    ex = extract(a)
    names = {(m.type, m.name or m.surface) for m in ex.mentions}
    assert {("AdministrativeArea", "沂南县"), ("AdministrativeArea", "岸堤镇"), ("AdministrativeArea", "王庄村"),
            ("AdministrativeArea", "李家庄村")} <= names
    for m in ex.mentions:
        assert a.text[m.span.start:m.span.end] == m.surface  # spans index the printed text
    assert [(q.surface, q.value, q.unit) for q in ex.quantities] == [
        ("兩千餘戶", 2000, "户"), ("3000餘萬元", 30000000, "CNY")]
