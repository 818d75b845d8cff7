"""kg.explain: the sentences that support an entity or a fact, with headline and offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import A1, A2, BASE, TEXT1, TEXT2
from rdflib import RDF, Graph, URIRef

from kg.errors import KgError
from kg.explain import explain, explain_graph, sentence_around
from kg.iris import KG
from kg.models import KnowledgeBase
from kg.query import run_query
from kg.rdf import to_dataset, union_graph
from kg.store import PROVENANCE_MODES

HEADLINE = "三个坚持 推动驻村工作提质增效"
# The sentences of sources/jining-daily-page.txt that name 岳家岭村, copied from the page with its hard
# line breaks and column-break blank lines removed (lines 37-41, 52-57 and 69-77).
YUEJIALING = [
    "岳家岭村第一书记依据相关合同条款，追缴土地租金20万元；东琴柏村第一书记多方联系，将村中闲置的厂房对外租赁，"
    "每年增加9万元的村集体收入。",
    "楚夏寺村第一书记为村引进一次性拖鞋加工项目，带动周边20余名村民实现家门口就业，每人每年可增加收入近3万元；"
    "岳家岭村第一书记积极与驻地企业对接，成立村级劳务合作社，解决30余名闲散劳动力再就业问题。",
    "他们还聚焦基础设施薄弱点，利用帮扶资金修缮帮扶村道路1.7万平方米；岳家岭村、西柳村、谷家庄村、河套园村第一书记"
    "共争取资金25.5万元，安装路灯280盏，更换路灯30盏，为群众夜间出行提供便利；白溪村第一书记争取公益奖补资金9万元，"
    "用于修缮升级村内文化广场；兴岭村第一书记争取自来水改造提升项目，在村铺设自来水管道3000余米。",
]


def test_sentence_around_stops_at_chinese_sentence_ends_and_line_breaks() -> None:
    text = "甲乙。丙丁戊！己\n庚辛？"
    assert sentence_around(text, 3, 4) == (3, 7)  # 丙丁戊！ with its ！
    assert sentence_around(text, 0, 1) == (0, 3)
    assert sentence_around(text, 7, 8) == (7, 8)  # 己 ends at the line break, which is left out
    assert sentence_around(text, 9, 10) == (9, 12)
    assert sentence_around("没有句号", 1, 2) == (0, 4)
    assert sentence_around(text, 1, 5) == (0, 7)  # a span across a sentence end takes both sentences


def test_explain_yuejialing_prints_the_sample_sentences_that_mention_it(sample_build: Path) -> None:
    graph = sample_build / "graph.ttl"
    q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT ?e WHERE { ?e rdfs:label \"岳家岭村\"@zh }")
    (village,), *_ = run_query(graph, q)[1]
    assert village is not None
    (explanation,) = explain(graph, village)
    assert explanation.kind == "entity" and explanation.label == "岳家岭村"
    assert sorted(s.sentence for s in explanation.supports) == sorted(YUEJIALING)
    g = union_graph(Graph().parse(graph))
    for s in explanation.supports:
        text = str(g.value(URIRef(s.article), URIRef("https://schema.org/text")))
        assert text[s.start:s.end] == "岳家岭村" == s.exact
        assert text[s.sentence_start:s.sentence_end] == s.sentence
        assert s.headline == HEADLINE
    text = explanation.format()
    assert text.startswith(f"岳家岭村 <{village}> AdministrativeArea\n")
    assert HEADLINE in text and all(sentence in text for sentence in YUEJIALING)
    assert [e.iri for e in explain(graph, "岳家岭村")] == [village]  # the name works as well as the IRI


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_explain_a_relation_record_gives_its_evidence_sentence(kb: KnowledgeBase, provenance: str) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance=provenance))
    (record,) = g.subjects(RDF.predicate, KG.runs)
    (e,) = explain_graph(g, f"<{record}>")
    assert e.kind == "relation" and e.fact == "东琴柏村 runs 四议两公开"
    # TEXT1 has one 。, at its end (；does not end a sentence): every span is in the one sentence
    assert {(s.via, s.exact, s.sentence) for s in e.supports} == {
        ("evidence", "东琴柏村指导“四议两公开”", TEXT1), ("mention", "东琴柏村", TEXT1),
        ("mention", "四议两公开", TEXT1)}
    assert "rule: test-runs" in e.notes
    assert "东琴柏村指导“四议两公开”" in e.format()
    start = TEXT1.index("东琴柏村指导")
    assert {(s.start, s.end) for s in e.supports} == {(start, start + 13), (start, start + 4),
                                                      (start + 7, start + 12)}


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_explain_a_quantity_a_mention_and_an_unmentioned_place(kb: KnowledgeBase, provenance: str) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance=provenance))
    (q,) = explain_graph(g, f"{BASE}/article/{A2}/quantity/23-30")
    assert q.kind == "quantity" and q.fact == "17000 m2 (新建场地)"
    (s,) = q.supports
    assert (s.exact, s.sentence, s.headline) == ("1.7万平方米", TEXT2.split("\n")[0], None)
    # 汶上县财政局工作人员在太白湖新区走访，新建场地 is 23 characters
    assert (s.start, s.end, s.via) == (23, 30, "quantity")
    assert "(no headline)" in q.format()
    (m,) = explain_graph(g, f"{BASE}/article/{A1}/mention/14-17")
    assert m.kind == "mention" and m.label == "泗水县"
    assert [(x.exact, x.start, x.end) for x in m.supports] == [("泗水县", 14, 17)]
    (province,) = explain_graph(g, "山东省")
    assert province.supports == []
    assert province.notes == ["no mention: taken from the gazetteer (kg:linked true) as the parent of 济宁市"]


def test_explain_something_missing_is_an_error(kb: KnowledgeBase) -> None:
    with pytest.raises(KgError, match="nothing in the graph is '不存在村'"):
        explain_graph(to_dataset(kb, BASE), "不存在村")


def test_explain_reads_a_compact_span_with_no_kg_exact_from_the_text(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    m = URIRef(f"{BASE}/article/{A1}/mention/14-17")
    g.remove((m, KG.exact, None))
    (e,) = explain_graph(g, f"<{m}>")
    assert [(s.exact, s.start, s.end, s.sentence) for s in e.supports] == [("泗水县", 14, 17, TEXT1)]
