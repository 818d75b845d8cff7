"""End to end on the sample page: the README's build, read back by rdflib, Oxigraph and networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
from rdflib import Graph

from kg.errors import KgError
from kg.explain import explain
from kg.pipeline import BuildReport, build, build_kb
from kg.query import ENGINES, open_graph, run_query, saved_queries, saved_query
from kg.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("build")
    build([ROOT / "sources"], d)
    return d


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> tuple[Path, BuildReport]:
    """The sample page built with --provenance full (W3C Web Annotation targets)."""
    d = tmp_path_factory.mktemp("build-full")
    return d, build([ROOT / "sources"], d, provenance="full")


def spans(graph: Path) -> dict[str, tuple[int, int, str]]:
    """Every span of a build by the IRI of its mention, quantity or relation record: (start, end, exact)
    from kg:start/kg:end/kg:exact on the record (compact) or from its target's selectors (full)."""
    q = """PREFIX kg: <https://kg.example.org/ns#> PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?owner ?start ?end ?exact WHERE {
          { ?owner kg:start ?start ; kg:end ?end ; kg:exact ?exact }
          UNION
          { { ?owner oa:hasTarget ?t } UNION { ?owner kg:evidence ?t . FILTER (isIRI(?t)) }
            ?t oa:hasSelector ?p , ?q . ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }
        }"""
    found: dict[str, tuple[int, int, str]] = {}
    for owner, start, end, exact in run_query(graph, q, "oxigraph")[1]:
        assert owner is not None and start is not None and end is not None and exact is not None
        assert owner not in found, owner
        found[owner] = (int(start), int(end), exact)
    return found


def test_the_sample_conforms_with_full_provenance_too(full):
    d, report = full
    assert report.counts["violations"] == 0 and report.validated.startswith("all ")
    assert not any(p.startswith("validate:") for p in report.problems)
    assert validate_file(d / "graph.trig").conforms


def test_both_provenance_modes_give_the_same_spans_each_its_article_text(out, full):
    kb = build_kb([ROOT / "sources"])
    texts = {a.id: a.text for a in kb.articles}
    compact = spans(out / "graph.nq")
    assert compact == spans(full[0] / "graph.nq")
    assert len(compact) >= len(kb.mentions) + len(kb.quantities) > 200
    for owner, (start, end, exact) in compact.items():
        article = owner.split("/article/", 1)[1].split("/", 1)[0]
        assert texts[article][start:end] == exact, owner
    # 岳家岭村 is named once in each of its three sentences (tests/test_explain.py)
    assert sum(1 for owner, s in compact.items() if s[2] == "岳家岭村" and "/mention/" in owner) == 3


def test_compact_writes_eleven_triples_fewer_per_span(out, full):
    """A span is 3 triples on its record (compact) or 14 (full: 3 on the record, 4 on the target and 3 + 4
    on the selectors), so full - compact is 11 per span; a relation record without a span (a relation read
    from context) says prov:wasDerivedFrom its article in full only, where compact has kg:inArticle alone."""
    lines = [len((d / "graph.nq").read_text(encoding="utf-8").splitlines()) for d in (out, full[0])]
    q = """PREFIX kg: <https://kg.example.org/ns#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?r WHERE { ?r a rdf:Statement ; kg:inArticle ?a . FILTER NOT EXISTS { ?r kg:start ?s } }"""
    without_span = len(run_query(out / "graph.nq", q, "oxigraph")[1])
    assert lines[1] - lines[0] == 11 * len(spans(out / "graph.nq")) + without_span
    assert lines[1] > 1.8 * lines[0]


def test_explain_and_the_saved_queries_answer_alike_on_both_modes(out, full):
    from test_explain import YUEJIALING

    for d in (out, full[0]):
        (explanation,) = explain(d / "graph.ttl", "岳家岭村")
        assert sorted(s.sentence for s in explanation.supports) == sorted(YUEJIALING)
    stores = [open_graph(d / "graph.ttl", engine) for d in (out, full[0]) for engine in ENGINES]
    for name in saved_queries():
        answers = [run_query(store, saved_query(name)) for store in stores]
        assert all(a == answers[0] for a in answers), name


def test_turtle_parses_to_the_same_triples_in_rdflib_and_oxigraph(out):
    g = Graph()
    g.parse(data=(out / "graph.ttl").read_text(encoding="utf-8"), format="turtle")
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(g) == len(store) > 1000


def test_graphml_reads_back_with_label_and_type_on_every_node(out):
    G = nx.read_graphml(out / "graph.graphml")
    assert G.number_of_nodes() > 100
    for _, data in G.nodes(data=True):
        assert data.get("label") and data.get("type")
        assert all(v is not None and not isinstance(v, list) for v in data.values())


def test_hierarchy_and_codes_of_the_sample():
    kb = build_kb([ROOT / "sources"])
    by_name = {e.name: e for e in kb.entities.values() if e.type == "AdministrativeArea"}
    assert by_name["泗水县"].code == "370831"
    assert by_name["泗水县"].parent == "place/370800"
    assert kb.entities["place/370800"].parent == "place/370000"
    assert by_name["太白湖新区"].code is None and not by_name["太白湖新区"].linked
    assert by_name["太白湖新区"].subtype == "功能区"
    village = by_name["岳家岭村"]
    assert kb.entities[village.parent].name == "杨柳镇"  # type: ignore[index]
    orgs = {e.name for e in kb.entities.values() if e.type == "Organization"}
    assert {"汶上县委组织部", "汶上县财政局", "太白湖新区农业农村事务部"} <= orgs


def test_mention_spans_index_their_article():
    kb = build_kb([ROOT / "sources"])
    text = {a.id: a.text for a in kb.articles}
    for rm in kb.mentions:
        m = rm.mention
        assert text[m.article_id][m.span.start:m.span.end] == m.surface


def test_a_bad_file_is_reported_and_the_others_still_build(tmp_path):
    (tmp_path / "good.txt").write_text((ROOT / "sources" / "jining-daily-page.txt").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    report = build([tmp_path], tmp_path / "out")
    assert report.counts["articles"] == 8
    assert len(report.problems) == 2
    assert any("empty.txt" in p for p in report.problems)


def test_gb18030_page_builds_like_utf8(tmp_path):
    text = (ROOT / "sources" / "jining-daily-page.txt").read_text(encoding="utf-8")
    (tmp_path / "page.txt").write_bytes(text.encode("gb18030"))
    kb = build_kb([tmp_path])
    assert len(kb.articles) == 8
    assert kb.articles[0].text.startswith("本报泗水讯（通讯员 吴修林）")


def test_nothing_to_build_is_one_clear_error(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(KgError, match="empty.txt"):
        build([tmp_path], tmp_path / "out")
