"""Merge candidates: near-duplicate entities written for a person to review, never merged silently.

Two entities are candidates when they have the same type, level and parent
and their names are one edit apart with the same first character and suffix
(西柳村 vs 西柳庄村 under 杨柳镇) — a shortened name, a typo or an OCR slip.
A curated ``merges`` entry (:mod:`kg.curated`) settles a candidate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import combinations
from pathlib import Path

from kg.models import KnowledgeBase, Relation, compact

COLUMNS = ["key_a", "name_a", "key_b", "name_b", "type", "parent", "reason", "evidence"]


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


_FEW = 8  # names compared pair by pair (28 pairs at most) rather than through the index


def _similar_names(names: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Pairs ``(a, b)`` of the given distinct names, ``a < b``, with the same first and last
    character and one edit apart (:func:`_one_edit`), each once.

    Linear in the names' total length plus the pairs found, not quadratic in their number: a
    name is filed under each of its inner positions with that character left out (two names of
    one length that differ in one inner character share such an entry; the first and last
    characters must match anyway), and a name one character longer is found by looking up each
    of its one-character deletions among the names. Every pair found is checked again with the
    rule itself. A few names (most groups) are compared pair by pair, which is cheaper there and
    gives the same pairs in the same order.
    """
    present = set(names)
    if len(present) <= _FEW:
        few = sorted(present)
        for i, a in enumerate(few):
            for b in few[i + 1:]:
                if a[:1] == b[:1] and a[-1:] == b[-1:] and _one_edit(a, b):
                    yield a, b
        return
    by_gap: dict[tuple[int, str], list[str]] = {}
    found: set[tuple[str, str]] = set()
    for name in sorted(present):
        last = len(name) - 1
        for i in range(len(name)):
            shorter = name[:i] + name[i + 1:]
            if shorter in present:
                found.add((shorter, name) if shorter < name else (name, shorter))
            if 0 < i < last:
                by_gap.setdefault((i, shorter), []).append(name)
    for same in by_gap.values():
        found.update(combinations(same, 2))  # sorted names: each pair is (smaller, larger)
    for a, b in sorted(found):
        if a[:1] == b[:1] and a[-1:] == b[-1:] and _one_edit(a, b):
            yield a, b


def merge_candidates(kb: KnowledgeBase) -> list[dict[str, str]]:
    """Near-duplicate pairs as rows of :data:`COLUMNS`, sorted; also added to ``kb.relations``
    as ``mergeCandidate`` relations (rule = the reason). Two entities that both carry an official
    code are never candidates; an unlinked name next to a coded one is (西柳村 / 西柳庄村 370831107217).

    Entities are compared within a group of the same type, level and parent. Groups come in the
    order of their ``(type, level, parent)`` written as text, and pairs within a group in the
    order of their keys (key_a < key_b). Similar names are found through an index
    (:func:`_similar_names`), so a group of many thousand organizations is not compared pair by
    pair.
    """
    groups: dict[tuple[str, str | None, str | None], list[str]] = {}
    for key, e in kb.entities.items():
        if e.type in ("AdministrativeArea", "Organization"):
            groups.setdefault((e.type, e.subtype, e.parent), []).append(key)
    found: list[tuple[str, str, str, str | None]] = []  # (key_a, key_b, type, parent) in row order
    for (etype, _, parent), keys in sorted(groups.items(), key=lambda kv: str(kv[0])):
        if len(keys) < 2:  # most groups: nothing to compare
            continue
        by_name: dict[str, list[str]] = {}
        for key in keys:
            by_name.setdefault(kb.entities[key].name, []).append(key)
        if len(by_name) < 2:
            continue
        pairs: list[tuple[str, str]] = []
        for name_a, name_b in _similar_names(by_name):
            for ka in by_name[name_a]:
                for kb_ in by_name[name_b]:
                    if kb.entities[ka].code and kb.entities[kb_].code:
                        continue  # two official divisions are two places, however alike their names
                    pairs.append((ka, kb_) if ka < kb_ else (kb_, ka))
        found.extend((ka, kb_, etype, parent) for ka, kb_ in sorted(pairs))
    wanted = {k for ka, kb_, _, _ in found for k in (ka, kb_)}
    where: dict[str, list[str]] = {}
    for rm in kb.mentions:
        if rm.entity in wanted:
            where.setdefault(rm.entity, []).append(f"{rm.mention.article_id}@{rm.mention.span.start}")
    if kb.spool is not None and wanted:  # the mentions of spooled articles
        for rec in kb.spool.light():
            for key, start in rec.mentions:
                if key in wanted:
                    where.setdefault(key, []).append(f"{rec.article_id}@{start}")
    first_three = {k: sorted(places)[:3] for k, places in where.items()}
    rows = []
    added: list[Relation] = []
    for ka, kb_, etype, parent in found:
        a, b = kb.entities[ka], kb.entities[kb_]
        reason = f"names one character apart under the same parent ({a.name} / {b.name})"
        rows.append({"key_a": ka, "name_a": a.name, "key_b": kb_, "name_b": b.name, "type": etype,
                     "parent": kb.entities[parent].name if parent in kb.entities else "",
                     "reason": reason,
                     "evidence": ";".join(first_three.get(ka, []) + first_three.get(kb_, []))})
        added.append(Relation(subject=ka, predicate="mergeCandidate", object=kb_, rule=f"review: {reason}"))
    compact(added, deep=False)  # one fields-set for all: 2.7·10⁵ of them at 10⁵ articles
    kb.relations.extend(added)
    return rows


def review_csv(rows: list[dict[str, str]]) -> bytes:
    """The rows as UTF-8 CSV (with a header), deterministic."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_review(rows: list[dict[str, str]], path: Path) -> Path:
    """Write ``review.csv`` atomically (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(review_csv(rows))
    tmp.replace(path)
    return path
