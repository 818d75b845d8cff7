"""kg.models.compact: smaller extractions, same values."""

from __future__ import annotations

import pickle
from pathlib import Path

from kg.models import ArticleExtraction, compact
from kg.parallel import extract_document, init_worker
from kg.sources import iter_sources

SOURCES = Path(__file__).resolve().parent.parent / "sources"


def _extractions() -> list[ArticleExtraction]:
    init_worker(None)
    docs = [d for d in iter_sources([SOURCES]) if not isinstance(d, Exception)]
    assert docs, "the sample page is missing"
    return [ex for d in docs for ex in extract_document(d)]


def test_compact_keeps_every_value_and_shares_repeated_strings() -> None:
    exs = _extractions()
    before = [ex.model_dump() for ex in exs]
    fresh = [ArticleExtraction.model_validate(d) for d in before]  # new objects, nothing shared
    ids = {id(m.article_id) for ex in fresh for m in ex.mentions}
    assert len(ids) > 1  # validation gave each mention its own string
    compact(fresh)
    assert [ex.model_dump() for ex in fresh] == before
    for ex in fresh:  # one string per article id, type and rule
        assert len({id(m.article_id) for m in ex.mentions}) <= 1
        assert len({id(m.type) for m in ex.mentions}) == len({m.type for m in ex.mentions})
    # pickling (worker → parent) keeps the values, and the sharing within one pickle
    back = pickle.loads(pickle.dumps(fresh))
    assert [ex.model_dump() for ex in back] == before
    assert len(pickle.dumps(fresh)) < len(pickle.dumps([ArticleExtraction.model_validate(d) for d in before]))


def test_assigning_after_compact_changes_only_that_model() -> None:
    exs = _extractions()
    compact(exs)
    a, b = exs[0].mentions[0], exs[0].mentions[1]
    other = b.model_dump()
    a.name = "改名"
    assert a.name == "改名" and b.model_dump() == other
    assert "name" in a.model_fields_set and a.model_fields_set == b.model_fields_set == set(type(a).model_fields)


def test_pickled_models_come_back_equal_with_their_fields_set() -> None:
    """Models pickle as (class, values, fields set) (_Model.__reduce_ex__); one with private attributes
    (KnowledgeBase) as pydantic pickles it."""
    from kg.models import Entity, KnowledgeBase

    exs = _extractions()
    unset = Entity(key="org/x", type="Organization", name="x")  # most fields left to their defaults
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(exs, protocol))
        assert back == exs
        assert [repr(x) for x in back] == [repr(x) for x in exs]
        assert [x.model_fields_set for x in back] == [x.model_fields_set for x in exs]
        assert [m.model_fields_set for x in back for m in x.mentions] == [
            m.model_fields_set for x in exs for m in x.mentions]
        again = pickle.loads(pickle.dumps(unset, protocol))
        assert again == unset and again.model_fields_set == {"key", "type", "name"}
        again.labels.append("y")  # its own list
        assert unset.labels == []
    kb = KnowledgeBase(articles=[exs[0].article])
    kb.spool = "kept"
    back_kb = pickle.loads(pickle.dumps(kb))
    assert back_kb == kb and back_kb.spool == "kept"
