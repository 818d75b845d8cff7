"""Stage 3: extraction — article → mentions, quantities and relation candidates.

Rules and lexicons only, fully offline. Each entity type has its own module
(:mod:`~kg.extract.places`, :mod:`~kg.extract.orgs`, :mod:`~kg.extract.programs`,
:mod:`~kg.extract.people`, :mod:`~kg.extract.quantities`); :func:`extract` runs
them in order, so later rules can see earlier mentions (a quote inside an
organization name is not a program).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import attrgetter

from kg.extract.orgs import extract_orgs
from kg.extract.people import extract_people
from kg.extract.places import extract_places
from kg.extract.programs import extract_programs
from kg.extract.quantities import extract_quantities
from kg.extract.spans import Spans
from kg.gazetteer import Gazetteer
from kg.models import Article, ArticleExtraction, Mention
from kg.normalize import matching_text

__all__ = ["extract", "extract_orgs", "extract_people", "extract_places", "extract_programs",
           "extract_quantities"]


def _from_last_place_chain(orgs: list[Mention], places: list[Mention]) -> list[Mention]:
    """An organization's name starts at the last run of place names inside it: in
    由前王庄村党支部领办郓城县鑫润食用菌种植专业合作社 the cooperative is 郓城县鑫润…合作社; a name
    opening with a chain of places keeps it whole (泗水县杨柳镇第一书记工作队)."""
    # administrative areas by start (a stable sort, so equal starts keep their order in ``places``)
    areas = sorted((p for p in places if p.type == "AdministrativeArea"), key=_START)
    starts = [p.span.start for p in areas]
    for m in orgs:
        # the areas inside m, by start: those starting in [m.start, m.end] that end by m.end
        window = areas[bisect_left(starts, m.span.start):bisect_right(starts, m.span.end)]
        inner = [p for p in window if p.span.end <= m.span.end]
        if not inner or inner[0].span.start != m.span.start:
            continue  # only a name that opens with places is cut at a later run (政协宁阳县委员会 stays whole)
        chain_start = None
        prev_end = m.span.start
        for p in inner:
            if p.span.start != prev_end:
                chain_start = p.span.start  # a new chain, not joined to the name's start
            prev_end = p.span.end
        if chain_start is not None:
            cut = chain_start - m.span.start
            m.surface = m.surface[cut:]
            m.span = m.span.model_copy(update={"start": chain_start})
    return orgs


_START = attrgetter("span.start")
_ORDER = attrgetter("span.start", "span.end", "type")


def extract(article: Article, gazetteer: Gazetteer | None = None) -> ArticleExtraction:
    """Extract every mention and quantity of one article.

    Mentions are sorted by span start, then end; each satisfies
    ``article.text[m.span.start:m.span.end] == m.surface``. The rules read the
    matching view of the text (:func:`kg.normalize.matching_text`: simplified
    characters, full-width punctuation); ``surface`` is as printed and
    ``name`` the simplified form where the two differ.
    """
    view = matching_text(article.text)
    seen = article if view == article.text else article.model_copy(update={"text": view})
    people = extract_people(seen)
    places = extract_places(seen, gazetteer)
    orgs = _from_last_place_chain(extract_orgs(seen), places)
    # a lake or bay inside an organization's name, not opening it, is part of the name (大河岸镇栗香湾家庭农场)
    places = [p for p in places if p.type != "Place" or not any(
        o.span.start < p.span.start and p.span.end <= o.span.end for o in orgs)]
    programs = extract_programs(seen, orgs + places)
    mentions: list[Mention] = sorted(people + places + orgs + programs, key=_ORDER)
    in_place = Spans((m.span.start, m.span.end) for m in places).contains
    # a number inside a place name (梅湾村3组) is part of the name, not a quantity
    quantities = [q for q in extract_quantities(seen) if not in_place(q.span.start, q.span.end)]
    if seen is not article:
        for m in mentions:
            printed = article.text[m.span.start:m.span.end]
            if printed != m.surface:
                m.name = m.name or m.surface
                m.surface = printed
        for q in quantities:
            q.surface = article.text[q.span.start:q.span.end]
    return ArticleExtraction(article=article, mentions=mentions, quantities=quantities)
