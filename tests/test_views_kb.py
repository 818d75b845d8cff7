"""kg.views.full_view_kb: the full view made from the KnowledgeBase equals the view read from its RDF."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import BASE, PYTHON, ROOT, subprocess_env
from test_views_render import reference_gexf, reference_graphml

from kg.models import Entity, KnowledgeBase, PageMetadata, Relation, Span
from kg.rdf import QuadData, dataset_of, to_dataset
from kg.spool import ArticleRecords, RecordSpool
from kg.store import kb_quads, load_store
from kg.views import (
    FlatGraph,
    flat_view_kb,
    flatten,
    full_view,
    full_view_kb,
    full_view_store,
    render_gexf,
    render_graphml,
    write_view_exports,
)

PAGES = ["datelines", "holdout_county_news", "same_name_villages", "traditional", "titled_officials"]
OTHER_BASE = "http://example.com/kg/"


def assert_same_view(A: nx.MultiDiGraph, B: nx.MultiDiGraph) -> None:
    """The same nodes with the same attributes, the same keyed edges with the same attributes."""
    assert dict(A.nodes(data=True)) == dict(B.nodes(data=True))
    assert sorted(A.edges(keys=True, data=True)) == sorted(B.edges(keys=True, data=True))
    assert flatten(A) == flatten(B)


def as_lists(flat: FlatGraph) -> tuple[Any, ...]:
    """Everything a file is written from, attribute order included."""
    return (flat.directed, [(n, list(a.items())) for n, a in flat.nodes],
            [(u, v, i, list(a.items())) for u, v, i, a in flat.edges], list(flat.graph.items()))


def assert_same_flat(kb: KnowledgeBase, base: str = BASE) -> None:
    """The build's fast path (no NetworkX graph) gives what flattening the NetworkX view gives."""
    assert as_lists(flat_view_kb(kb, base)) == as_lists(flatten(full_view_kb(kb, base)))


def rdf_views(kb: KnowledgeBase, base: str, provenance: str = "compact") -> list[nx.MultiDiGraph]:
    """The full view read from the build's RDF: by SPARQL on the Oxigraph store, and by rdflib."""
    data = QuadData.from_kb(kb, base, provenance=provenance)
    return [full_view_store(load_store(data.quads)), full_view(dataset_of(data))]


@pytest.fixture(scope="module")
def sample_kb() -> KnowledgeBase:
    """The sample page (with its curated facts) and a few test pages, with dates on some of them:
    some articles dated themselves, one page dated only through its source document."""
    from kg.pipeline import build_kb

    kb = build_kb([ROOT / "sources", *(ROOT / "tests" / "pages" / f"{p}.txt" for p in PAGES)])
    sources = sorted({a.source_id for a in kb.articles})
    paged = sources[1]
    articles = []
    for i, a in enumerate(kb.articles):
        if a.source_id == sources[0] and i % 2 == 0:
            a = a.model_copy(update={"metadata": PageMetadata(date=date(2024, 3, 1 + i % 28))})
        articles.append(a)
    docs = [d.model_copy(update={"metadata": PageMetadata(date=date(2023, 12, 24))}) if d.id == paged else d
            for d in kb.sources]
    return kb.model_copy(update={"articles": articles, "sources": docs})


@pytest.mark.parametrize("provenance", ["compact", "full"])
def test_the_sample_view_from_the_kb_equals_the_view_from_its_rdf(sample_kb: KnowledgeBase, provenance: str) -> None:
    view = full_view_kb(sample_kb, BASE)
    kinds = {d["type"] for _, d in view.nodes(data=True)}
    assert kinds == {"AdministrativeArea", "Organization", "Program", "Person", "Place"}
    labels = {d["label"] for _, _, d in view.edges(data=True)}
    assert {"containedInPlace", "mergeCandidate"} <= labels and len(labels) > 4
    assert any("start" in d for _, d in view.nodes(data=True)) and any("start" in d for *_, d in view.edges(data=True))
    assert view.number_of_nodes() == len(sample_kb.entities)
    for rdf_view in rdf_views(sample_kb, BASE, provenance):  # spans on the records, or W3C selectors
        assert_same_view(view, rdf_view)
    assert_same_flat(sample_kb)


def test_the_kb_view_follows_the_base_iri(sample_kb: KnowledgeBase) -> None:
    view = full_view_kb(sample_kb, OTHER_BASE)
    assert all(node.startswith("http://example.com/kg/") for node in view)
    assert_same_view(view, rdf_views(sample_kb, OTHER_BASE)[0])


def test_the_fixture_view_from_the_kb_equals_the_rdf_views(kb: KnowledgeBase) -> None:
    view = full_view_kb(kb, BASE)
    assert_same_view(view, full_view(to_dataset(kb, BASE)))
    assert_same_view(view, full_view_store(load_store(kb_quads(kb, BASE))))
    assert_same_flat(kb)


def test_odd_knowledge_bases_give_the_same_view_as_their_rdf(kb: KnowledgeBase) -> None:
    """Relations the export skips or records specially, empty names, a parent that is an article,
    repeated relation records, a curated fact, merge candidates and articles of an unknown page."""
    a1, a2 = kb.articles[0].id, kb.articles[1].id
    county, village, program = "place/370831", "place/370831107202", "program/siyi-liang-gongkai"
    entities = dict(kb.entities)
    entities["org/nameless"] = Entity(key="org/nameless", type="Organization", name="", labels=["", "无名"],
                                      parent=a1)
    entities["place/self"] = Entity(key="place/self", type="Place", name="自身", parent="place/self")
    entities["place/ctrl"] = Entity(key="place/ctrl", type="Place", name="\x01", labels=["甲\t乙"], code="")
    ev = Span(start=0, end=4)
    relations = [*kb.relations,
                 Relation(subject=village, predicate="runs", object=program, article_id=a1, evidence=ev),
                 Relation(subject=village, predicate="runs", object=program, article_id=a1, evidence=ev),  # same record
                 Relation(subject=village, predicate="runs", object=program, article_id=a2, evidence=None),
                 Relation(subject=village, predicate="runs", object=program, rule="curated: sources/curated/x.yaml"),
                 Relation(subject=village, predicate="locatedIn", object=county, article_id="gone"),
                 Relation(subject=village, predicate="mergeCandidate", object=county, rule="review: similar"),
                 Relation(subject=county, predicate="has space", object=village, article_id=a1),  # not a name
                 Relation(subject=county, predicate="about", object="org/unknown", article_id=a1),
                 Relation(subject=county, predicate="about", object=county, article_id=a1),  # a loop
                 Relation(subject=a1, predicate="about", object=county, article_id=a1),  # from an article
                 Relation(subject="org/nameless", predicate="operatesIn", object=county, article_id=a2),
                 # kg:containedInPlace and the parent's schema:containedInPlace: one edge (same label)
                 Relation(subject=village, predicate="containedInPlace", object="place/370831107", article_id=a1)]
    odd = kb.model_copy(update={"entities": entities, "relations": relations,
                                "articles": [*kb.articles[:1],
                                             kb.articles[1].model_copy(update={"source_id": "elsewhere",
                                                                                "metadata": PageMetadata(
                                                                                    date=date(2022, 2, 2))})]})
    view = full_view_kb(odd, BASE)
    runs = view.get_edge_data(f"{BASE}/{village}", f"{BASE}/{program}")["runs"]
    assert runs["weight"] == 4  # the fixture's record, two more from articles, one curated
    assert view.nodes[f"{BASE}/org/nameless"]["label"] == "nameless"
    up = view.get_edge_data(f"{BASE}/{village}", f"{BASE}/place/370831107")
    assert list(up) == ["containedInPlace"] and up["containedInPlace"]["predicate"] == "https://schema.org/containedInPlace"
    assert_same_view(view, full_view(to_dataset(odd, BASE)))
    for provenance in ("compact", "full"):
        assert_same_view(view, full_view_store(load_store(kb_quads(odd, BASE, provenance=provenance))))
    assert_same_flat(odd)


def test_a_spooled_kb_gives_the_view_of_its_records_in_memory(kb: KnowledgeBase) -> None:
    """Relation records of a spooled article are compared within its article; an article that comes twice
    from the spool, or that also has records in kb.relations, has its records compared with every other;
    records of no article (merge candidates, curated facts) with theirs: a repeated record counts once."""
    a1, a2 = kb.articles[0].id, kb.articles[1].id
    county, village, program = "place/370831", "place/370831107202", "program/siyi-liang-gongkai"
    ev = Span(start=0, end=4)
    again = [Relation(subject=village, predicate="runs", object=program, article_id=a1, evidence=ev),
             Relation(subject=village, predicate="runs", object=program, article_id=a1, evidence=ev),
             Relation(subject=village, predicate="runs", object=program, article_id=a1)]
    both = Relation(subject=county, predicate="runs", object=program, article_id=a2, evidence=ev)
    unread = [Relation(subject=village, predicate="mergeCandidate", object=county, rule="review: similar"),
              Relation(subject=village, predicate="runs", object=program, rule="curated: sources/curated/x.yaml")]
    kb = kb.model_copy(update={"relations": [*kb.relations, *unread, *unread]})
    memory = kb.model_copy(update={"relations": [*kb.relations, *again, both, both]})
    first_blocks = kb.model_copy(update={"relations": [*kb.relations, *again]})
    for blocks, expected in [(len(kb.articles), first_blocks), (len(kb.articles) + 2, memory)]:
        spool = RecordSpool()
        for a in kb.articles:
            spool.append(a.id, ArticleRecords([rm for rm in kb.mentions if rm.mention.article_id == a.id], [],
                                              [r for r in kb.relations if r.article_id == a.id]
                                              + (again if a.id == a1 and blocks == len(kb.articles) else [])))
        if blocks > len(kb.articles):
            spool.append(a1, ArticleRecords([], [], again))  # a1 comes twice
            spool.append(a2, ArticleRecords([], [], [both]))  # a2's record is in kb.relations too
        spool.seal()
        spooled = kb.model_copy(update={"mentions": [], "relations": [r for r in kb.relations if r.article_id is None]
                                        + ([both] if blocks > len(kb.articles) else [])})
        spooled.spool = spool
        try:
            assert as_lists(flat_view_kb(spooled, BASE)) == as_lists(flat_view_kb(expected, BASE))
        finally:
            spool.close()
    view = full_view_kb(memory, BASE)
    assert view.get_edge_data(f"{BASE}/{village}", f"{BASE}/{program}")["runs"]["weight"] == 4
    assert view.get_edge_data(f"{BASE}/{village}", f"{BASE}/{county}")["mergeCandidate"]["weight"] == 1
    assert view.get_edge_data(f"{BASE}/{county}", f"{BASE}/{program}")["runs"]["weight"] == 1


def test_write_view_exports_from_the_kb_writes_the_files_of_the_rdf_view(tmp_path: Path,
                                                                         sample_kb: KnowledgeBase) -> None:
    from_kb = write_view_exports(sample_kb, tmp_path / "kb", base_iri=BASE)
    store = load_store(QuadData.from_kb(sample_kb, BASE).quads)
    from_store = write_view_exports(store, tmp_path / "store")
    assert from_kb.keys() == from_store.keys() == {"graphml", "gexf", "csv-nodes", "csv-edges"}
    for fmt, path in from_kb.items():
        assert path.read_bytes() == from_store[fmt].read_bytes(), fmt
    flat = flatten(full_view_kb(sample_kb, BASE))
    assert from_kb["graphml"].read_bytes() == render_graphml(flat)[""] == reference_graphml(flat)
    assert from_kb["gexf"].read_bytes() == render_gexf(flat)[""] == reference_gexf(flat)
    H = nx.read_graphml(from_kb["graphml"])
    assert (H.number_of_nodes(), H.number_of_edges()) == (len(flat.nodes), len(flat.edges))
    X = nx.read_gexf(from_kb["gexf"])
    assert (X.number_of_nodes(), X.number_of_edges()) == (len(flat.nodes), len(flat.edges))


def test_the_kb_view_files_are_byte_identical_under_two_hash_seeds(tmp_path: Path) -> None:
    """Sets and dicts inside the KB view must not decide any order in the files."""
    code = ("import sys; from pathlib import Path; from conftest import make_kb, BASE; "
            "from kg.views import write_view_exports; write_view_exports(make_kb(), Path(sys.argv[1]), base_iri=BASE)")
    runs = {seed: tmp_path / f"seed-{seed}" for seed in ("3", "2024")}
    procs = [subprocess.Popen([PYTHON, "-c", code, str(out)], env=subprocess_env(PYTHONHASHSEED=seed))
             for seed, out in runs.items()]
    assert [p.wait() for p in procs] == [0, 0]
    names = sorted(p.name for p in runs["3"].iterdir())
    assert names == ["graph.edges.csv", "graph.gexf", "graph.graphml", "graph.nodes.csv"]
    for name in names:
        assert (runs["3"] / name).read_bytes() == (runs["2024"] / name).read_bytes(), name
