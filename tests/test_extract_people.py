"""Officials named with titles, padded roster names, and later bare mentions (hand-worked sentences)."""

from __future__ import annotations

import pytest

from kg.extract import extract
from kg.extract.people import extract_officials
from kg.layout import layout
from kg.models import Article, SourceDocument
from kg.resolve import resolve


def _art(text: str) -> Article:
    return Article(id="x", source_id="s", index=1, text=text, source_lines=(1, 1))


@pytest.mark.parametrize(("text", "expected"), [
    ("镇党委书记刘振东表示，要把工作做实。", [("刘振东", "党委书记")]),
    ("县委书记：王 锐\n县长：李建国", [("王锐", "县委书记"), ("李建国", "县长")]),
    ("县委副书记、县长王海军带队调研。", [("王海军", "县长")]),
    ("村第一书记张伟积极争取资金。", [("张伟", "第一书记")]),
    ("书记强调，要抓落实。", []),
    ("党支部书记带领党员开展活动。", []),
])
def test_titled_names(text, expected):
    got = [(m.name, m.subtype) for m in extract_officials(_art(text)) if m.rule == "title-name"]
    assert got == expected


def test_bare_mentions_resolve_to_the_titled_person_with_role_and_body():
    page = ("本报沂南讯（通讯员 李明）近日，岸堤镇党委书记刘振东带队走访王庄村。王庄村第一书记张伟积极"
            "争取资金20万元，刘振东表示，要把好事办实。\n\n沂南县\n\n标题在这里\n")
    doc = SourceDocument(id="t", path="t.txt", sha256="0", encoding="utf_8", text=page)
    kb = resolve([extract(a) for a in layout(doc)])
    liu = [rm for rm in kb.mentions if rm.mention.surface == "刘振东"]
    assert len(liu) == 2 and len({rm.entity for rm in liu}) == 1
    person = kb.entities[liu[0].entity]
    assert person.attributes["roles"] == "党委书记"
    rels = {(r.subject, r.predicate, kb.entities[r.object].name) for r in kb.relations if r.object in kb.entities}
    assert (person.key, "memberOf", "岸堤镇党委") in rels
    zhang = next(rm.entity for rm in kb.mentions if rm.mention.surface == "张伟")
    assert (zhang, "servesIn", "王庄村") in rels


@pytest.mark.parametrize(("text", "expected"), [
    ("种植户王保林高兴地说。", ["王保林"]),
    ("村民李秀兰说：“好。”", ["李秀兰"]),
    ("王庄村村民满是笑意。", []),
    ("村民们说，路修好了。", []),
])
def test_quoted_speakers(text, expected):
    from kg.extract.people import extract_speakers

    assert [m.name for m in extract_speakers(_art(text))] == expected


def test_padded_photographer_name():
    page = "近日，游客在海边戏水。\n■本报记者 陈 晨 摄\n"
    doc = SourceDocument(id="t", path="t.txt", sha256="0", encoding="utf_8", text=page)
    [a] = layout(doc)
    assert a.kind == "photo" and a.photographers == ["陈晨"]
