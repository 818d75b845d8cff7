"""kg.iris and kg.rdf: IRIs, the ontology, the Dataset's terms and deterministic, atomic exports."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from conftest import A1, A2, BASE, PYTHON, TEXT1, TEXT2, span, subprocess_env
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Dataset, Graph, Literal, URIRef

from kg.iris import (
    KG,
    OA,
    PROV,
    SCHEMA,
    article_iri,
    curated_statement_iri,
    entity_iri,
    mention_iri,
    pinyin_label,
    quantity_iri,
    slug,
)
from kg.manifest import MANIFEST_FILE
from kg.models import KnowledgeBase, Relation
from kg.query import load_graph
from kg.rdf import EXPORTERS, quiet_rdflib, to_dataset, union_graph, write_exports
from kg.store import PROVENANCE_MODES

ONTOLOGY = Path(__file__).resolve().parent.parent / "schema" / "kg.ttl"
SCORED = {"AdministrativeArea", "Organization", "Program", "Person", "Place"}


def iri(key: str) -> URIRef:
    return URIRef(f"{BASE}/{key}")


# ------------------------------------------------------------------ iris


def test_slug_is_ascii_pinyin_words() -> None:
    assert slug("汶上县委组织部") == "wenshang-xianwei-zuzhibu"
    assert slug("泗水县杨柳镇") == "sishuixian-yangliuzhen"
    assert slug("G220国道") == "g220-guodao"
    assert slug("吕家村") == "lvjiacun"  # ü is written v
    assert slug("“金色学园”") == slug("金色学园")  # quotes only separate words


def test_slug_of_unspellable_text_is_still_distinct() -> None:
    assert slug("——").startswith("x-") and slug("……").startswith("x-")
    assert slug("——") != slug("……")


def test_pinyin_label_has_tone_marks_and_spaces() -> None:
    assert pinyin_label("汶上县委组织部") == "Wènshàng Xiànwěi Zǔzhībù"
    assert pinyin_label("泗水县") == "Sìshuǐxiàn"


def test_slug_spelling_is_pypinyin_plain_style_for_every_word_it_knows() -> None:
    """kg.iris spells a word once, tone-marked, and makes the slug's syllables plain itself: slugs are
    IRIs, so that must be exactly what Style.NORMAL gives, for every character and phrase in
    pypinyin's dictionaries (and a character it does not know, kept as printed)."""
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    from kg.iris import _spelled

    words = [chr(code) for code in PINYIN_DICT] + list(PHRASES_DICT) + ["\U00030000"]
    assert len(words) > 80_000
    differ = [w for w in words if _spelled.__wrapped__(w)[0] != re.sub(
        "[^a-z0-9]+", "", "".join(lazy_pinyin(w, style=Style.NORMAL)).lower())]
    assert differ == []
    assert _spelled("绿化") == ("lvhua", "Lǜhuà")


def test_iris_are_ascii_and_stable() -> None:
    assert entity_iri(BASE, "place/370831") == "https://kg.example.org/id/place/370831"
    assert article_iri(BASE + "/", "p1-01") == "https://kg.example.org/id/article/p1-01"
    assert mention_iri(BASE, "p1-01", 3, 6) == "https://kg.example.org/id/article/p1-01/mention/3-6"
    assert quantity_iri(BASE, "p1-01", 3, 9) == "https://kg.example.org/id/article/p1-01/quantity/3-9"
    assert entity_iri(BASE, "org/财政局") == "https://kg.example.org/id/org/%E8%B4%A2%E6%94%BF%E5%B1%80"


# ------------------------------------------------------------------ ontology


def test_ontology_labels_every_term_in_english_and_chinese() -> None:
    g = Graph().parse(ONTOLOGY)
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KG))}
    assert {KG.AdministrativeArea, KG.FunctionalZone, KG.Place, KG.Mention, KG.level, KG.mentionOf} <= terms
    for term in terms:
        langs = {o.language for o in g.objects(term, RDFS.label) if isinstance(o, Literal)}
        assert {"en", "zh"} <= langs, term
        assert any(True for _ in g.objects(term, RDFS.comment)), term
    for o in g.objects():
        if isinstance(o, Literal) and o.language:
            assert o.language == o.language.lower()


def test_ontology_subclasses_reach_the_scored_types() -> None:
    g = Graph().parse(ONTOLOGY)

    def up(cls: URIRef) -> set[str]:
        names = {re.split(r"[#/]", str(cls))[-1]}
        for parent in g.objects(cls, RDFS.subClassOf):
            assert isinstance(parent, URIRef)
            names |= up(parent)
        return names

    assert "AdministrativeArea" in up(KG.FunctionalZone)
    assert "Place" in up(KG.AdministrativeArea)
    assert up(KG.Place) & SCORED == {"Place"}
    assert "Organization" in up(KG.Organization) and "Person" in up(KG.Person)
    assert up(KG.Program) & SCORED == {"Program"}
    assert up(KG.Mention) & SCORED == set()


# ------------------------------------------------------------------ dataset


def test_one_named_graph_per_article_plus_entities_curated_sources_and_statistics(kb: KnowledgeBase) -> None:
    ds = to_dataset(kb, BASE)
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {f"{BASE}/article/{A1}", f"{BASE}/article/{A2}", f"{BASE}/graph/entities",
                     f"{BASE}/graph/curated", f"{BASE}/graph/sources", f"{BASE}/graph/statistics"}
    # the fixture's three figures (25.5万元, 1.7万平方米, 300余次): one summary per unit
    stats = ds.graph(URIRef(f"{BASE}/graph/statistics"))
    summaries = {str(stats.value(s, KG.unit)): (stats.value(s, KG.figureCount).toPython(),
                                                stats.value(s, KG.total).toPython(),
                                                stats.value(s, KG.smallest).toPython())
                 for s in stats.subjects(RDF.type, KG.UnitSummary)}
    assert summaries == {"CNY": (1, Decimal(255000), Decimal(255000)), "m2": (1, Decimal(17000), Decimal(17000)),
                         "次": (1, Decimal(300), Decimal(300))}
    curated = ds.graph(URIRef(f"{BASE}/graph/curated"))
    assert set(curated) == {  # nothing curated in the fixture: the graph only describes itself
        (URIRef(f"{BASE}/graph/curated"), RDF.type, PROV.Bundle),
        (URIRef(f"{BASE}/graph/curated"), RDFS.label, Literal("curated facts", lang="en")),
        (URIRef(f"{BASE}/graph/curated"), RDFS.label, Literal("人工整理的事实", lang="zh")),
        (URIRef(f"{BASE}/graph/curated"), RDFS.comment, curated.value(URIRef(f"{BASE}/graph/curated"), RDFS.comment)),
    }
    a1 = ds.graph(URIRef(f"{BASE}/article/{A1}"))
    assert (URIRef(f"{BASE}/article/{A1}"), RDF.type, SCHEMA.NewsArticle) in a1
    assert (iri("place/370831107202"), KG.runs, iri("program/siyi-liang-gongkai")) in a1
    entities = ds.graph(URIRef(f"{BASE}/graph/entities"))
    assert (iri("place/370831"), KG.divisionCode, Literal("370831")) in entities
    assert (iri("place/370831"), SCHEMA.containedInPlace, iri("place/370800")) in entities


def test_curated_entities_and_relations_go_to_the_curated_graph(kb: KnowledgeBase) -> None:
    entities = dict(kb.entities)
    lake = entities["place/weishanhu"]
    entities["place/weishanhu"] = lake.model_copy(update={"attributes": {"curated": "true"}})
    relations = [*kb.relations,
                 Relation(subject="place/weishanhu", predicate="locatedIn", object="place/370800",
                          rule="curated:sources/curated/places.yaml"),
                 Relation(subject="org/wenshangxian-caizhengju", predicate="operatesIn", object="place/370830",
                          article_id=A2, evidence=span(TEXT2, "汶上县财政局"), rule="curated-fact")]
    ds = to_dataset(kb.model_copy(update={"entities": entities, "relations": relations}), BASE)
    curated = ds.graph(URIRef(f"{BASE}/graph/curated"))
    entities_graph = ds.graph(URIRef(f"{BASE}/graph/entities"))
    assert (iri("place/weishanhu"), RDFS.label, Literal("微山湖", lang="zh")) in curated
    assert (iri("place/weishanhu"), None, None) not in entities_graph
    assert (iri("place/weishanhu"), SCHEMA.containedInPlace, iri("place/370800")) in curated
    record = URIRef(curated_statement_iri(BASE, "place/weishanhu", "locatedIn", "place/370800"))
    assert (record, KG.rule, Literal("curated:sources/curated/places.yaml")) in curated
    assert (record, PROV.wasDerivedFrom, URIRef(f"{BASE}/graph/curated")) in curated
    # a curated fact with an article keeps its evidence, in the curated graph
    records = [r for r in curated.subjects(KG.rule, Literal("curated-fact"))]
    assert len(records) == 1 and (records[0], KG.inArticle, URIRef(f"{BASE}/article/{A2}")) in curated
    assert (iri("place/370000"), None, None) in entities_graph


def test_entity_terms(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    county = iri("place/370831")
    assert (county, RDF.type, KG.AdministrativeArea) in g
    assert (county, RDFS.label, Literal("泗水县", lang="zh")) in g
    assert (county, RDFS.label, Literal("Sìshuǐxiàn", lang="zh-latn-pinyin")) in g
    assert (county, SKOS.altLabel, Literal("泗水", lang="zh")) in g
    assert (county, SKOS.altLabel, Literal("泗水县", lang="zh")) not in g  # the name is not repeated
    assert (county, KG.level, Literal("县")) in g
    assert (county, KG.linked, Literal(True)) in g
    assert (county, KG.qualifiedName, Literal("济宁市泗水县", lang="zh")) in g
    assert (iri("place/370800"), SCHEMA.containedInPlace, iri("place/370000")) in g
    zone = iri("place/taibaihu-xinqu")
    assert (zone, RDF.type, KG.FunctionalZone) in g
    assert (zone, RDF.type, KG.AdministrativeArea) not in g
    assert list(g.objects(zone, KG.divisionCode)) == []  # a functional zone has no GB/T 2260 code
    assert (iri("place/weishanhu"), RDF.type, KG.Place) in g
    bureau = iri("org/wenshangxian-caizhengju")
    assert (bureau, RDF.type, KG.Organization) in g
    assert (bureau, SKOS.altLabel, Literal("财政局", lang="zh")) in g
    assert (bureau, KG.operatesIn, iri("place/370830")) in g


def test_every_entity_has_a_chinese_label(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    for key, entity in kb.entities.items():
        zh = [o for o in g.objects(iri(key), RDFS.label) if isinstance(o, Literal) and o.language == "zh"]
        assert zh == [Literal(entity.name, lang="zh")], key


def test_article_terms(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    a1, a2 = URIRef(f"{BASE}/article/{A1}"), URIRef(f"{BASE}/article/{A2}")
    assert (a1, SCHEMA.headline, Literal("三个坚持 推动驻村工作提质增效", lang="zh")) in g
    assert (a1, KG.kicker, Literal("泗水县杨柳镇第一书记工作队", lang="zh")) in g
    assert (a1, KG.datelinePlace, Literal("泗水", lang="zh")) in g
    assert (a1, SCHEMA.author, iri("person/wu-xiulin")) in g
    assert (a1, SCHEMA.publisher, iri("org/jining-ribao")) in g
    assert (a1, SCHEMA.isPartOf, URIRef(f"{BASE}/source/page1")) in g
    assert set(g.objects(a1, SCHEMA.mentions)) == {
        iri("place/370831"), iri("place/370831107"), iri("place/370831107201"), iri("place/370831107202"),
        iri("program/siyi-liang-gongkai"), iri("person/wu-xiulin")}
    assert (a2, RDF.type, SCHEMA.Photograph) in g
    assert (a2, SCHEMA.creator, iri("person/zhang-ya")) in g
    assert (a2, SCHEMA.author, None) not in g
    assert (a2, KG.paragraphCount, Literal(2)) in g


# ------------------------------------------------------------------ provenance, full: W3C Web Annotation


def test_mention_has_position_and_quote_selectors(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance="full"))
    # 泗水县 in TEXT1: "本报泗水讯（通讯员 吴修林）" is 14 characters, so the span is [14, 17).
    m = URIRef(f"{BASE}/article/{A1}/mention/14-17")
    assert (m, RDF.type, KG.Mention) in g
    assert (m, RDF.type, OA.Annotation) in g and (m, OA.motivatedBy, OA.identifying) in g
    assert (m, KG.mentionOf, iri("place/370831")) in g
    assert (m, KG.inArticle, URIRef(f"{BASE}/article/{A1}")) in g
    target = URIRef(f"{m}#target")
    assert (m, OA.hasTarget, target) in g
    assert (target, OA.hasSource, URIRef(f"{BASE}/article/{A1}")) in g
    pos, quote = URIRef(f"{m}#pos"), URIRef(f"{m}#quote")
    assert (pos, RDF.type, OA.TextPositionSelector) in g
    assert (pos, OA.start, Literal("14", datatype=XSD.nonNegativeInteger)) in g
    assert (pos, OA.end, Literal("17", datatype=XSD.nonNegativeInteger)) in g
    assert (quote, RDF.type, OA.TextQuoteSelector) in g
    assert (quote, OA.exact, Literal("泗水县")) in g
    assert (quote, OA.prefix, Literal("讯（通讯员 吴修林）")) in g
    assert (quote, OA.suffix, Literal("杨柳镇岳家岭村第一书")) in g


def test_every_mention_has_both_selectors_with_exact_prefix_and_suffix(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance="full"))
    mentions = list(g.subjects(RDF.type, KG.Mention))
    assert len(mentions) == len(kb.mentions) == 9
    for m in mentions:
        target = g.value(m, OA.hasTarget)
        selectors = {g.value(sel, RDF.type): sel for sel in g.objects(target, OA.hasSelector)}
        assert set(selectors) == {OA.TextPositionSelector, OA.TextQuoteSelector}, m
        quote = selectors[OA.TextQuoteSelector]
        assert {p for p, _ in g.predicate_objects(quote)} == {RDF.type, OA.exact, OA.prefix, OA.suffix}, m


def test_quote_context_is_at_most_ten_characters_and_empty_at_the_edges(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance="full"))
    for p in (OA.prefix, OA.suffix):
        for o in g.objects(None, p):
            assert len(str(o)) <= 10
    # the dateline 本报 opens the text of article 1: nothing before it
    assert (URIRef(f"{BASE}/article/{A1}/relation/reportedBy-" + _digest(A1, "reportedBy", "org/jining-ribao", 0, 2)
                   + "#quote"), OA.prefix, Literal("")) in g
    # 张雅 摄 ends the photo caption: nothing after 摄
    zhang = URIRef(f"{BASE}/article/{A2}/mention/{TEXT2.index('张雅')}-{TEXT2.index('张雅') + 2}#quote")
    assert (zhang, OA.suffix, Literal(" 摄")) in g


def _digest(*parts: object) -> str:
    import hashlib

    return hashlib.sha1("\t".join(map(str, parts)).encode()).hexdigest()[:12]


def test_quantity_values_are_plain_decimals(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    rent = URIRef(f"{BASE}/article/{A1}/quantity/34-40")  # 25.5万元 after "…追缴土地租金"
    value = g.value(rent, SCHEMA.value)
    assert isinstance(value, Literal)
    assert str(value) == "255000" and value.datatype == XSD.decimal
    assert (rent, RDF.type, SCHEMA.QuantitativeValue) in g
    assert (rent, SCHEMA.unitText, Literal("CNY")) in g
    assert (rent, SCHEMA.unitCode, None) not in g  # CNY is not a UN/CEFACT unit code
    assert (rent, KG.qualifier, Literal("exact")) in g
    assert (rent, KG.measures, Literal("争取资金", lang="zh")) in g
    assert (rent, KG.about, iri("place/370831107201")) in g
    times = URIRef(f"{BASE}/article/{A1}/quantity/63-68")
    assert (times, SCHEMA.value, Literal("300", datatype=XSD.decimal)) in g
    assert (times, SCHEMA.unitText, Literal("次")) in g
    assert (times, KG.qualifier, Literal("more_than")) in g
    area = URIRef(f"{BASE}/article/{A2}/quantity/23-30")  # 1.7万平方米 given as Decimal('1.7E+4')
    assert (area, SCHEMA.value, Literal("17000", datatype=XSD.decimal)) in g
    assert (area, SCHEMA.unitCode, Literal("MTK")) in g


def test_range_quantity_has_min_and_max(kb: KnowledgeBase) -> None:
    q = kb.quantities[0].model_copy(update={"value": None, "min_value": Decimal("3"), "max_value": Decimal("5"),
                                            "unit": "年", "qualifier": "range"})
    g = union_graph(to_dataset(kb.model_copy(update={"quantities": [q]}), BASE))
    node = URIRef(f"{BASE}/article/{A1}/quantity/34-40")
    assert (node, SCHEMA.minValue, Literal("3", datatype=XSD.decimal)) in g
    assert (node, SCHEMA.maxValue, Literal("5", datatype=XSD.decimal)) in g
    assert (node, SCHEMA.value, None) not in g


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_relation_provenance_record(kb: KnowledgeBase, provenance: str) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance=provenance))
    records = list(g.subjects(RDF.subject, iri("place/370831107202")))
    assert len(records) == 1
    rec = records[0]
    assert (rec, RDF.predicate, KG.runs) in g
    assert (rec, KG.rule, Literal("test-runs")) in g
    assert (rec, KG.inArticle, URIRef(f"{BASE}/article/{A1}")) in g
    start = TEXT1.index("东琴柏村指导")
    if provenance == "full":
        quote = URIRef(f"{rec}#quote")
        assert (quote, OA.exact, Literal("东琴柏村指导“四议两公开”")) in g
        assert (URIRef(f"{rec}#pos"), OA.start, Literal(str(start), datatype=XSD.nonNegativeInteger)) in g
    else:
        assert (rec, KG.exact, Literal("东琴柏村指导“四议两公开”")) in g
        assert (rec, KG.start, Literal(str(start), datatype=XSD.nonNegativeInteger)) in g
        # 东琴柏村 4, 指导 2, the quotes 2 and 四议两公开 5: 13 characters
        assert (rec, KG.end, Literal(str(start + 13), datatype=XSD.nonNegativeInteger)) in g


def test_relations_and_quantities_are_derived_from_their_span_and_mentions(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE, provenance="full"))
    article = URIRef(f"{BASE}/article/{A1}")
    (rec,) = g.subjects(RDF.subject, iri("place/370831107202"))
    # evidence "东琴柏村指导“四议两公开”" holds the mentions of both ends of the relation
    village = TEXT1.index("东琴柏村")
    program = TEXT1.index("四议两公开")
    assert set(g.objects(rec, PROV.wasDerivedFrom)) == {
        article, URIRef(f"{rec}#target"),
        URIRef(f"{BASE}/article/{A1}/mention/{village}-{village + 4}"),
        URIRef(f"{BASE}/article/{A1}/mention/{program}-{program + 5}"),
    }
    rent = URIRef(f"{BASE}/article/{A1}/quantity/34-40")
    assert set(g.objects(rent, PROV.wasDerivedFrom)) == {article, URIRef(f"{rent}#target")}
    assert (rent, KG.evidence, URIRef(f"{rent}#target")) in g


# ------------------------------------------------------------------ provenance, compact (the default)


def test_compact_mention_has_offsets_and_exact_on_itself(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    m = URIRef(f"{BASE}/article/{A1}/mention/14-17")  # 泗水县 after the 14 characters of 本报泗水讯（通讯员 吴修林）
    assert set(g.predicate_objects(m)) == {
        (RDF.type, KG.Mention),
        (KG.mentionOf, iri("place/370831")),
        (KG.inArticle, URIRef(f"{BASE}/article/{A1}")),
        (KG.rule, Literal("test")),
        (KG.start, Literal("14", datatype=XSD.nonNegativeInteger)),
        (KG.end, Literal("17", datatype=XSD.nonNegativeInteger)),
        (KG.exact, Literal("泗水县")),
    }


def test_a_compact_graph_has_no_web_annotation_terms(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    for s, p, o in g:
        assert not any(str(t).startswith(str(OA)) for t in (p, o)), (s, p, o)
        assert "#" not in str(s) or str(s).startswith(str(KG)), s  # no …#target, #pos, #quote nodes


def test_every_compact_span_is_its_article_text(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    texts = {URIRef(f"{BASE}/article/{A1}"): TEXT1, URIRef(f"{BASE}/article/{A2}"): TEXT2}
    spans: dict[URIRef, set[str]] = {KG.Mention: set(), SCHEMA.QuantitativeValue: set(), RDF.Statement: set()}
    for node in g.subjects(KG.start, None):
        start, end, exact = (g.value(node, p) for p in (KG.start, KG.end, KG.exact))
        assert isinstance(start, Literal) and isinstance(end, Literal) and isinstance(exact, Literal)
        assert start.datatype == end.datatype == XSD.nonNegativeInteger and exact.datatype is None
        assert texts[g.value(node, KG.inArticle)][int(start):int(end)] == str(exact), node  # type: ignore[index]
        (kind,) = set(g.objects(node, RDF.type)) & set(spans)
        spans[kind].add(str(exact))
    # the printed strings the fixture's spans were found with (tests/conftest.py)
    assert spans == {
        KG.Mention: {"泗水县", "杨柳镇", "岳家岭村", "东琴柏村", "四议两公开", "吴修林", "汶上县财政局", "太白湖新区",
                     "张雅"},
        SCHEMA.QuantitativeValue: {"25.5万元", "300余次", "1.7万平方米"},
        RDF.Statement: {"东琴柏村指导“四议两公开”", "汶上县财政局", "杨柳镇岳家岭村", "本报"},
    }
    assert len(list(g.subjects(KG.start, None))) == len(kb.mentions) + len(kb.quantities) + len(kb.relations)


def test_compact_records_are_derived_from_their_mentions_and_in_their_article(kb: KnowledgeBase) -> None:
    g = union_graph(to_dataset(kb, BASE))
    article = URIRef(f"{BASE}/article/{A1}")
    (rec,) = g.subjects(RDF.subject, iri("place/370831107202"))
    village = TEXT1.index("东琴柏村")
    program = TEXT1.index("四议两公开")
    assert set(g.objects(rec, PROV.wasDerivedFrom)) == {
        URIRef(f"{BASE}/article/{A1}/mention/{village}-{village + 4}"),
        URIRef(f"{BASE}/article/{A1}/mention/{program}-{program + 5}"),
    }
    assert (rec, KG.inArticle, article) in g and (rec, KG.evidence, None) not in g
    rent = URIRef(f"{BASE}/article/{A1}/quantity/34-40")
    assert (rent, KG.inArticle, article) in g
    assert (rent, PROV.wasDerivedFrom, None) not in g and (rent, KG.evidence, None) not in g
    # kg:inArticle says prov:wasDerivedFrom in the ontology
    assert (KG.inArticle, RDFS.subPropertyOf, PROV.wasDerivedFrom) in Graph().parse(ONTOLOGY)


def test_compact_writes_eleven_triples_fewer_per_span(kb: KnowledgeBase) -> None:
    """Per span, full writes 14 triples and compact 3 (kg:start, kg:end, kg:exact).

    Full: a mention's oa:Annotation type, oa:motivatedBy and oa:hasTarget, a quantity's or record's
    kg:evidence and two prov:wasDerivedFrom (article and target); then the target (type, oa:hasSource,
    two oa:hasSelector), the position selector (type, start, end) and the quote selector (type, exact,
    prefix, suffix): 3 + 4 + 3 + 4.
    """
    compact, full = (len(union_graph(to_dataset(kb, BASE, provenance=p))) for p in ("compact", "full"))
    spans = len(kb.mentions) + len(kb.quantities) + len(kb.relations)  # every relation of the fixture has one
    assert full - compact == 11 * spans == 11 * 16


def test_an_unknown_provenance_mode_is_an_error(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="provenance must be one of compact, full, not 'short'"):
        to_dataset(kb, BASE, provenance="short")


def test_every_language_tag_is_lower_case(kb: KnowledgeBase) -> None:
    tags = {o.language for _, _, o, _ in to_dataset(kb, BASE).quads((None, None, None, None))
            if isinstance(o, Literal) and o.language}
    assert tags == {"zh", "zh-latn-pinyin", "en"}


def test_credit_relations_use_schema_terms(kb: KnowledgeBase) -> None:
    from kg.models import Relation

    credit = Relation(subject=A2, predicate="author", object="person/wu-xiulin", article_id=A2)
    g = union_graph(to_dataset(kb.model_copy(update={"relations": [credit]}), BASE))
    assert (URIRef(f"{BASE}/article/{A2}"), SCHEMA.author, iri("person/wu-xiulin")) in g
    assert (None, KG.author, None) not in g


def test_unknown_entity_reference_is_skipped_not_dangling(kb: KnowledgeBase) -> None:
    bad = kb.relations[0].model_copy(update={"object": "program/nowhere"})
    problems: list[str] = []
    g = union_graph(to_dataset(kb.model_copy(update={"relations": [bad]}), BASE, problems=problems))
    assert not any("nowhere" in str(o) for o in g.objects())
    assert problems == ["rdf: 'program/nowhere' is neither an entity key nor an article id; its triples are skipped"]


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_no_blank_nodes(kb: KnowledgeBase, provenance: str) -> None:
    for quad in to_dataset(kb, BASE, provenance=provenance).quads((None, None, None, None)):
        assert not any(isinstance(t, BNode) for t in quad[:3]), quad


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_base_iri_is_used_everywhere(kb: KnowledgeBase, provenance: str) -> None:
    g = union_graph(to_dataset(kb, "http://example.com/kg/", provenance=provenance))
    for s in g.subjects():
        assert str(s).startswith("http://example.com/kg/"), s


# ------------------------------------------------------------------ exports


def test_exporters_are_registered_by_format_name() -> None:
    assert {"turtle", "trig", "nquads", "ntriples", "json-ld"} <= set(EXPORTERS)
    assert {e.filename for e in EXPORTERS.values()} >= {"graph.ttl", "graph.trig", "graph.nq", "graph.nt",
                                                          "graph.jsonld"}


def test_ntriples_is_the_sorted_union(exports: dict[str, Path], kb: KnowledgeBase) -> None:
    lines = exports["ntriples"].read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines)) == len(union_graph(to_dataset(kb, BASE)))
    assert f'<{BASE}/place/370831> <http://www.w3.org/2000/01/rdf-schema#label> "泗水县"@zh .' in lines


def test_jsonld_embeds_the_schema_context(exports: dict[str, Path]) -> None:
    import json

    doc = json.loads(exports["json-ld"].read_text(encoding="utf-8"))
    context_file = Path(__file__).resolve().parent.parent / "schema" / "context.jsonld"
    assert doc["@context"] == json.loads(context_file.read_text(encoding="utf-8"))["@context"]
    graphs = {g["@id"]: g["@graph"] for g in doc["@graph"]}
    county = next(n for n in graphs[f"{BASE}/graph/entities"] if n["@id"] == f"{BASE}/place/370831")
    assert county["@type"] == ["kg:AdministrativeArea"]
    assert {"@value": "泗水县", "@language": "zh"} in county["rdfs:label"]
    rent = next(n for n in graphs[f"{BASE}/article/{A1}"] if n["@id"].endswith("/quantity/34-40"))
    assert rent["schema:value"] == [{"@value": "255000", "@type": "xsd:decimal"}]


def test_every_export_reads_back_with_rdflib_and_oxigraph(exports: dict[str, Path], kb: KnowledgeBase) -> None:
    ds = to_dataset(kb, BASE)
    n_triples = len(union_graph(ds))
    n_quads = sum(1 for _ in ds.quads((None, None, None, None)))
    assert n_quads > n_triples  # containedInPlace of 岳家岭村 is in the entities and the article graph
    for name, path in exports.items():
        expected = n_triples if name in ("turtle", "ntriples") else n_quads
        assert sum(1 for _ in load_graph(path).quads((None, None, None, None))) == expected, name
        store = pyoxigraph.Store()
        store.load(path=str(path))
        assert len(store) == expected, name


def test_turtle_keeps_the_decimal_lexical_form(graph_ttl: Path) -> None:
    text = graph_ttl.read_text(encoding="utf-8")
    assert 'schema:value "255000"^^xsd:decimal' in text
    g = Graph().parse(graph_ttl)
    values = {str(v) for v in g.objects(None, SCHEMA.value)}
    assert values == {"255000", "300", "17000"}
    store = pyoxigraph.Store()
    store.load(path=str(graph_ttl))
    quads = store.quads_for_pattern(None, pyoxigraph.NamedNode(str(SCHEMA.value)), None)
    ox_values = {q.object.value for q in quads if isinstance(q.object, pyoxigraph.Literal)}
    assert ox_values == values


def test_nquads_lines_are_sorted(exports: dict[str, Path]) -> None:
    lines = exports["nquads"].read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert f'"255000"^^<{XSD.decimal}> <{BASE}/article/{A1}> .' in "\n".join(lines)


def test_exports_are_byte_identical_across_runs(tmp_path: Path, kb: KnowledgeBase,
                                                exports: dict[str, Path]) -> None:
    again = write_exports(to_dataset(kb, BASE), tmp_path / "again")
    for name, path in exports.items():
        assert path.read_bytes() == again[name].read_bytes(), name


def test_every_export_is_byte_identical_under_two_hash_seeds(tmp_path: Path) -> None:
    """RDF exports and the Gephi files (GraphML, GEXF, CSV) of the fixture, written in two processes."""
    code = ("import sys; from pathlib import Path; from conftest import make_kb, BASE; "
            "from kg.rdf import to_dataset, write_exports; from kg.views import write_view_exports; "
            "ds = to_dataset(make_kb(), BASE); out = Path(sys.argv[1]); "
            "write_exports(ds, out); write_view_exports(ds, out)")
    runs = {seed: tmp_path / f"seed-{seed}" for seed in ("1", "4242")}
    procs = [subprocess.Popen([PYTHON, "-c", code, str(out)], env=subprocess_env(PYTHONHASHSEED=seed))
             for seed, out in runs.items()]
    assert [p.wait() for p in procs] == [0, 0]
    first, second = (sorted(p.name for p in out.iterdir()) for out in runs.values())
    assert first == second == sorted(["graph.ttl", "graph.trig", "graph.nq", "graph.nt", "graph.jsonld",
                                      "graph.graphml", "graph.gexf", "graph.nodes.csv", "graph.edges.csv"])
    for name in first:
        assert (runs["1"] / name).read_bytes() == (runs["4242"] / name).read_bytes(), name


def test_the_sample_build_is_byte_identical_under_two_hash_seeds(tmp_path: Path) -> None:
    """The whole pipeline on the sample page, twice, with different PYTHONHASHSEED: every file the same."""
    root = Path(__file__).resolve().parent.parent
    runs = {seed: tmp_path / f"seed-{seed}" for seed in ("7", "31337")}
    procs = [subprocess.Popen([PYTHON, "-m", "kg", "build", str(root / "sources"), "--out", str(out)],
                              env=subprocess_env(PYTHONHASHSEED=seed), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for seed, out in runs.items()]
    assert [p.wait() for p in procs] == [0, 0]
    names = sorted(p.name for p in runs["7"].iterdir())
    assert names == sorted(p.name for p in runs["31337"].iterdir()) and len(names) >= 10
    # the build manifest records the files' modification times; its digest of the inputs is the same
    names.remove(MANIFEST_FILE)
    digests = {json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))["inputs"] for out in runs.values()}
    assert len(digests) == 1
    for name in names:
        assert (runs["7"] / name).read_bytes() == (runs["31337"] / name).read_bytes(), name


def test_failed_export_writes_nothing(tmp_path: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.ttl").write_text("old", encoding="utf-8")

    def broken(ds: Dataset) -> bytes:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(EXPORTERS, "json-ld", EXPORTERS["json-ld"].__class__("json-ld", "graph.jsonld", broken))
    with pytest.raises(RuntimeError):
        write_exports(to_dataset(kb, BASE), out)
    assert sorted(p.name for p in out.iterdir()) == ["graph.ttl"]  # no temporary files, no partial exports
    assert (out / "graph.ttl").read_text(encoding="utf-8") == "old"


def test_quiet_rdflib_hides_only_rdflib_internal_deprecations() -> None:
    import warnings

    with quiet_rdflib(), pytest.raises(DeprecationWarning, match="something else"):
        warnings.warn("something else", DeprecationWarning, stacklevel=1)


def test_merge_candidates_get_a_record_with_an_evidence_string(kb: KnowledgeBase) -> None:
    pair = Relation(subject="place/370831107201", predicate="mergeCandidate", object="place/370831107202",
                    rule="review: names one character apart under the same parent (岳家岭村 / 东琴柏村)")
    row = {"key_a": "place/370831107201", "name_a": "岳家岭村", "key_b": "place/370831107202", "name_b": "东琴柏村",
           "type": "AdministrativeArea", "parent": "杨柳镇", "reason": "names one character apart",
           "evidence": f"{A1}@23;{A1}@40"}
    ds = to_dataset(kb.model_copy(update={"relations": [pair], "merge_candidates": [row]}), BASE)
    entities = ds.graph(URIRef(f"{BASE}/graph/entities"))
    assert (iri("place/370831107201"), KG.mergeCandidate, iri("place/370831107202")) in entities
    (record,) = entities.subjects(RDF.predicate, KG.mergeCandidate)
    assert str(record).startswith(f"{BASE}/graph/entities/relation/mergeCandidate-")
    assert (record, RDF.subject, iri("place/370831107201")) in entities
    assert (record, KG.evidence, Literal(f"names one character apart; mentions: {A1}@23;{A1}@40")) in entities
    # without a review row the rule's text is the evidence
    ds = to_dataset(kb.model_copy(update={"relations": [pair]}), BASE)
    assert set(union_graph(ds).objects(None, KG.evidence)) >= {
        Literal("names one character apart under the same parent (岳家岭村 / 东琴柏村)")}


def test_funds_name_their_recipients(kb: KnowledgeBase) -> None:
    rent = kb.quantities[0].model_copy(update={"recipients": ["place/370831107201", "place/nowhere"]})
    problems: list[str] = []
    g = union_graph(to_dataset(kb.model_copy(update={"quantities": [rent]}), BASE, problems=problems))
    assert set(g.objects(None, KG.recipient)) == {iri("place/370831107201")}
    assert len(problems) == 1 and "place/nowhere" in problems[0]


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_every_kg_term_written_is_defined_in_the_ontology(kb: KnowledgeBase, provenance: str) -> None:
    onto = Graph().parse(ONTOLOGY)
    defined = {s for s in onto.subjects(RDF.type, None) if str(s).startswith(str(KG))}
    used: set[URIRef] = set()
    for _s, p, o, _g in to_dataset(kb, BASE, provenance=provenance).quads((None, None, None, None)):
        used.add(p)  # type: ignore[arg-type]
        if p == RDF.type:
            used.add(o)  # type: ignore[arg-type]
    used = {t for t in used if str(t).startswith(str(KG))}
    used |= {KG.recipient, KG.mergeCandidate, KG.evidence}
    assert used - defined == set()
