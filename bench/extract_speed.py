"""Throughput of layout + extraction, stage by stage, on the sample page repeated N times.

    .venv/bin/python bench/extract_speed.py                 # 200 copies of the sample page
    .venv/bin/python bench/extract_speed.py --repeat 20 --profile 25

Input is deterministic: ``sources/jining-daily-page.txt`` read once, then N
SourceDocuments with ids ``bench-0001`` … holding the same text (so article ids
stay unique and resolution merges the same entities N times). Because every copy
is the same text, the per-text caches of the timed stages (an ``lru_cache`` on
a function whose first parameter is ``text`` in kg.layout, kg.normalize or
kg.extract: :func:`text_caches`) are cleared before each page, so N identical
pages cost what N different pages would. Caches keyed by a name or a character
are kept, as in a real build, where names recur; resolution, run once over all
pages, profits from such caches more here (every name recurs N times) than on
N different pages.

Two passes over the pages:

* stage by stage, each stage run on one page's articles from cold per-text caches,
  with the inputs the pipeline would give it:

    layout       kg.layout.layout(doc)
    view         kg.normalize.matching_text(article.text)   the matching view the rules read
    people       kg.extract.extract_people(seen)            ``seen``: the article with the view
    places       kg.extract.extract_places(seen, gaz)       as its text, as kg.extract.extract
    orgs         kg.extract.extract_orgs(seen)              builds it
    programs     kg.extract.extract_programs(seen, orgs + places)
    quantities   kg.extract.extract_quantities(seen)

* in pipeline order (as kg.pipeline does it): per page, layout then
  kg.extract.extract on each article; this pass gives "layout + extraction",
  the figure to compare with the target. Then resolution:

    resolve      kg.resolve.resolve(extractions, gaz): the one global step

Speeds are characters of page text per CPU second (the script is
single-threaded, so this is per core; CPU time rather than wall time keeps the
figures steady when other processes share the machine).
A warm-up run on one page (lexicons read, regular expressions compiled) is
timed separately and excluded. Peak RSS is ``resource.getrusage`` of this
process. The script prints figures and asserts nothing; ``--profile K``
re-runs layout + extract(), then resolve, under cProfile and prints the top K
functions of each by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import pstats
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

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
from kg.gazetteer import Gazetteer  # noqa: E402
from kg.layout import layout  # noqa: E402
from kg.models import Article, ArticleExtraction, Mention, SourceDocument  # noqa: E402
from kg.normalize import matching_text  # noqa: E402
from kg.pipeline import load_gazetteer  # noqa: E402
from kg.resolve import resolve  # noqa: E402
from kg.sources import read_source  # noqa: E402

PAGE = ROOT / "sources" / "jining-daily-page.txt"
T = TypeVar("T")
STAGES = ("layout", "view", "people", "places", "orgs", "programs", "quantities")


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


def text_caches() -> list[Any]:
    """The per-text caches of the timed stages: ``lru_cache``-wrapped functions in ``kg.layout``,
    ``kg.normalize`` and ``kg.extract.*`` whose first parameter is named ``text`` (the matching view,
    quote depths …). Caches keyed by a name or a character are not among them."""
    found: dict[str, Any] = {}
    for name, module in sorted(sys.modules.items()):
        if name not in ("kg.layout", "kg.normalize", "kg.extract") and not name.startswith("kg.extract."):
            continue
        for obj in vars(module).values():
            wrapped = getattr(obj, "__wrapped__", None)
            if wrapped is None or not hasattr(obj, "cache_clear") or not callable(wrapped):
                continue
            params = list(inspect.signature(wrapped).parameters)
            if params and params[0] == "text":
                found[f"{wrapped.__module__}.{wrapped.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def run_stages(docs: list[SourceDocument], gaz: Gazetteer, caches: list[Any]) -> dict[str, float]:
    """CPU seconds of each stage over all ``docs``, every stage of every page from cold per-text caches."""
    secs: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    def run(stage: str, fn: Callable[..., T], *args: Any) -> T:
        for cache in caches:
            cache.cache_clear()
        out, dt = timed(partial(fn, *args))
        secs[stage] += dt
        return out

    for doc in docs:
        articles: list[Article] = run("layout", layout, doc)
        views = run("view", lambda arts: [matching_text(a.text) for a in arts], articles)
        seen = [a if v == a.text else a.model_copy(update={"text": v}) for a, v in zip(articles, views, strict=True)]
        run("people", lambda arts: [extract_people(a) for a in arts], seen)
        places: list[list[Mention]] = run("places", lambda arts: [extract_places(a, gaz) for a in arts], seen)
        orgs: list[list[Mention]] = run("orgs", lambda arts: [extract_orgs(a) for a in arts], seen)
        taken = [o + p for o, p in zip(orgs, places, strict=True)]  # what kg.extract.extract passes
        run("programs", lambda arts, tk: [extract_programs(a, t) for a, t in zip(arts, tk, strict=True)], seen, taken)
        run("quantities", lambda arts: [extract_quantities(a) for a in arts], seen)
    return secs


def run_pipeline(docs: list[SourceDocument], gaz: Gazetteer,
                 caches: list[Any]) -> tuple[float, float, list[ArticleExtraction]]:
    """Layout then extract() page by page, as kg.pipeline does: CPU seconds of each, and the extractions."""
    t_layout = t_extract = 0.0
    extractions: list[ArticleExtraction] = []
    for doc in docs:
        for cache in caches:
            cache.cache_clear()
        articles, dt = timed(partial(layout, doc))
        t_layout += dt
        out, dt = timed(partial(lambda arts: [extract(a, gaz) for a in arts], articles))
        t_extract += dt
        extractions.extend(out)
    return t_layout, t_extract, extractions


def _top(prof: cProfile.Profile, title: str, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs()
    for key, what in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out.write(f"--- {title}: top {top} by {what}\n")
        stats.sort_stats(key).print_stats(top)
    return out.getvalue()


def profile(docs: list[SourceDocument], gaz: Gazetteer, caches: list[Any], top: int) -> str:
    """cProfile of layout + extract() page by page, then of resolve: the top functions of each."""
    prof = cProfile.Profile()
    extractions: list[ArticleExtraction] = []
    for doc in docs:
        for cache in caches:
            cache.cache_clear()
        prof.enable()
        extractions.extend(extract(a, gaz) for a in layout(doc))
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

    caches = text_caches()
    secs = run_stages(docs, gaz, caches)
    t_layout, t_extract, extractions = run_pipeline(docs, gaz, caches)
    _, t_resolve = timed(lambda: resolve(extractions, gaz))

    print(f"input: {args.repeat} x {PAGE.name} = {chars:,} characters, {len(extractions):,} articles "
          f"(Python {sys.version.split()[0]}, one core)")
    print(f"one-off: gazetteer load {t_gaz:.3f} s, warm-up on one page {t_warm:.3f} s (excluded below)")
    names = ", ".join(f"{c.__wrapped__.__module__}.{c.__wrapped__.__qualname__}" for c in caches) or "none"
    print(f"per-text caches cleared before each page: {names}")
    print()
    print(f"{'stage by stage':<28}{'CPU s':>10}{'chars/s':>14}{'share':>8}")
    stage_sum = sum(secs.values())
    for name in STAGES:
        print(f"{name:<28}{secs[name]:>10.3f}{chars / secs[name]:>14,.0f}{secs[name] / stage_sum:>8.1%}")
    print(f"{'(sum)':<28}{stage_sum:>10.3f}{chars / stage_sum:>14,.0f}")
    print()
    total = t_layout + t_extract
    print(f"{'in pipeline order':<28}{'CPU s':>10}{'chars/s':>14}")
    print(f"{'layout':<28}{t_layout:>10.3f}{chars / t_layout:>14,.0f}")
    print(f"{'extract()':<28}{t_extract:>10.3f}{chars / t_extract:>14,.0f}")
    print(f"{'layout + extraction':<28}{total:>10.3f}{chars / total:>14,.0f}")
    print(f"{'resolve':<28}{t_resolve:>10.3f}{chars / t_resolve:>14,.0f}")
    print()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB; wall time of the whole run {time.perf_counter() - t0:.1f} s")
    if args.profile:
        print()
        print(profile(docs, gaz, caches, args.profile))


if __name__ == "__main__":
    main()
