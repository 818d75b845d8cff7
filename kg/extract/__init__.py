"""Stage 3: extraction — article → mentions, quantities and relation candidates.

Rules and lexicons only, fully offline. Each entity type has its own module
(:mod:`~kg.extract.places`, :mod:`~kg.extract.orgs`, :mod:`~kg.extract.programs`,
:mod:`~kg.extract.people`, :mod:`~kg.extract.quantities`); :func:`extract` runs
them in order, so later rules can see earlier mentions (a quote inside an
organization name is not a program).
"""

from __future__ import annotations

from kg.extract.orgs import extract_orgs
from kg.extract.people import extract_people
from kg.extract.places import extract_places
from kg.extract.programs import extract_programs
from kg.extract.quantities import extract_quantities
from kg.gazetteer import Gazetteer
from kg.models import Article, ArticleExtraction, Mention
from kg.normalize import matching_text

__all__ = ["extract", "extract_orgs", "extract_people", "extract_places", "extract_programs",
           "extract_quantities"]


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
    orgs = extract_orgs(seen)
    programs = extract_programs(seen, orgs + places)
    mentions: list[Mention] = sorted(people + places + orgs + programs,
                                     key=lambda m: (m.span.start, m.span.end, m.type))
    places_at = [(m.span.start, m.span.end) for m in places]
    # a number inside a place name (梅湾村3组) is part of the name, not a quantity
    quantities = [q for q in extract_quantities(seen)
                  if not any(a <= q.span.start and q.span.end <= b for a, b in places_at)]
    if seen is not article:
        for m in mentions:
            printed = article.text[m.span.start:m.span.end]
            if printed != m.surface:
                m.name = m.name or m.surface
                m.surface = printed
        for q in quantities:
            q.surface = article.text[q.span.start:q.span.end]
    return ArticleExtraction(article=article, mentions=mentions, quantities=quantities)
