"""Merge candidates: near-duplicate entities written for a person to review, never merged silently.

Two entities are candidates when they have the same type, level and parent
and their names are one edit apart with the same first character and suffix
(西柳村 vs 西柳庄村 under 杨柳镇) — a shortened name, a typo or an OCR slip.
A curated ``merges`` entry (:mod:`kg.curated`) settles a candidate.
"""

from __future__ import annotations

import csv
import io
from itertools import combinations
from pathlib import Path

from kg.models import KnowledgeBase, Relation

COLUMNS = ["key_a", "name_a", "key_b", "name_b", "type", "parent", "reason", "evidence"]


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


def merge_candidates(kb: KnowledgeBase) -> list[dict[str, str]]:
    """Near-duplicate pairs as rows of :data:`COLUMNS`, sorted; also added to ``kb.relations``
    as ``mergeCandidate`` relations (rule = the reason). Two entities that both carry an official
    code are never candidates; an unlinked name next to a coded one is (西柳村 / 西柳庄村 370831107217)."""
    groups: dict[tuple[str, str | None, str | None], list[str]] = {}
    for key, e in kb.entities.items():
        if e.type in ("AdministrativeArea", "Organization"):
            groups.setdefault((e.type, e.subtype, e.parent), []).append(key)
    where: dict[str, list[str]] = {}
    for rm in kb.mentions:
        where.setdefault(rm.entity, []).append(f"{rm.mention.article_id}@{rm.mention.span.start}")
    rows = []
    for (etype, _, parent), keys in sorted(groups.items(), key=lambda kv: str(kv[0])):
        for ka, kb_ in combinations(sorted(keys), 2):
            a, b = kb.entities[ka], kb.entities[kb_]
            if a.code and b.code:
                continue  # two official divisions are two places, however alike their names
            if a.name[:1] == b.name[:1] and a.name[-1:] == b.name[-1:] and _one_edit(a.name, b.name):
                reason = f"names one character apart under the same parent ({a.name} / {b.name})"
                rows.append({"key_a": ka, "name_a": a.name, "key_b": kb_, "name_b": b.name, "type": etype,
                             "parent": kb.entities[parent].name if parent in kb.entities else "",
                             "reason": reason,
                             "evidence": ";".join(sorted(where.get(ka, []))[:3] + sorted(where.get(kb_, []))[:3])})
                kb.relations.append(Relation(subject=ka, predicate="mergeCandidate", object=kb_,
                                             rule=f"review: {reason}"))
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
