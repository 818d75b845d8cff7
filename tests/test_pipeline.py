"""End to end on the sample page: the README's build, read back by rdflib, Oxigraph and networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
from rdflib import Graph

from kg.errors import KgError
from kg.pipeline import build, build_kb

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("build")
    build([ROOT / "sources"], d)
    return d


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
