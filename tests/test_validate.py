"""kg.validate: the SHACL shapes pass on what kg writes and name the node on hand-broken graphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import A1, BASE
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from kg.errors import ValidationError
from kg.iris import KG, OA, SCHEMA
from kg.models import KnowledgeBase
from kg.pipeline import BuildReport
from kg.rdf import to_dataset, union_graph, write_exports
from kg.store import PROVENANCE_MODES
from kg.validate import SHAPES_FILE, validate_file, validate_graph


def iri(key: str) -> URIRef:
    return URIRef(f"{BASE}/{key}")


@pytest.fixture
def graph(kb: KnowledgeBase) -> Graph:
    """The fixture with compact provenance (kg build's default)."""
    return union_graph(to_dataset(kb, BASE))


@pytest.fixture
def full_graph(kb: KnowledgeBase) -> Graph:
    """The fixture with W3C Web Annotation targets (--provenance full)."""
    return union_graph(to_dataset(kb, BASE, provenance="full"))


def only(g: Graph) -> list[tuple[str, str | None, str]]:
    """(focus, path, message) of every violation."""
    return [(r.focus, r.path, r.message) for r in validate_graph(g).violations]


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_the_fixture_conforms(kb: KnowledgeBase, provenance: str) -> None:
    report = validate_graph(to_dataset(kb, BASE, provenance=provenance), source="fixture")
    assert report.conforms and report.results == []
    assert report.format() == "OK: fixture conforms to schema/shapes.ttl\n"


def test_the_sample_build_conforms(sample_report: tuple[Path, BuildReport]) -> None:
    out, build = sample_report
    assert build.counts["violations"] == 0  # kg build validates the Dataset it exports
    assert not any(p.startswith("validate:") for p in build.problems)
    report = validate_file(out / "graph.trig")  # and the file reads back conforming
    assert report.conforms, report.format()


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_every_class_kg_writes_has_a_shape(kb: KnowledgeBase, provenance: str) -> None:
    graph = union_graph(to_dataset(kb, BASE, provenance=provenance))
    shapes = Graph().parse(SHAPES_FILE)
    targeted = set(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass")))
    written = set(graph.objects(None, RDF.type)) - {OA.Annotation, URIRef("http://www.w3.org/ns/prov#Bundle"),
                                                     SCHEMA.NewsMediaOrganization}
    assert written - targeted == set()


def test_a_functional_zone_with_a_code_fails_naming_the_node(graph: Graph) -> None:
    graph.add((iri("place/taibaihu-xinqu"), KG.divisionCode, Literal("370899")))
    report = validate_graph(graph, source="broken.ttl")
    assert [(r.focus, r.label, r.path, r.value) for r in report.violations] == [
        (f"<{BASE}/place/taibaihu-xinqu>", "太白湖新区", "kg:divisionCode", None)]  # sh:maxCount has no value
    text = report.format()
    assert f"1. Violation: <{BASE}/place/taibaihu-xinqu> 太白湖新区" in text
    assert "has no GB/T 2260 division code" in text
    assert text.endswith("FAIL: broken.ttl: 1 violation(s) of schema/shapes.ttl\n")


def test_a_place_without_a_parent_fails_unless_a_province(graph: Graph) -> None:
    graph.remove((iri("place/370831"), SCHEMA.containedInPlace, None))
    graph.remove((iri("place/taibaihu-xinqu"), SCHEMA.containedInPlace, None))  # unlinked: still needs one
    assert sorted(only(graph)) == [
        (f"<{BASE}/place/370831>", None, "a place that is not a province has a parent (schema:containedInPlace); "
                                         "an unlinked place is attached to its nearest known parent"),
        (f"<{BASE}/place/taibaihu-xinqu>", None, "a place that is not a province has a parent "
                                                 "(schema:containedInPlace); an unlinked place is attached to its "
                                                 "nearest known parent"),
    ]
    graph.remove((iri("place/370000"), SCHEMA.containedInPlace, None))  # 山东省 has none: fine
    assert len(only(graph)) == 2


def test_labels_must_be_language_tagged_and_one_per_name(graph: Graph) -> None:
    county = iri("place/370831")
    graph.remove((county, RDFS.label, Literal("泗水县", lang="zh")))
    graph.add((county, RDFS.label, Literal("泗水县")))  # no language tag
    found = only(graph)
    assert (f"<{county}>", "rdfs:label", "rdfs:label must be a language-tagged string: the name @zh as printed, "
                                         "its pinyin @zh-latn-pinyin") in found
    assert (f"<{county}>", "rdfs:label", "an entity has exactly one rdfs:label @zh: its name as printed") in found
    graph.add((county, RDFS.label, Literal("泗水", lang="zh")))
    graph.add((county, RDFS.label, Literal("泗水县", lang="zh")))
    assert (f"<{county}>", "rdfs:label", "an entity has exactly one rdfs:label @zh: its name as printed") in only(graph)


def test_upper_case_language_tags_fail(graph: Graph) -> None:
    graph.remove((iri("org/jining-ribao"), RDFS.label, Literal("济宁日报", lang="zh")))
    graph.add((iri("org/jining-ribao"), RDFS.label, Literal("济宁日报", lang="zh-CN")))
    (result,) = validate_graph(graph).violations
    assert result.focus == f"<{BASE}/org/jining-ribao>" and result.path == "rdfs:label"
    assert result.message == "language tag of 济宁日报 must be lower case (zh, zh-latn-pinyin, en)"
    assert result.value == '"济宁日报"@zh-CN'


def test_amounts_must_be_decimals_and_quotes_complete(full_graph: Graph) -> None:
    graph = full_graph
    rent = URIRef(f"{BASE}/article/{A1}/quantity/34-40")
    graph.remove((rent, SCHEMA.value, None))
    graph.add((rent, SCHEMA.value, Literal("255000.0", datatype=XSD.double)))
    quote = URIRef(f"{BASE}/article/{A1}/mention/14-17#quote")
    graph.remove((quote, OA.suffix, None))
    found = {(focus, path) for focus, path, _ in only(graph)}
    assert found == {(f"<{rent}>", "schema:value"), (f"<{quote}>", "oa:suffix")}


def nni(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.nonNegativeInteger)


def test_compact_spans_are_complete_ordered_and_quote_their_article(graph: Graph) -> None:
    county = URIRef(f"{BASE}/article/{A1}/mention/14-17")  # 泗水县
    graph.remove((county, KG.exact, None))
    rent = URIRef(f"{BASE}/article/{A1}/quantity/34-40")  # 25.5万元
    graph.set((rent, KG.start, nni(41)))
    (record,) = graph.subjects(RDF.predicate, KG.runs)
    graph.set((record, KG.exact, Literal("东琴柏村指导")))  # the text from 41 to 54 is 东琴柏村指导“四议两公开”
    town = URIRef(f"{BASE}/article/{A1}/mention/17-20")  # 杨柳镇: no span at all
    for p in (KG.start, KG.end, KG.exact):
        graph.remove((town, p, None))
    not_the_text = "kg:exact is not the text of its article (schema:text of kg:inArticle) from kg:start to kg:end"
    assert sorted(only(graph)) == sorted([
        (f"<{county}>", "kg:exact", "kg:exact must be one non-empty string: the span's text as printed"),
        (f"<{rent}>", "kg:start", "kg:start must be one non-negative integer, not after kg:end"),
        (f"<{rent}>", "kg:exact", not_the_text),
        (f"<{record}>", "kg:exact", not_the_text),
        (f"<{town}>", None, "a mention has its span: kg:start, kg:end and kg:exact (compact provenance) or one "
                            "oa:hasTarget with both selectors (full provenance)"),
    ])


def test_offsets_read_back_from_oxigraph_as_integers_still_conform(graph: Graph) -> None:
    m = URIRef(f"{BASE}/article/{A1}/mention/14-17")
    graph.set((m, KG.start, Literal("14", datatype=XSD.integer)))
    graph.set((m, KG.end, Literal("17", datatype=XSD.integer)))
    assert only(graph) == []


def test_a_quantity_needs_its_span_in_one_form_or_the_other(graph: Graph, full_graph: Graph) -> None:
    rent = URIRef(f"{BASE}/article/{A1}/quantity/34-40")
    for p in (KG.start, KG.end, KG.exact):
        graph.remove((rent, p, None))
    full_graph.remove((rent, KG.evidence, None))
    message = ("a quantity has the span it was read from: kg:start, kg:end and kg:exact (compact provenance) or "
               "one kg:evidence with both selectors (full provenance)")
    assert only(graph) == only(full_graph) == [(f"<{rent}>", None, message)]


def test_full_spans_need_a_target_whose_quote_is_the_article_text(full_graph: Graph) -> None:
    county = URIRef(f"{BASE}/article/{A1}/mention/14-17")
    full_graph.set((URIRef(f"{county}#quote"), OA.exact, Literal("泗水")))
    town = URIRef(f"{BASE}/article/{A1}/mention/17-20")
    full_graph.remove((town, OA.hasTarget, None))
    assert sorted(only(full_graph)) == [
        (f"<{county}#quote>", "oa:exact", "oa:exact is not the text of the target's source (schema:text) between "
                                          "the oa:TextPositionSelector's oa:start and oa:end"),
        (f"<{town}>", None, "a mention has its span: kg:start, kg:end and kg:exact (compact provenance) or one "
                            "oa:hasTarget with both selectors (full provenance)"),
    ]


def test_relation_records_must_describe_asserted_triples(graph: Graph) -> None:
    graph.remove((iri("place/370831107202"), KG.runs, iri("program/siyi-liang-gongkai")))
    (result,) = validate_graph(graph).violations
    assert result.message == "this relation record describes a triple the graph does not assert"
    assert result.focus.startswith(f"<{BASE}/article/{A1}/relation/runs-")


def test_a_mention_must_name_a_typed_entity(graph: Graph) -> None:
    m = URIRef(f"{BASE}/article/{A1}/mention/14-17")
    graph.remove((m, KG.mentionOf, None))
    graph.add((m, KG.mentionOf, iri("place/nowhere")))
    assert only(graph) == [(f"<{m}>", "kg:mentionOf", "a mention names one entity (kg:mentionOf) of a kg "
                                                       "entity class")]


def test_validate_file_reads_any_export_and_a_broken_shapes_file_is_an_error(tmp_path: Path,
                                                                            kb: KnowledgeBase) -> None:
    path = write_exports(to_dataset(kb, BASE), tmp_path, ["trig"])["trig"]
    assert validate_file(path).conforms
    bad = tmp_path / "shapes.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ValidationError, match="shapes.ttl: cannot read the SHACL shapes"):
        validate_file(path, shapes=bad)
