"""kg.export: the build's streaming writer of N-Quads, N-Triples, Turtle, TriG and JSON-LD."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

from kg import export
from kg.export import GRAPH_FILES, write_graph_files
from kg.models import KnowledgeBase, Relation, Span
from kg.pipeline import build_kb, sample_kb
from kg.rdf import kg_prefixes, quiet_rdflib
from kg.store import CURATED_RULE_PREFIX, GraphPieces, Quad, row_quads

BASE = "https://kg.example.org/id"
SOURCES = Path(__file__).resolve().parent.parent / "sources"


@pytest.fixture(scope="module")
def sample_kb_built() -> KnowledgeBase:
    return build_kb([SOURCES])


def _prefixes(kb: KnowledgeBase) -> dict[str, str]:
    return kg_prefixes(BASE, {k.split("/", 1)[0] for k in kb.entities if "/" in k})


def _quads(path: Path, fmt: ox.RdfFormat) -> set[tuple[str, str, str, str]]:
    out = set()
    for q in ox.parse(path=str(path), format=fmt):
        g = "" if isinstance(q, ox.Triple) or isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        out.add((str(q.subject), str(q.predicate), str(q.object), g))
    return out


def test_every_format_reads_back_to_the_same_graph(sample_kb_built: KnowledgeBase, tmp_path: Path) -> None:
    kb = sample_kb_built
    files = write_graph_files(GraphPieces(kb, BASE), tmp_path, _prefixes(kb))
    nq = _quads(files.paths["nquads"], ox.RdfFormat.N_QUADS)
    assert len(nq) == files.quads > 1000
    assert _quads(files.paths["trig"], ox.RdfFormat.TRIG) == nq
    assert _quads(files.paths["json-ld"], ox.RdfFormat.JSON_LD) == nq
    union = {(s, p, o, "") for s, p, o, _ in nq}
    assert _quads(files.paths["turtle"], ox.RdfFormat.TURTLE) == union
    assert _quads(files.paths["ntriples"], ox.RdfFormat.N_TRIPLES) == union
    assert files.triples == len(union)
    # rdflib reads them too (another parser: the files are not only Oxigraph-compatible)
    with quiet_rdflib():
        ds = Dataset()
        ds.parse(files.paths["json-ld"], format="json-ld")
        g = Graph()
        g.parse(files.paths["turtle"], format="turtle")
    assert len(g) == len(union)
    # the gold headlines (quotes, spaces, @zh) survive every format
    import json

    gold = json.loads((Path(__file__).parent / "data" / "seed_gold.json").read_text(encoding="utf-8"))
    headlines = {o for _, p, o, _ in nq if p == "<https://schema.org/headline>"}
    for article in gold["articles"]:
        if article.get("headline"):
            assert f'"{article["headline"]}"@zh' in headlines


def test_a_fact_read_in_two_articles_is_in_both_graphs_but_once_in_the_union(tmp_path: Path,
                                                                             sample_kb_built: KnowledgeBase) -> None:
    kb = sample_kb_built.model_copy(deep=True)
    first, second = kb.articles[0].id, kb.articles[1].id
    org = next(k for k, e in kb.entities.items() if e.type == "Organization")
    place = next(k for k, e in kb.entities.items() if e.type == "AdministrativeArea")
    for article_id in (first, second):
        kb.relations.append(Relation(subject=org, predicate="operatesIn", object=place, article_id=article_id,
                                     evidence=Span(start=0, end=2), rule="test"))
    files = write_graph_files(GraphPieces(kb, BASE), tmp_path, _prefixes(kb))
    nq = _quads(files.paths["nquads"], ox.RdfFormat.N_QUADS)
    fact = [q for q in nq if q[0].endswith(f"/{org}>") and q[1].endswith("#operatesIn>") and
            q[2].endswith(f"/{place}>")]
    assert {q[3] for q in fact} >= {f"<{BASE}/article/{first}>", f"<{BASE}/article/{second}>"}
    nt_lines = files.paths["ntriples"].read_text(encoding="utf-8").splitlines()
    assert len(nt_lines) == len(set(nt_lines)) == files.triples
    assert sum(1 for line in nt_lines if line.startswith(fact[0][0]) and "#operatesIn>" in line
               and fact[0][2] in line) == 1


def test_a_link_stated_by_two_shared_graphs_is_once_in_the_union(tmp_path: Path,
                                                                 sample_kb_built: KnowledgeBase,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # a curated file and a relation of no article restating a parent link of the gazetteer: their
    # pieces, rendered with all their triples (the second in a worker), are rendered again without
    # the link for N-Triples and Turtle
    kb = sample_kb_built.model_copy(deep=True)
    child, parent = next((k, e.parent) for k, e in sorted(kb.entities.items())
                         if e.parent in kb.entities and e.type == "AdministrativeArea")
    kb.relations.append(Relation(subject=child, predicate="locatedIn", object=parent, rule=CURATED_RULE_PREFIX + "t"))
    kb.relations.append(Relation(subject=child, predicate="locatedIn", object=parent, rule="test"))  # no article
    monkeypatch.setattr(export, "_BATCH", 1)
    one = write_graph_files(GraphPieces(kb, BASE), tmp_path / "one", _prefixes(kb), workers=1)
    two = write_graph_files(GraphPieces(kb, BASE), tmp_path / "two", _prefixes(kb), workers=2)
    for name in GRAPH_FILES:
        assert one.paths[name].read_bytes() == two.paths[name].read_bytes(), name
    link = (f"<{BASE}/{child}>", "<https://schema.org/containedInPlace>", f"<{BASE}/{parent}>")
    graphs = {q[3] for q in _quads(one.paths["nquads"], ox.RdfFormat.N_QUADS) if q[:3] == link}
    assert graphs == {f"<{BASE}/graph/entities>", f"<{BASE}/graph/curated>"}
    nt_lines = one.paths["ntriples"].read_text(encoding="utf-8").splitlines()
    assert nt_lines.count(" ".join(link) + " .") == 1
    assert len(nt_lines) == len(set(nt_lines)) == one.triples
    assert len(Graph().parse(one.paths["turtle"], format="turtle")) == one.triples


def test_worker_processes_write_the_same_bytes(sample_kb_built: KnowledgeBase, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "_BATCH", 1)  # the 8 sample articles in 8 tasks over 2 processes
    kb = sample_kb_built
    one = write_graph_files(GraphPieces(kb, BASE), tmp_path / "one", _prefixes(kb), workers=1)
    two = write_graph_files(GraphPieces(kb, BASE), tmp_path / "two", _prefixes(kb), workers=2)
    for name in GRAPH_FILES:
        assert one.paths[name].read_bytes() == two.paths[name].read_bytes(), name
    assert (one.quads, one.triples, one.graphs) == (two.quads, two.triples, two.graphs)


def test_work_beside_the_files_runs_in_a_worker_and_returns_its_value(sample_kb_built: KnowledgeBase,
                                                                     tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "_BATCH", 1)  # 8 articles: enough to fork 2 workers
    kb = sample_kb_built

    def where() -> tuple[int, str]:
        (tmp_path / f"beside-{os.getpid()}").write_text("x")  # it may write files of its own
        return os.getpid(), threading.current_thread().name

    one = write_graph_files(GraphPieces(kb, BASE), tmp_path / "one", _prefixes(kb), workers=1, beside=where)
    two = write_graph_files(GraphPieces(kb, BASE), tmp_path / "two", _prefixes(kb), workers=2, beside=where)
    assert one.beside == (os.getpid(), "kg-beside")  # without workers: a thread of this process
    assert two.beside[0] != os.getpid() and two.beside[1] == "MainThread"  # a forked worker
    assert (tmp_path / f"beside-{two.beside[0]}").exists()
    for name in GRAPH_FILES:
        assert one.paths[name].read_bytes() == two.paths[name].read_bytes(), name

    def fails() -> None:
        raise ValueError("views failed")

    for workers in (1, 2):  # raised once the files are written
        out = tmp_path / f"fails-{workers}"
        with pytest.raises(ValueError, match="views failed"):
            write_graph_files(GraphPieces(kb, BASE), out, _prefixes(kb), workers=workers, beside=fails)
        assert sorted(p.name for p in out.iterdir()) == sorted(GRAPH_FILES.values())


def test_the_worker_running_beside_renders_once_it_is_done(sample_kb_built: KnowledgeBase, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # beside() has no process of its own: the last worker runs it first and then takes batches too
    monkeypatch.setattr(export, "_BATCH", 1)
    kb = sample_kb_built
    render = export._render_batch

    def slow_render(bounds: tuple[int, int]) -> list[export._Rendered]:
        (tmp_path / f"rendered-{os.getpid()}-{bounds[0]}").write_text("x")
        time.sleep(0.1)  # the batches outlast beside(), which returns at once
        return render(bounds)

    slow_render.__module__, slow_render.__qualname__ = render.__module__, render.__qualname__  # pickled by name
    monkeypatch.setattr(export, "_render_batch", slow_render)
    out = write_graph_files(GraphPieces(kb, BASE), tmp_path / "two", _prefixes(kb), workers=2, beside=os.getpid)
    renderers = {int(p.name.split("-")[1]) for p in tmp_path.glob("rendered-*")}
    assert len(list(tmp_path.glob("rendered-*"))) == len(kb.articles) == 8  # every batch once
    assert len(renderers) == 2 and out.beside in renderers and os.getpid() not in renderers


def test_a_failure_leaves_the_earlier_files_and_no_temporary_file(sample_kb_built: KnowledgeBase,
                                                                  tmp_path: Path) -> None:
    kb = sample_kb_built
    write_graph_files(GraphPieces(kb, BASE), tmp_path, _prefixes(kb))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken() -> Iterator[list[Quad]]:
        yield next(iter(GraphPieces(kb, BASE)))
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_graph_files(broken(), tmp_path, _prefixes(kb))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_file_that_fails_again_when_closed_is_still_removed(sample_kb_built: KnowledgeBase, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # disk full: the write fails, then closing the file fails too
    class Full(export.PlacedFile):
        def close(self, sync: bool = True) -> None:
            super().close(sync)
            if not sync:
                raise OSError("No space left on device (closing)")

    monkeypatch.setattr(export, "PlacedFile", Full)
    kb = sample_kb_built

    def broken() -> Iterator[list[Quad]]:
        yield next(iter(GraphPieces(kb, BASE)))
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left on device$"):
        write_graph_files(broken(), tmp_path, _prefixes(kb))
    assert list(tmp_path.iterdir()) == []


def test_a_worker_that_cannot_write_fails_the_build_and_leaves_no_file(sample_kb_built: KnowledgeBase,
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the workers write their own bytes into the files (forked here, so they inherit the patch): a full
    # disk in one of them is raised here, naming the file, and the earlier files stay as they were
    monkeypatch.setattr(export, "_BATCH", 1)
    kb = sample_kb_built
    write_graph_files(GraphPieces(kb, BASE), tmp_path, _prefixes(kb))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    here = os.getpid()
    write_at = export.PlacedFile.write_at

    def full_in_a_worker(self: export.PlacedFile, data: Any, offset: int) -> None:
        if os.getpid() != here:
            raise OSError(errno.ENOSPC, "No space left on device", self.path)
        write_at(self, data, offset)

    monkeypatch.setattr(export.PlacedFile, "write_at", full_in_a_worker)
    with pytest.raises(OSError, match="No space left on device") as err:
        write_graph_files(GraphPieces(kb, BASE), tmp_path, _prefixes(kb), workers=2)
    assert err.value.errno == errno.ENOSPC and Path(err.value.filename).parent == tmp_path
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_validation_sample_keeps_what_its_articles_name(sample_kb_built: KnowledgeBase) -> None:
    kb = sample_kb_built
    assert sample_kb(kb, 10**6) is kb
    small = sample_kb(kb, 50)
    assert 0 < len(small.articles) < len(kb.articles)
    assert [a.id for a in small.articles] == [a.id for a in kb.articles[: len(small.articles)]]
    chosen = {a.id for a in small.articles}
    assert all(rm.mention.article_id in chosen for rm in small.mentions)
    named = {rm.entity for rm in small.mentions} | {k for r in small.relations for k in (r.subject, r.object)}
    assert named & set(kb.entities) <= set(small.entities)  # (a relation's end may be an article)
    assert len(named & set(kb.entities)) > 10
    for e in small.entities.values():  # the place hierarchy is closed: every parent is there
        assert e.parent is None or e.parent in small.entities


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_that_dies_is_an_error_not_a_wait(method: str) -> None:
    # (the kernel's out-of-memory killer, say): its task is answered by RuntimeError
    procs = export._Workers(2, method)
    try:
        procs.send(0, abs, -3)
        procs.send(1, os._exit, 9)
        assert procs.recv(0) == 3
        with pytest.raises(RuntimeError, match="exit code 9"):
            procs.recv(1)
    finally:
        procs.kill()


def test_mentions_from_templates_are_the_bytes_of_the_quads(sample_kb_built: KnowledgeBase, tmp_path: Path) -> None:
    # GraphPieces give the renderer its articles' common mentions as rows (templates); a plain list of
    # pieces goes quad by quad: every file is the same
    kb = sample_kb_built
    pieces = GraphPieces(kb, BASE)
    rows = [pieces.article_parts(i)[1] for i in range(len(pieces))]
    assert sum(map(len, rows)) > 100
    rowed = write_graph_files(GraphPieces(kb, BASE), tmp_path / "rows", _prefixes(kb))
    plain = write_graph_files(list(GraphPieces(kb, BASE)), tmp_path / "quads", _prefixes(kb))
    assert (rowed.quads, rowed.triples) == (plain.quads, plain.triples)
    for name, path in rowed.paths.items():
        assert path.read_bytes() == plain.paths[name].read_bytes(), name


def test_record_templates_hold_for_awkward_values() -> None:
    from kg.export import _Renderer
    from kg.store import KG, PROV, RDF, SCHEMA, row_quads

    g = f"<{BASE}/article/p%201-a1>"
    a = g[1:-1]
    nni = "^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"
    mention = (KG.Mention, KG.mentionOf, KG.inArticle, KG.start, KG.end, KG.exact)
    figure = (SCHEMA.QuantitativeValue, SCHEMA.value, SCHEMA.unitText, KG.measures, KG.about, KG.inArticle)
    rows = [
        # spans whose IRIs are prefixes of one another (1-2 sorts after 1-23 as a term), a quote with
        # escapes, an entity IRI no prefix compacts (a "/" in its local part), "%" in values
        (f"<{a}/mention/1-2>", mention, (f"<{BASE}/place/370831>", g, f'"1"{nni}', f'"2"{nni}', '"李\\"雷\\\\"')),
        (f"<{a}/mention/1-23>", (*mention, KG.rule),
         (f"<{BASE}/org/a/b>", g, f'"1"{nni}', f'"23"{nni}', '"县委\\n组织部"', '"org-head:委"')),
        (f"<{a}/mention/10000-10004>", (*mention, KG.rule),
         (f"<{BASE}/person/%E6%9D%8E>", g, f'"10000"{nni}', f'"10004"{nni}', '"a%sb"', '"%(x)s"')),
        # a figure: a decimal, a language-tagged literal, the article as what it is about
        (f"<{a}/quantity/5-8>", figure,
         ('"25.5"^^<http://www.w3.org/2001/XMLSchema#decimal>', '"元"', '"资金"@zh', g, g)),
        # a relation's record: a predicate twice, its IRIs in order
        (f"<{a}/relation/about-1>", (RDF.Statement, RDF.subject, RDF.predicate, RDF.object, KG.inArticle,
                                     PROV.wasDerivedFrom, PROV.wasDerivedFrom),
         (g, SCHEMA.about, f"<{BASE}/place/370831>", g, f"<{a}/mention/1-2>", f"<{a}/mention/10000-10004>")),
    ]
    piece = sorted([
        (g, "<https://schema.org/headline>", '"标题"@zh', g),
        (g, "<https://schema.org/mentions>", f"<{BASE}/place/370831>", g),
        (f"<{a}/quantity/5-8#x>", "<https://schema.org/unitText>", '"元"', g),  # between two rows
        (f"<{BASE}/org/a/b>", "<https://schema.org/containedInPlace>", f"<{BASE}/place/370831>", g),
        # subjects that sort before the rows, one local and one shared
        (f"<{a}/evidence/1-4>", "<https://kg.example.org/ns#exact>", '"泗水县"', g),
        (f"<{BASE}/area/1>", "<https://schema.org/containedInPlace>", f"<{BASE}/place/370831>", g),
    ])
    rows.sort()
    quads = sorted(piece + [q for row in rows for q in row_quads(row, g)])
    prefixes = kg_prefixes(BASE, {"place", "org", "person"})
    names = list(GRAPH_FILES)
    templated = _Renderer(prefixes, names).article(piece, rows)
    generic = _Renderer(prefixes, names).article(quads)
    assert quads.index(piece[0]) < quads.index(row_quads(rows[0], g)[0]) < quads.index(piece[-1])
    for field in ("nq", "trig", "json", "nt", "ttl", "quads", "local", "shared"):
        assert getattr(templated, field) == getattr(generic, field), field
    assert b"/mention/1-23> a kg:Mention" in templated.ttl and b"org:a/b" not in templated.ttl
    assert b'"25.5"^^xsd:decimal' in templated.ttl and b'"@value": "25.5"' in templated.json
    assert b"prov:wasDerivedFrom <" in templated.ttl and b'"prov:wasDerivedFrom": [{"@id": ' in templated.json
    # a prefix for the mentions' namespace: Turtle would shorten their IRIs, so those rows go quad by quad
    prefixes["m"] = f"{a}/mention/"
    shortened = _Renderer(prefixes, names).article(piece, rows)
    assert shortened.ttl == _Renderer(prefixes, names).article(quads).ttl
    assert b"m:1-23 a kg:Mention" in shortened.ttl


def test_a_span_named_twice_is_given_as_quads_not_rows(sample_kb_built: KnowledgeBase) -> None:
    kb = sample_kb_built.model_copy(deep=True)
    first = kb.mentions[0]
    twin = first.model_copy(deep=True)
    twin.entity = next(k for k in kb.entities if k != first.entity)
    kb.mentions.append(twin)
    pieces = GraphPieces(kb, BASE)
    i = next(i for i, art in enumerate(kb.articles) if art.id == first.mention.article_id)
    quads, rows = pieces.article_parts(i)
    subject = f"<{BASE}/article/{first.mention.article_id}/mention/{first.mention.span.start}-{first.mention.span.end}>"
    assert subject not in {row[0] for row in rows} and len(rows) > 10  # the article's other records stay rows
    assert {o for s, p, o, _ in quads if s == subject and p.endswith("#mentionOf>")} == {
        f"<{BASE}/{first.entity}>", f"<{BASE}/{twin.entity}>"}
    assert any("/quantity/" in row[0] for row in rows)


@pytest.mark.parametrize(("spans", "as_row"), [(((1, 2), (5, 9)), True), (((1, 2), (1, 23)), False)])
def test_a_relation_record_is_a_row_unless_its_supporting_iris_nest(sample_kb_built: KnowledgeBase,
                                                                  spans: tuple[tuple[int, int], ...],
                                                                  as_row: bool) -> None:
    # .../mention/1-2 and .../mention/1-23: "<…1-23>" sorts first as a term, "…1-2" first as JSON-LD text
    kb = sample_kb_built
    e = GraphPieces(kb, BASE).emitter
    article = kb.articles[0].id
    subject, obj = sorted(kb.entities)[:2]
    e.mention_spans = {(article, key): [Span(start=a, end=b)]
                       for key, (a, b) in zip((subject, obj), spans, strict=True)}
    g = e.article_terms[article]
    e.quads, e.rows, e.rows_graph = [], [], g
    e.relation(Relation(subject=subject, predicate="about", object=obj, article_id=article,
                        evidence=Span(start=0, end=30), rule="test"))
    support = {o for _, p, o, _ in e.quads + [q for row in e.rows for q in row_quads(row, g)]
               if p == "<http://www.w3.org/ns/prov#wasDerivedFrom>"}
    assert support == {f"<{g[1:-1]}/mention/{a}-{b}>" for a, b in spans}
    assert len(e.rows) == (1 if as_row else 0)
