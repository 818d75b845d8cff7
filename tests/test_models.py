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
