"""Resolution by jurisdiction: hand-worked pages with same-name villages, gazetteer codes, qualified
and abbreviated organization names (expected values worked out by hand from GB/T 2260 and the NBS
fixture in tests/fixtures/nbs_small.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import extract
from kg.gazetteer import Gazetteer
from kg.layout import layout
from kg.models import KnowledgeBase, SourceDocument
from kg.resolve import expand_abbreviations, resolve

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nbs_small.csv"

PAGE = (
    "本报泗水讯（通讯员 李明）杨柳镇孔家村、杨柳村开展环境整治，杨柳村第一书记张伟带队清理垃圾。\n\n"
    "泗水县\n\n泗水县整治人居环境\n\n"
    "本报汶上讯（通讯员 王强）杨店镇杨柳村、王海村建成光伏电站，县委组织部、财政局联合验收。\n\n"
    "汶上县\n\n汶上县光伏电站建成\n"
)


def _kb(text: str, gaz: Gazetteer | None = None, newspaper: str | None = "济宁日报") -> KnowledgeBase:
    doc = SourceDocument(id="t", path="t.txt", sha256="0", encoding="utf_8", text=text)
    doc.metadata.newspaper = newspaper
    g = gaz or Gazetteer.default()
    return resolve([extract(a, g) for a in layout(doc)], g)


def _places(kb: KnowledgeBase, name: str):
    return [e for e in kb.entities.values() if e.name == name and e.type == "AdministrativeArea"]


def test_same_name_villages_in_two_counties_stay_two_entities():
    kb = _kb(PAGE)
    villages = _places(kb, "杨柳村")
    assert len(villages) == 2
    parents = sorted(kb.entities[v.parent].name for v in villages)  # type: ignore[index]
    assert parents == ["杨店镇", "杨柳镇"]
    assert {kb.entities[kb.entities[v.parent].parent].code for v in villages} == {"370830", "370831"}  # type: ignore[index]


def test_unlinked_names_are_kept_flagged_and_attached_to_the_nearest_parent():
    kb = _kb(PAGE)
    [town] = _places(kb, "杨柳镇")
    assert town.code is None and town.linked is False and town.parent == "place/370831"


def test_nbs_table_links_towns_and_villages_with_their_codes():
    gaz = Gazetteer.default()
    gaz.add_nbs_table(FIXTURE)
    kb = _kb(PAGE, gaz)
    codes = sorted(v.code for v in _places(kb, "杨柳村"))
    assert codes == ["370830111225", "370831107209"]
    [town] = _places(kb, "杨柳镇")
    assert town.code == "370831107" and town.linked and town.parent == "place/370831"
    assert [e.code for e in _places(kb, "孔家村")] == ["370831107201"]


def test_generic_bodies_are_qualified_by_their_article_place():
    kb = _kb(PAGE)
    orgs = {e.name for e in kb.entities.values() if e.type == "Organization"}
    assert {"汶上县委组织部", "汶上县财政局"} <= orgs


def test_abbreviations_and_defined_short_forms_resolve_to_one_body():
    assert expand_abbreviations("山东省农科院") == "山东省农业科学院"
    assert expand_abbreviations("济宁市人社局") == "济宁市人力资源和社会保障局"
    page = ("本报讯（通讯员 李明）近日，济宁市人力资源和社会保障局（以下简称“市人社局”）召开会议。会上，"
            "市人社局通报了情况，省农科院、山东省农业科学院专家参加。\n\n济宁市\n\n标题\n")
    kb = _kb(page)
    orgs = [e for e in kb.entities.values() if e.type == "Organization" and e.subtype != "媒体"]
    assert len(orgs) == 2
    assert {"市人社局"} <= set(next(o for o in orgs if "人力资源" in o.name).labels)


def test_functional_zone_has_no_invented_code():
    kb = _kb("本报济宁讯（通讯员 李明）今年以来，太白湖新区推进项目建设。\n\n太白湖新区\n\n标题\n")
    [zone] = _places(kb, "太白湖新区")
    assert zone.subtype == "功能区" and zone.code is None and zone.parent == "place/370800"


def test_level_prefix_means_the_articles_own_county_not_a_neighbour_named_later():
    page = ("本报宁阳讯（通讯员 李明）宁阳县东邻新泰市，北与肥城市相望。县人民政府驻文庙街道，县委组织部"
            "牵头开展培训。\n\n宁阳县\n\n标题\n")
    kb = _kb(page, newspaper="泰安日报")
    orgs = {e.name for e in kb.entities.values() if e.type == "Organization" and e.subtype != "媒体"}
    assert orgs == {"宁阳县人民政府", "宁阳县委组织部"}


def test_party_committee_short_and_formal_names_are_one_body():
    assert expand_abbreviations("宁阳县委") == "中共宁阳县委员会"
    page = "本报讯（通讯员 李明）中共宁阳县委员会召开全会，县委书记王锐讲话。\n\n宁阳县\n\n标题\n"
    kb = _kb(page, newspaper="泰安日报")
    committees = [e for e in kb.entities.values()
                  if e.type == "Organization" and "委员会" in e.name + "".join(e.labels)]
    assert len(committees) == 1 and "县委" in committees[0].labels


SHARED_TABLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "jining_3708_divisions_2021.csv"


@pytest.mark.skipif(not SHARED_TABLE.exists(), reason="the real 济宁 NBS table is in ../shared/data, not in a clone")
def test_real_nbs_table_links_the_sample_villages():
    from kg.pipeline import build_kb

    kb = build_kb([Path(__file__).resolve().parents[1] / "sources"], gazetteer=SHARED_TABLE)
    codes = {e.name: e.code for e in kb.entities.values() if e.subtype == "村"}
    assert codes["岳家岭村"] == "370831107244" and codes["西柳庄村"] == "370831107217"
    assert codes["西柳村"] is None  # not in the 2021 list: kept, unlinked, and a merge candidate
    assert any(r["name_a"] == "西柳村" and r["name_b"] == "西柳庄村" for r in kb.merge_candidates)
