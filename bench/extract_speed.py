"""Throughput of layout + extraction, stage by stage, on the sample page repeated N times.

    .venv/bin/python bench/extract_speed.py                 # 200 copies of the sample page
    .venv/bin/python bench/extract_speed.py --repeat 20 --profile 25

Input is deterministic: ``sources/jining-daily-page.txt`` read once, then N
SourceDocuments with ids ``bench-0001`` … holding the same text (so article ids
stay unique and resolution merges the same entities N times). Because every copy
is the same text, a cache keyed by text (an ``lru_cache`` on a function of the
article text) would make every copy after the first nearly free: such a cache
must be excluded or cleared before reading these figures as throughput. Every stage is
timed on its own, in pipeline order, with the inputs the pipeline would give it:

    layout       kg.layout.layout(doc)                      per page
    view         kg.normalize.matching_text(article.text)   the matching view the rules read
    people       kg.extract.extract_people(seen)            per article, ``seen`` the article
    places       kg.extract.extract_places(seen, gaz)       with the view as its text, as
    orgs         kg.extract.extract_orgs(seen)              kg.extract.extract builds it
    programs     kg.extract.extract_programs(seen, orgs + places)
    quantities   kg.extract.extract_quantities(seen)
    extract()    kg.extract.extract(article, gaz): all of the above, as the pipeline calls it
    resolve      kg.resolve.resolve(extractions, gaz): the one global step

Speeds are characters of page text per CPU second of one stage (the script is
single-threaded, so this is per core; CPU time rather than wall time keeps the
figures steady when other processes share the machine); "layout + extraction" is layout plus extract().
A warm-up run on one page (lexicons read, regular expressions compiled) is
timed separately and excluded. Peak RSS is ``resource.getrusage`` of this
process. The script prints figures and asserts nothing; ``--profile K``
re-runs layout + extract(), then resolve, under cProfile and prints the top K
functions of each by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.extract import (  # noqa: E402
    extract,
    extract_orgs,
    extract_people,
    extract_places,
    extract_programs,
    extract_quantities,
)
from kg.extract.names import quote_depth  # noqa: E402
from kg.gazetteer import Gazetteer  # noqa: E402
from kg.layout import layout  # noqa: E402
from kg.models import Article, ArticleExtraction, Mention, SourceDocument  # noqa: E402
from kg.normalize import matching_text  # noqa: E402
from kg.pipeline import load_gazetteer  # noqa: E402
from kg.resolve import resolve  # noqa: E402
from kg.sources import read_source  # noqa: E402

PAGE = ROOT / "sources" / "jining-daily-page.txt"
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and the CPU seconds of this process it took (steadier than wall time on a busy machine)."""
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def documents(repeat: int) -> list[SourceDocument]:
    """``repeat`` copies of the sample page, ids ``bench-0001`` …"""
    page = read_source(PAGE)
    return [page.model_copy(update={"id": f"bench-{i:04d}"}) for i in range(1, repeat + 1)]


def peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def fresh() -> None:
    """Forget kg's per-text caches, so N identical pages cost what N different pages would."""
    matching_text.cache_clear()
    quote_depth.cache_clear()


def run_stages(docs: list[SourceDocument], gaz: Gazetteer) -> tuple[dict[str, float], list[ArticleExtraction]]:
    """Seconds spent in each stage over all ``docs``, and the extractions (from extract())."""
    secs: dict[str, float] = {}
    articles: list[Article]
    pages, secs["layout"] = timed(lambda: [(fresh(), layout(d))[1] for d in docs])
    articles = [a for page in pages for a in page]

    views, secs["view"] = timed(lambda: [(fresh(), matching_text(a.text))[1] for a in articles])
    seen = [a if v == a.text else a.model_copy(update={"text": v}) for a, v in zip(articles, views, strict=True)]
    _, secs["people"] = timed(lambda: [extract_people(a) for a in seen])
    places: list[list[Mention]]
    orgs: list[list[Mention]]
    places, secs["places"] = timed(lambda: [extract_places(a, gaz) for a in seen])
    orgs, secs["orgs"] = timed(lambda: [extract_orgs(a) for a in seen])
    _, secs["programs"] = timed(lambda: [extract_programs(a, o + p) for a, o, p in zip(seen, orgs, places,
                                                                                       strict=True)])
    _, secs["quantities"] = timed(lambda: [extract_quantities(a) for a in seen])
    extractions, secs["extract()"] = timed(lambda: [(fresh(), extract(a, gaz))[1] for a in articles])
    return secs, extractions


def _top(prof: cProfile.Profile, title: str, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs()
    for key, what in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out.write(f"--- {title}: top {top} by {what}\n")
        stats.sort_stats(key).print_stats(top)
    return out.getvalue()


def profile(docs: list[SourceDocument], gaz: Gazetteer, top: int) -> str:
    """cProfile of layout + extract() over ``docs``, then of resolve: the top functions of each."""
    prof = cProfile.Profile()
    prof.enable()
    extractions = [extract(a, gaz) for d in docs for a in layout(d)]
    prof.disable()
    text = _top(prof, "layout + extract()", top)
    prof = cProfile.Profile()
    prof.enable()
    resolve(extractions, gaz)
    prof.disable()
    return text + _top(prof, "resolve", top)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200, help="copies of the sample page (default 200)")
    ap.add_argument("--profile", type=int, default=0, metavar="K",
                    help="also profile layout + extract() and resolve; print the top K functions of each")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    gaz, t_gaz = timed(load_gazetteer)
    docs = documents(args.repeat)
    chars = sum(len(d.text) for d in docs)
    _, t_warm = timed(lambda: [extract(a, gaz) for a in layout(docs[0])])

    secs, extractions = run_stages(docs, gaz)
    n_articles = len(extractions)
    _, t_resolve = timed(lambda: resolve(extractions, gaz))

    print(f"input: {args.repeat} x {PAGE.name} = {chars:,} characters, {n_articles:,} articles "
          f"(Python {sys.version.split()[0]}, one core)")
    print(f"one-off: gazetteer load {t_gaz:.3f} s, warm-up on one page {t_warm:.3f} s (excluded below)")
    print()
    print(f"{'stage':<26}{'CPU s':>10}{'chars/s':>14}{'share':>8}")
    parts = ("view", "people", "places", "orgs", "programs", "quantities")
    stage_sum = sum(secs[k] for k in parts)
    total = secs["layout"] + secs["extract()"]
    for name in ("layout", *parts):
        print(f"{name:<26}{secs[name]:>10.3f}{chars / secs[name]:>14,.0f}{secs[name] / total:>8.1%}")
    print(f"{'(sum of the six)':<26}{stage_sum:>10.3f}{chars / stage_sum:>14,.0f}")
    print(f"{'extract() as called':<26}{secs['extract()']:>10.3f}{chars / secs['extract()']:>14,.0f}")
    print(f"{'layout + extraction':<26}{total:>10.3f}{chars / total:>14,.0f}{1:>8.0%}")
    print(f"{'resolve':<26}{t_resolve:>10.3f}{chars / t_resolve:>14,.0f}")
    print()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB; wall time of the whole run {time.perf_counter() - t0:.1f} s")
    if args.profile:
        print()
        print(profile(docs, gaz, args.profile))


if __name__ == "__main__":
    main()
