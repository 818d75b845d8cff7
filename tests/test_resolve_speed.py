"""The indexed forms of resolution and review give what the plain pair-by-pair rules give.

No timings here: these tests only check that the indexes change nothing.
"""

from __future__ import annotations

import random
from itertools import combinations

from kg.models import Entity, KnowledgeBase, Mention, Relation, ResolvedMention, Span
from kg.review import _one_edit, _similar_names, merge_candidates


def _reference_rows(kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    """Merge candidates by comparing every pair in a group (the rule as first written)."""
    groups: dict[tuple[str, str | None, str | None], list[str]] = {}
    for key, e in kb.entities.items():
        if e.type in ("AdministrativeArea", "Organization"):
            groups.setdefault((e.type, e.subtype, e.parent), []).append(key)
    where: dict[str, list[str]] = {}
    for rm in kb.mentions:
        where.setdefault(rm.entity, []).append(f"{rm.mention.article_id}@{rm.mention.span.start}")
    rows = []
    for _, keys in sorted(groups.items(), key=lambda kv: str(kv[0])):
        for ka, kb_ in combinations(sorted(keys), 2):
            a, b = kb.entities[ka], kb.entities[kb_]
            if a.code and b.code:
                continue
            if a.name[:1] == b.name[:1] and a.name[-1:] == b.name[-1:] and _one_edit(a.name, b.name):
                evidence = ";".join(sorted(where.get(ka, []))[:3] + sorted(where.get(kb_, []))[:3])
                rows.append((ka, kb_, a.name + "/" + b.name, evidence))
    return rows


def _random_kb(rng: random.Random, n: int) -> KnowledgeBase:
    kb = KnowledgeBase()
    parents = [None, "place/370831", "place/370830"]
    for i in range(n):
        name = "".join(rng.choice("西柳庄杨") for _ in range(rng.randint(0, 4))) + rng.choice("村镇局")
        typ = rng.choice(["AdministrativeArea", "Organization", "Program"])
        key = f"{'place' if typ == 'AdministrativeArea' else 'org'}/{rng.randint(0, 99):02d}-{i}"
        kb.entities[key] = Entity(key=key, type=typ, subtype=rng.choice(["村", None]), name=name,  # type: ignore[arg-type]
                                  parent=rng.choice(parents), code=rng.choice([None, None, f"{i:06d}"]))
    keys = list(kb.entities)
    for _ in range(n * 2):
        start = rng.randint(0, 500)
        m = Mention(article_id=f"a{rng.randint(0, 30)}", span=Span(start=start, end=start + 2), surface="x",
                    type="Organization", rule="test")
        kb.mentions.append(ResolvedMention(mention=m, entity=rng.choice(keys)))
    return kb


def test_similar_names_are_the_pairs_one_edit_apart() -> None:
    rng = random.Random(5)
    names = {"".join(rng.choice("ab村") for _ in range(rng.randint(0, 5))) for _ in range(300)}
    expected = sorted((a, b) for a, b in combinations(sorted(names), 2)
                      if a[:1] == b[:1] and a[-1:] == b[-1:] and _one_edit(a, b))
    assert list(_similar_names(names)) == expected
    for size in range(12):  # a few names are compared pair by pair, more through the index: the same pairs
        for _ in range(40):
            few = {"".join(rng.choice("ab村") for _ in range(rng.randint(1, 4))) for _ in range(size)}
            assert list(_similar_names(few)) == sorted(
                (a, b) for a, b in combinations(sorted(few), 2) if a[:1] == b[:1] and a[-1:] == b[-1:]
                and _one_edit(a, b))


def test_merge_candidates_are_those_of_the_pairwise_rule() -> None:
    for seed in range(4):
        kb = _random_kb(random.Random(seed), 400)
        expected = _reference_rows(kb)
        before = len(kb.relations)
        rows = merge_candidates(kb)
        assert [(r["key_a"], r["key_b"], r["name_a"] + "/" + r["name_b"], r["evidence"]) for r in rows] == expected
        assert expected  # the random names do give candidates
        assert [(r.subject, r.object) for r in kb.relations[before:]] == [(r[0], r[1]) for r in expected]
        for r in kb.relations[before:]:  # made without validation: what validation would have made
            assert r == Relation.model_validate(r.model_dump()) and r.predicate == "mergeCandidate"


def test_resolver_indexes_hold_every_entity_of_their_kind() -> None:
    """The name indexes kept while resolving agree with a scan of the entities made."""
    from collections import defaultdict
    from pathlib import Path

    from kg.gazetteer import Gazetteer
    from kg.pipeline import extract_sources
    from kg.resolve import Resolver

    pages = Path(__file__).resolve().parent / "pages"
    resolver = Resolver(Gazetteer.default())
    kb = resolver.resolve(extract_sources([pages]))
    areas: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    under: dict[tuple[str, str | None, str | None], set[str]] = defaultdict(set)
    officials: dict[str, set[str]] = defaultdict(set)
    for key, e in kb.entities.items():
        if e.type == "AdministrativeArea":
            areas[(e.name, e.subtype)].add(key)
            under[(e.name, e.subtype, e.parent)].add(key)
        elif e.type == "Person" and key.split("/", 1)[1].split("-", 1)[0].isdigit():
            officials[e.name].add(key)
    assert officials and any(len(keys) > 1 for keys in areas.values())
    for index, expected in ((resolver._areas, areas), (resolver._areas_under, under),
                            (resolver._officials, officials)):
        assert {k: set(v) for k, v in index.items()} == expected
        assert all(len(v) == len(set(v)) for v in index.values())


def test_resolve_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    from kg.resolve import resolve

    assert gc.isenabled()
    resolve([])
    assert gc.isenabled()
    gc.disable()
    try:
        resolve([])
        assert not gc.isenabled()
    finally:
        gc.enable()
