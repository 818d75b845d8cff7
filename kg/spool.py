"""Per-article records kept on disk during a build, so memory holds entities, not mentions.

A build of 10⁵ articles resolves ~2.6 M mentions, ~1.5 M quantities and ~1 M
relations; as Pydantic objects they take ~5 GiB. The entities (a few per
article) are what resolution needs to keep; an article's mentions, quantities
and relations are final once the article is resolved. :class:`RecordSpool`
takes them then (``Resolver(spool=…)``), writes them to an anonymous
temporary file and gives them back one article at a time:

* :meth:`RecordSpool.records` — the models, for the RDF of one article graph
  (:class:`kg.store.GraphPieces`); readable from forked worker processes
  (``os.pread`` on the inherited file descriptor). They are written as plain
  tuples (``marshal``, :func:`_encode`; ~4× faster to write than pickling the
  models, half the bytes) and made into models again on reading
  (:func:`_decode`, without validation: the values were valid when written);
* :meth:`RecordSpool.light` — plain tuples (``marshal``, ~20× faster to read),
  for the passes over every article: Gephi views (:mod:`kg.views`), merge
  candidates' evidence (:mod:`kg.review`), entities' article counts and the
  summaries of figures by unit (:mod:`kg.store`).

Curated decisions applied after resolution (:func:`kg.curated.apply_curated`)
reach spooled records as :attr:`RecordSpool.fixes`, replayed on every read:
``("drop", keys)`` (not-entities), ``("merge", gone, keep)`` and
``("split", old, new, article_ids)``, in the order they were made, with the
same effect as on an in-memory KnowledgeBase (a test compares every output
file byte for byte).
"""

from __future__ import annotations

import marshal
import os
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from kg.models import Mention, Quantity, Relation, ResolvedMention, Span

__all__ = ["ArticleRecords", "LightRecords", "RecordSpool", "apply_fix", "decode_records", "quantity_value"]

Fix = tuple[Any, ...]
"""A curated decision replayed on spooled records: ``("drop", frozenset[str])``,
``("merge", gone, keep)`` or ``("split", old, new, frozenset[str] of article ids)``."""

LightMention = tuple[str, int]
"""(entity key, span start) of a mention."""

LightRelation = tuple[str, str, str, int | None, int | None, str]
"""(subject, predicate, object, evidence start, evidence end, rule) of a relation of the article."""

LightQuantity = tuple[str, str | None]
"""(unit, value) of a quantity: its ``value``, else its ``min_value`` (a range), as Decimal text, or None."""


@dataclass
class ArticleRecords:
    """One article's resolved records, in the order resolution made them."""

    mentions: list[ResolvedMention] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


@dataclass
class LightRecords:
    """One article's records as plain tuples: :data:`LightMention` and :data:`LightRelation`."""

    article_id: str
    mentions: list[LightMention]
    relations: list[LightRelation]
    quantities: list[LightQuantity]


class RecordSpool:
    """Append-only store of :class:`ArticleRecords` by article index (0, 1, … in resolution order).

    The file is an anonymous temporary file (removed by the OS when closed or
    when the process ends). ``counts`` are the totals of mentions, quantities
    and relations added (:meth:`totals` applies the curated fixes). Raises OSError when the temporary folder is full.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="kg-spool-")
        self._fd = self._file.fileno()
        self._offsets = array("q", [0])  # record i: full blob, then light blob, ends at offsets[i + 1]
        self._split = array("q")  # where record i's light blob starts
        self._end = 0
        self._ids: list[str] = []
        self.counts = {"mentions": 0, "quantities": 0, "relations": 0}
        self._quantities = array("q")  # quantities per article
        self.fixes: list[Fix] = []

    def __len__(self) -> int:
        return len(self._ids)

    def append(self, article_id: str, records: ArticleRecords) -> None:
        """Add the next article's records (written at once; the objects can then be dropped)."""
        mentions, quantities, relations = _encode(records)
        full = marshal.dumps((mentions, quantities, relations))
        light = marshal.dumps((
            [(m[0], m[2]) for m in mentions],
            [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in relations],
            [(q[8], q[5] if q[5] is not None else q[6]) for q in quantities]))
        self._file.write(full)
        self._file.write(light)
        self._split.append(self._end + len(full))
        self._end += len(full) + len(light)
        self._offsets.append(self._end)
        self._ids.append(article_id)
        n = len(records.mentions), len(records.quantities), len(records.relations)
        self.counts["mentions"] += n[0]
        self.counts["quantities"] += n[1]
        self.counts["relations"] += n[2]
        self._quantities.append(n[1])

    def seal(self) -> None:
        """Flush writes, so that reads (here or in forked processes) see every record."""
        self._file.flush()

    def close(self) -> None:
        """Remove the file."""
        self._file.close()

    def totals(self) -> tuple[int, int, int]:
        """(mentions, quantities, relations) in the spool, curated fixes applied."""
        if not self.fixes:
            return self.counts["mentions"], self.counts["quantities"], self.counts["relations"]
        mentions = relations = 0
        for rec in self.light():
            mentions += len(rec.mentions)
            relations += len(rec.relations)
        return mentions, self.counts["quantities"], relations

    def record_sizes(self) -> Iterator[int]:
        """Mentions + quantities + relations of each article, in order, curated fixes applied."""
        for n, rec in zip(self._quantities, self.light(), strict=True):
            yield n + len(rec.mentions) + len(rec.relations)

    def records(self, i: int) -> ArticleRecords:
        """Article ``i``'s records as new model objects, curated fixes applied."""
        return decode_records(self.raw(i), self.fixes)

    def raw(self, i: int) -> bytes:
        """Article ``i``'s records as stored (:func:`decode_records` of them and :attr:`fixes` gives
        :meth:`records`): what another process, without this file, needs to read them."""
        start, split = self._offsets[i], self._split[i]
        return os.pread(self._fd, split - start, start)

    def light(self) -> Iterator[LightRecords]:
        """Every article's :class:`LightRecords`, in order, curated fixes applied."""
        for i, article_id in enumerate(self._ids):
            start, end = self._split[i], self._offsets[i + 1]
            mentions, relations, quantities = marshal.loads(os.pread(self._fd, end - start, start))
            out = LightRecords(article_id, mentions, relations, quantities)
            for fix in self.fixes:
                _apply_light(fix, out)
            yield out


def decode_records(raw: bytes, fixes: list[Fix]) -> ArticleRecords:
    """An article's records as new model objects from :meth:`RecordSpool.raw`, the curated ``fixes``
    (:attr:`RecordSpool.fixes`) applied."""
    out = _decode(marshal.loads(raw))
    for fix in fixes:
        apply_fix(fix, out)
    return out


def quantity_value(q: Quantity) -> Decimal | None:
    """The value a figure is summed and compared by: ``value``, else ``min_value`` (a range 3至5年
    counts by its minimum), else None."""
    return q.value if q.value is not None else q.min_value


# The stored form of a record (:func:`_encode`), field by field in the models' order:
#   mention   (entity, article_id, start, end, surface, type, subtype, name, rule)
#   quantity  (id, article_id, start, end, surface, value, min_value, max_value, unit, qualifier,
#              measures, subject, recipients), Decimals as their text (str ↔ Decimal is exact)
#   relation  (subject, predicate, object, article_id, evidence start, evidence end, rule)
_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    ResolvedMention: ("mention", "entity"),
    Mention: ("article_id", "span", "surface", "type", "subtype", "name", "rule"),
    Span: ("start", "end"),
    Quantity: ("id", "article_id", "span", "surface", "value", "min_value", "max_value", "unit", "qualifier",
               "measures", "subject", "recipients"),
    Relation: ("subject", "predicate", "object", "article_id", "evidence", "rule"),
}
for _cls, _names in _FIELDS.items():  # a field added to a model must be added to _encode and _decode too
    if tuple(_cls.model_fields) != _names:
        raise RuntimeError(f"kg.spool stores {_cls.__name__} as {_names}, but the model's fields are "
                           f"{tuple(_cls.model_fields)}: update kg.spool._encode and _decode")

# every field set, one set per class (an assignment adds a name already there: the sets never change)
_FIELD_SETS = {cls: set(names) for cls, names in _FIELDS.items()}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _encode(records: ArticleRecords) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The records as tuples of plain values (for ``marshal``); see the layout above."""
    mentions = []
    for rm in records.mentions:
        m = rm.mention
        mentions.append((rm.entity, m.article_id, m.span.start, m.span.end, m.surface, m.type, m.subtype, m.name,
                         m.rule))
    quantities = [(q.id, q.article_id, q.span.start, q.span.end, q.surface, _text(q.value), _text(q.min_value),
                   _text(q.max_value), q.unit, q.qualifier, q.measures, q.subject, q.recipients)
                  for q in records.quantities]
    relations = [(r.subject, r.predicate, r.object, r.article_id,
                  r.evidence.start if r.evidence is not None else None,
                  r.evidence.end if r.evidence is not None else None, r.rule) for r in records.relations]
    return mentions, quantities, relations


def _decode(stored: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> ArticleRecords:
    """New models from :func:`_encode`'s tuples, equal to the models encoded. Made as unpickling makes
    them (instance dict, no validation), with every field set (as :func:`kg.models.compact` leaves a model)."""
    new, put = object.__new__, object.__setattr__
    fields = _FIELD_SETS
    span_fields, mention_fields, rm_fields = fields[Span], fields[Mention], fields[ResolvedMention]

    def model(cls: type, values: dict[str, Any], fields_set: set[str]) -> Any:
        obj: Any = new(cls)
        put(obj, "__dict__", values)
        put(obj, "__pydantic_fields_set__", fields_set)
        put(obj, "__pydantic_extra__", None)
        put(obj, "__pydantic_private__", None)
        return obj

    def span(start: int, end: int) -> Span:
        return model(Span, {"start": start, "end": end}, span_fields)  # type: ignore[no-any-return]

    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    mentions, quantities, relations = stored
    out = ArticleRecords()
    out.mentions = [
        model(ResolvedMention, {"mention": model(Mention, {
            "article_id": article_id, "span": span(start, end), "surface": surface, "type": typ,
            "subtype": subtype, "name": name, "rule": rule}, mention_fields), "entity": entity}, rm_fields)
        for entity, article_id, start, end, surface, typ, subtype, name, rule in mentions]
    q_fields = fields[Quantity]
    out.quantities = [
        model(Quantity, {"id": qid, "article_id": article_id, "span": span(start, end), "surface": surface,
                         "value": number(value), "min_value": number(low), "max_value": number(high), "unit": unit,
                         "qualifier": qualifier, "measures": measures, "subject": subject,
                         "recipients": recipients}, q_fields)
        for qid, article_id, start, end, surface, value, low, high, unit, qualifier, measures, subject, recipients
        in quantities]
    r_fields = fields[Relation]
    out.relations = [
        model(Relation, {"subject": s, "predicate": p, "object": o, "article_id": article_id,
                         "evidence": span(start, end) if start is not None else None, "rule": rule}, r_fields)
        for s, p, o, article_id, start, end, rule in relations]
    return out


def apply_fix(fix: Fix, rec: ArticleRecords) -> None:
    """One curated decision on records (of one article, or a whole in-memory KnowledgeBase's lists):
    the record part of :func:`kg.curated.apply_curated`, which calls it on its lists and logs the
    fix for the spooled ones. A merge drops self-loops and repeats of (subject, predicate, object,
    article), keeping the first."""
    kind = fix[0]
    if kind == "drop":
        doomed = fix[1]
        rec.mentions = [rm for rm in rec.mentions if rm.entity not in doomed]
        rec.relations = [r for r in rec.relations if r.subject not in doomed and r.object not in doomed]
        for q in rec.quantities:
            q.subject = None if q.subject in doomed else q.subject
            q.recipients = [x for x in q.recipients if x not in doomed]
    elif kind == "merge":
        gone, keep = fix[1], fix[2]
        for rm in rec.mentions:
            if rm.entity == gone:
                rm.entity = keep
        for r in rec.relations:
            r.subject = keep if r.subject == gone else r.subject
            r.object = keep if r.object == gone else r.object
        for q in rec.quantities:
            q.subject = keep if q.subject == gone else q.subject
            q.recipients = [keep if x == gone else x for x in q.recipients]
        seen: set[tuple[str, str, str, str | None]] = set()
        kept = []
        for r in rec.relations:
            sig = (r.subject, r.predicate, r.object, r.article_id)
            if r.subject == r.object or sig in seen:
                continue
            seen.add(sig)
            kept.append(r)
        rec.relations = kept
    elif kind == "split":
        old, new, articles = fix[1], fix[2], fix[3]
        for rm in rec.mentions:
            if rm.entity == old and rm.mention.article_id in articles:
                rm.entity = new


def _apply_light(fix: Fix, rec: LightRecords) -> None:
    """:func:`apply_fix` on the light records of one article."""
    kind = fix[0]
    if kind == "drop":
        doomed = fix[1]
        rec.mentions = [m for m in rec.mentions if m[0] not in doomed]
        rec.relations = [r for r in rec.relations if r[0] not in doomed and r[2] not in doomed]
    elif kind == "merge":
        gone, keep = fix[1], fix[2]
        rec.mentions = [(keep, m[1]) if m[0] == gone else m for m in rec.mentions]
        seen: set[tuple[str, str, str]] = set()
        kept = []
        for s, p, o, start, end, rule in rec.relations:
            s, o = keep if s == gone else s, keep if o == gone else o
            if s == o or (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            kept.append((s, p, o, start, end, rule))
        rec.relations = kept
    elif kind == "split":
        old, new, articles = fix[1], fix[2], fix[3]
        if rec.article_id in articles:
            rec.mentions = [(new, m[1]) if m[0] == old else m for m in rec.mentions]
