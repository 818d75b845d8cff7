"""Per-source work in worker processes, results in input order, memory bounded.

Layout and extraction are per article and independent; resolution is the one
global step and stays in the parent. :func:`ordered_map` keeps at most
``window`` sources in flight, so memory does not grow with the corpus, and
yields results in input order, so ``--workers N`` gives byte-identical
outputs to ``--workers 1``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from kg.cache import encode
from kg.extract import extract
from kg.gazetteer import Gazetteer
from kg.layout import layout
from kg.models import ArticleExtraction, SourceDocument, compact

T = TypeVar("T")
R = TypeVar("R")

_GAZETTEER: Gazetteer | None = None


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def init_worker(gazetteer: str | None) -> None:
    """Load the gazetteer once per worker process (plus the NBS table, if any)."""
    global _GAZETTEER
    gaz = Gazetteer.default()
    if gazetteer is not None:
        gaz.add_nbs_table(gazetteer)
    _GAZETTEER = gaz


def extract_document(doc: SourceDocument) -> list[ArticleExtraction]:
    """Layout and extraction of one source (runs in a worker; see :func:`init_worker`).

    The result is :func:`kg.models.compact`-ed: its repeated strings are shared, here and
    after pickling to the parent, which holds every extraction until resolution.
    """
    out = [extract(a, _GAZETTEER) for a in layout(doc)]
    compact(out)
    return out


def extract_for_cache(doc: SourceDocument) -> tuple[list[ArticleExtraction], bytes]:
    """:func:`extract_document` and the extractions' cache entry (:func:`kg.cache.encode`), both made
    in the worker, for a build that keeps an extraction cache."""
    out = extract_document(doc)
    return out, encode(out)


def map_batch(func: Callable[[T], R], items: list[T]) -> list[R]:
    """``[func(x) for x in items]``: one task of :func:`ordered_map` over :func:`batches`."""
    return [func(x) for x in items]


def batches(items: Iterable[T], size: Callable[[T], int], budget: int, most: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``most`` items whose ``size`` sums to at most ``budget``
    (an item larger than ``budget`` alone), in order: a task per list costs the parent process one
    round trip through the pool (~0.3 ms of its CPU in threads), whatever the list holds."""
    batch: list[T] = []
    total = 0
    for item in items:
        n = size(item)
        if batch and (total + n > budget or len(batch) >= most):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += n
    if batch:
        yield batch


def ordered_map(func: Callable[[T], R], items: Iterable[T], workers: int,
                initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (),
                window: int | None = None) -> Iterator[R]:
    """``map(func, items)`` over ``workers`` processes, in input order, at most ``window`` in flight.

    With ``workers <= 1`` it runs in this process (after calling ``initializer``).
    ``func`` and the items must be picklable for ``workers > 1``.
    """
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(func, items)
        return
    window = window or workers * 8
    with ProcessPoolExecutor(max_workers=workers, initializer=initializer, initargs=initargs) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
