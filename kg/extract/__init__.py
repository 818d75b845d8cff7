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

__all__ = ["extract", "extract_orgs", "extract_people", "extract_places", "extract_programs",
           "extract_quantities"]


def extract(article: Article, gazetteer: Gazetteer | None = None) -> ArticleExtraction:
    """Extract every mention and quantity of one article.

    Mentions are sorted by span start, then end; each satisfies
    ``article.text[m.span.start:m.span.end] == m.surface``.
    """
    people = extract_people(article)
    places = extract_places(article, gazetteer)
    orgs = extract_orgs(article)
    programs = extract_programs(article, orgs + places)
    mentions: list[Mention] = sorted(people + places + orgs + programs,
                                     key=lambda m: (m.span.start, m.span.end, m.type))
    quantities = extract_quantities(article)
    return ArticleExtraction(article=article, mentions=mentions, quantities=quantities)
