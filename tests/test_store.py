"""kg.store: the quads of a KnowledgeBase without rdflib, and the Oxigraph store they load into."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE

from kg.errors import KgError
from kg.models import KnowledgeBase
from kg.pipeline import build_kb
from kg.rdf import QuadData, quiet_rdflib, to_dataset
from kg.store import PROVENANCE_MODES, STORE_MARKER, graph_chunks, kb_quads, literal, load_store, nquad_line, open_store

ROOT = Path(__file__).resolve().parent.parent


def _canonical(nquads: bytes) -> set[str]:
    return {str(q) for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)}


@pytest.mark.parametrize("source", ["sources", "tests/pages"])
def test_fast_quads_equal_the_rdflib_dataset(source: str) -> None:
    """The quads written without rdflib are, term for term, those of the rdflib Dataset (canonical N-Quads)."""
    kb = build_kb([ROOT / source])
    fast = kb_quads(kb, BASE)
    with quiet_rdflib():
        reference = to_dataset(kb, BASE).serialize(format="nquads", encoding="utf-8")
    assert _canonical("".join(map(nquad_line, fast)).encode()) == _canonical(reference)
    # and each line is already what Oxigraph writes: sorted N-Quads can be diffed against any Oxigraph dump
    for q in fast[:2000]:
        parsed = next(iter(ox.parse(nquad_line(q).encode(), format=ox.RdfFormat.N_QUADS)))
        assert f"{parsed} .\n" == nquad_line(q)


def test_literals_escape_as_oxigraph_does() -> None:
    text = 'a\tb\x01\x7f"\\\n\r\u2028 泗水'
    assert literal(text, "zh") == f"{ox.Literal(text, language='zh')}"
    assert literal("3", datatype="<http://www.w3.org/2001/XMLSchema#integer>") == str(
        ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_quad_data_from_the_kb_and_from_its_dataset_export_the_same_bytes(kb: KnowledgeBase,
                                                                         provenance: str) -> None:
    from kg.rdf import EXPORTERS

    fast = QuadData.from_kb(kb, BASE, provenance=provenance)
    slow = QuadData.from_dataset(to_dataset(kb, BASE, provenance=provenance))
    for name, exp in EXPORTERS.items():
        assert exp(fast) == exp(slow), name


@pytest.mark.parametrize("provenance", PROVENANCE_MODES)
def test_graph_chunks_are_one_graph_each_and_together_the_quads(kb: KnowledgeBase, provenance: str) -> None:
    chunks = list(graph_chunks(kb, BASE, provenance=provenance))
    graphs = [{q[3] for q in chunk} for chunk in chunks]
    # entities, curated, sources, statistics and the two articles
    assert all(len(g) == 1 for g in graphs) and len({next(iter(g)) for g in graphs}) == len(chunks) == 6
    assert [q for chunk in chunks for q in chunk] == kb_quads(kb, BASE, provenance=provenance)
    assert all(chunk == sorted(set(chunk)) for chunk in chunks)


def test_store_on_disk_holds_every_quad_and_reopens(tmp_path: Path, kb: KnowledgeBase) -> None:
    data = QuadData.from_kb(kb, BASE)
    store = load_store(data.quads, tmp_path / "store")
    assert len(store) == len(data)
    del store
    assert (tmp_path / "store" / STORE_MARKER).is_file()
    assert len(open_store(tmp_path / "store")) == len(data)
    load_store(data.quads, tmp_path / "store")  # a kg store is replaced
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(KgError, match="not a kg store"):
        load_store(data.quads, other)
