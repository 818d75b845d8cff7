"""Layout of the sample page against the gold annotation (tests/data/seed_gold.json, a copy of
../shared/eval/seed_gold.json), plus hand-worked pages for the rules the sample does not show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.layout import display_width, ends_sentence, layout, parse_credits
from kg.models import SourceDocument
from kg.sources import read_source

ROOT = Path(__file__).resolve().parents[1]
GOLD = json.loads((ROOT / "tests" / "data" / "seed_gold.json").read_text(encoding="utf-8"))["articles"]


@pytest.fixture(scope="module")
def articles():
    return layout(read_source(ROOT / "sources" / "jining-daily-page.txt"))


def _doc(text: str) -> SourceDocument:
    return SourceDocument(id="t", path="t.txt", sha256="0", encoding="utf_8", text=text)


def test_sample_has_six_articles_and_two_captions(articles):
    assert len(articles) == len(GOLD) == 8
    assert [a.kind for a in articles] == ["article" if g["kind"] == "article" else "photo" for g in GOLD]


@pytest.mark.parametrize("i", range(8))
def test_sample_article_matches_gold(articles, i):
    a, g = articles[i], GOLD[i]
    assert a.headline == g["headline"]
    assert a.kicker == g["kicker"]
    assert a.dateline_place == g["dateline_place"]
    assert a.correspondents == g["correspondents"]
    assert (a.photographers or [None])[0] == g["photographer"]
    flat = a.text.replace("\n", "")
    assert flat.startswith(g["first_chars"])
    assert flat.endswith(g["last_chars"])
    assert len(a.paragraphs) == g["paragraph_count"]
    assert list(a.source_lines) == g["source_lines"]


def test_body_characters_all_come_from_the_source_in_order(articles):
    source = (ROOT / "sources" / "jining-daily-page.txt").read_text(encoding="utf-8")
    stream = iter(source)
    for a in articles:
        for ch in a.text.replace("\n", ""):
            assert any(c == ch for c in stream), f"{a.id}: {ch!r} not found in order"


def test_paragraph_spans_tile_the_text(articles):
    for a in articles:
        assert a.paragraphs[0].start == 0 and a.paragraphs[-1].end == len(a.text)
        for p, q in zip(a.paragraphs, a.paragraphs[1:], strict=False):
            assert a.text[p.end] == "\n" and q.start == p.end + 1


def test_byline_spans_index_the_text(articles):
    for a in articles:
        for b in a.bylines:
            assert b.span is not None and a.text[b.span.start:b.span.end] == b.name


def test_reporter_and_correspondent_roles_and_padded_names():
    got = parse_credits("记者 王 锐 通讯员 李某某", 0)
    assert [(b.name, b.role) for b in got] == [("王锐", "记者"), ("李某某", "通讯员")]


def test_column_break_blank_line_is_not_a_paragraph():
    page = ("本报讯（记者 张明）今年以来，某县坚持以党建引领基层\n治理，推动\n\n"
            "工作落实。全年开展活动十二次。\n\n第二段的文字写在这里，一直写到句号为止。\n\n"
            "某县\n\n标题在正文之后\n")
    [a] = layout(_doc(page))
    assert a.kicker == "某县" and a.headline == "标题在正文之后"
    assert a.dateline_place is None and a.correspondents == ["张明"]
    assert len(a.paragraphs) == 2
    assert "推动工作落实" in a.text


def test_helpers():
    assert display_width("ab中") == 2.0
    assert ends_sentence("完成。”") and not ends_sentence("“小秘书”")
