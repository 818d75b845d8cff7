"""The whole pipeline as library calls: sources → layout → extract → resolve → RDF → exports.

Notebook use::

    from kg.pipeline import build, build_kb
    kb, problems = build_kb(["sources"])        # the resolved KnowledgeBase
    report = build(["sources"], "outputs")      # and every export written
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.cache import ExtractionCache, fingerprint
from kg.curated import CuratedFile, apply_curated, load_curated, page_metadata
from kg.errors import KgError, SourceError
from kg.gazetteer import Gazetteer
from kg.iris import DEFAULT_BASE
from kg.models import ArticleExtraction, KnowledgeBase, SourceDocument
from kg.parallel import extract_document, init_worker, ordered_map
from kg.resolve import resolve
from kg.review import merge_candidates, write_review
from kg.sources import doc_id_stem, iter_sources


@dataclass
class BuildReport:
    """What a build did: files written, counts by kind, problems met (one line each)."""

    outputs: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    validated: str = ""


CACHE_FILE = ".kg-cache.sqlite"
"""The extraction cache's file name inside the output folder."""


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The default national gazetteer, plus an NBS town/village table when ``path`` is given.

    Raises :class:`kg.errors.GazetteerError` naming the file and line of a bad row.
    """
    gaz = Gazetteer.default()
    if path is not None:
        gaz.add_nbs_table(path)
    return gaz


@dataclass
class ExtractOptions:
    """How per-source work runs: worker processes, the extraction cache, file globs."""

    workers: int = 1
    cache: Path | None = None
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()


@dataclass
class ExtractStats:
    """Counts of one extraction pass: sources extracted or taken from the cache, articles, characters."""

    extracted: int = 0
    cached: int = 0
    articles: int = 0
    characters: int = 0


def extract_sources(paths: Iterable[str | Path], gazetteer: str | Path | None = None, *, strict: bool = False,
                    problems: list[str] | None = None, progress: bool = False,
                    curated: list[CuratedFile] | None = None, options: ExtractOptions | None = None,
                    stats: ExtractStats | None = None) -> list[ArticleExtraction]:
    """Decode, lay out and extract every source under ``paths``, in input order.

    ``gazetteer`` is an optional NBS table path (loaded once per worker). A
    file or corpus line that fails is reported in ``problems`` and skipped
    (``strict`` raises its :class:`SourceError` instead). Sources whose cache
    key is stored are not re-extracted (:mod:`kg.cache`); the rest run in
    ``options.workers`` processes (:mod:`kg.parallel`), with the same result
    as one. Curated ``pages`` entries then override page metadata (after the
    cache: a curated change never forces re-extraction).
    """
    opts = options or ExtractOptions()
    stats = stats if stats is not None else ExtractStats()
    gaz_arg = str(gazetteer) if gazetteer is not None else None
    cache = ExtractionCache(opts.cache, fingerprint(gazetteer)) if opts.cache else None
    out: list[ArticleExtraction] = []

    def docs() -> Iterator[SourceDocument]:
        for item in iter_sources(paths, opts.include, opts.exclude):
            if isinstance(item, SourceError):
                if strict:
                    raise item
                if problems is not None:
                    problems.append(str(item))
                continue
            yield item

    def work(doc: SourceDocument) -> tuple[SourceDocument, list[ArticleExtraction] | None]:
        return doc, cache.get(doc) if cache else None

    bar = _Progress(progress)
    try:
        with bar:
            pending = (work(d) for d in docs())
            for doc, exs, hit in _fill(pending, gaz_arg, opts.workers):
                if cache is not None and not hit:
                    cache.put(doc, exs)  # before curated metadata: the cache holds extraction only
                stats.articles += len(exs)
                stats.characters += len(doc.text)
                if curated:
                    stem = doc_id_stem(Path(doc.path))
                    for ex in exs:
                        ex.article.metadata = page_metadata(curated, doc.id, stem, ex.article.metadata)
                out.extend(exs)
                bar.advance(len(exs), len(doc.text))
    finally:
        if cache is not None:
            stats.cached, stats.extracted = cache.hits, cache.misses
            cache.close()
    if cache is None:
        stats.extracted = len({ex.article.source_id for ex in out})
    return out


def _fill(pending: Iterator[tuple[SourceDocument, list[ArticleExtraction] | None]], gazetteer: str | None,
          workers: int) -> Iterator[tuple[SourceDocument, list[ArticleExtraction], bool]]:
    """Extract the sources the cache did not have, in worker processes, keeping input order.

    Yields ``(doc, extractions, from_cache)``.
    """
    def run(item: tuple[SourceDocument, list[ArticleExtraction] | None]) -> list[ArticleExtraction]:
        return item[1] if item[1] is not None else extract_document(item[0])

    if workers <= 1:
        init_worker(gazetteer)
        for item in pending:
            yield item[0], run(item), item[1] is not None
        return
    stream = pending
    held: deque[tuple[SourceDocument, list[ArticleExtraction] | None]] = deque()

    def feed() -> Iterator[SourceDocument]:
        for item in stream:
            held.append(item)
            if item[1] is None:
                yield item[0]

    results = ordered_map(extract_document, feed(), workers, init_worker, (gazetteer,))
    for exs in results:
        while held and held[0][1] is not None:
            doc, cached = held.popleft()
            yield doc, cached, True  # type: ignore[misc]
        doc, _ = held.popleft()
        yield doc, exs, False
    for doc, cached in held:
        yield doc, cached, True  # type: ignore[misc]


class _Progress:
    """A rich progress line (sources, articles, characters per second) when asked for; else nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TextColumn("{task.fields[articles]} articles"),
                                 TextColumn("{task.fields[rate]} chars/s"), TimeElapsedColumn(), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("extracting", total=None, articles=0, rate="-")
            self._chars = 0
            self._articles = 0
            self._t0 = time.perf_counter()
        return self

    def advance(self, articles: int, chars: int) -> None:
        if not self.enabled:
            return
        self._articles += articles
        self._chars += chars
        rate = self._chars / max(time.perf_counter() - self._t0, 1e-9)
        self._bar.update(self._task, articles=self._articles, rate=f"{rate:,.0f}")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def build_kb(paths: Sequence[str | Path], *, gazetteer: str | Path | None = None, strict: bool = False,
             problems: list[str] | None = None, progress: bool = False, options: ExtractOptions | None = None,
             stats: ExtractStats | None = None) -> KnowledgeBase:
    """Run every stage up to resolution and return the :class:`KnowledgeBase`.

    Curated files (``curated/*.yaml`` under the source folders) are applied
    after resolution: curated decisions win. Near-duplicates are listed in
    ``kb.merge_candidates`` for review, not merged. Raises
    :class:`kg.errors.GazetteerError` for a bad ``gazetteer`` table.
    """
    gaz = load_gazetteer(gazetteer)
    problems = problems if problems is not None else []
    curated = load_curated(paths, problems if not strict else None)
    extractions = extract_sources(paths, gazetteer, strict=strict, problems=problems, progress=progress,
                                  curated=curated, options=options, stats=stats)
    kb = resolve(extractions, gaz)
    apply_curated(kb, curated, problems)
    kb.merge_candidates = merge_candidates(kb)
    return kb


def build(sources: Sequence[str | Path], out: str | Path, *, base_iri: str = DEFAULT_BASE,
          gazetteer: str | Path | None = None, strict: bool = False, progress: bool = False,
          workers: int = 1, cache: bool = True, include: Sequence[str] = (),
          exclude: Sequence[str] = (), store: str | Path | None = None) -> BuildReport:
    """Build the graph of ``sources`` and write every export into ``out``.

    ``store`` is a directory for an on-disk Oxigraph store of the graph
    (``kg query STORE …`` answers from it); without it the store used for
    the Gephi views lives in memory. SHACL validation covers the whole graph
    up to :data:`kg.validate.VALIDATE_LIMIT` quads, else a sample;
    ``report.validated`` says which.

    ``workers`` processes run layout and extraction (the outputs do not depend
    on it); with ``cache`` the extractions are kept in ``out/.kg-cache.sqlite``
    so a rebuild re-extracts only changed sources. Returns a :class:`BuildReport`
    whose ``counts`` include sources ``extracted`` and ``cached`` and
    ``seconds`` per stage. Raises :class:`KgError` when nothing could be built
    (no readable source) or, with ``strict``, on the first bad file. Exports
    are written atomically: a failed build leaves earlier files intact.
    """
    report = BuildReport()
    out_dir = Path(out)
    stats = ExtractStats()
    options = ExtractOptions(workers=workers, cache=out_dir / CACHE_FILE if cache else None,
                             include=include, exclude=exclude)
    clock = time.perf_counter()
    kb = build_kb(sources, gazetteer=gazetteer, strict=strict, problems=report.problems, progress=progress,
                  options=options, stats=stats)
    report.seconds["extract+resolve"] = time.perf_counter() - clock
    if not kb.articles:
        raise KgError("no article could be built from " + ", ".join(map(str, sources))
                      + (": " + "; ".join(report.problems) if report.problems else "")
                      + "; give a folder of .txt pages or .jsonl corpora")
    out_dir.mkdir(parents=True, exist_ok=True)
    # every file is written into a scratch folder first and moved into place only when all are done,
    # so a failed build leaves the previous build's files as they were
    staging = Path(tempfile.mkdtemp(prefix=".kg-build-", dir=out_dir))
    try:
        _export(kb, report, staging, base_iri, store)
        final = {}
        for name, path in report.outputs.items():
            if path.parent == staging:
                os.replace(path, out_dir / path.name)
                final[name] = out_dir / path.name
            else:
                final[name] = path
        report.outputs = final
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.counts.update({"articles": len(kb.articles), "mentions": len(kb.mentions),
                          "quantities": len(kb.quantities), "relations": len(kb.relations),
                          "extracted": stats.extracted, "cached": stats.cached})
    for ent in kb.entities.values():
        report.counts[ent.type] = report.counts.get(ent.type, 0) + 1
    return report


def _export(kb: KnowledgeBase, report: BuildReport, out_dir: Path, base_iri: str, store: str | Path | None) -> None:
    """RDF exports, the store, Gephi views, validation and review.csv into ``out_dir``."""
    from kg.rdf import QuadData, write_exports
    from kg.store import load_store
    from kg.validate import validate_quads
    from kg.views import write_view_exports

    clock = time.perf_counter()
    data = QuadData.from_kb(kb, base_iri, problems=report.problems)
    report.seconds["rdf"] = time.perf_counter() - clock
    report.outputs = dict(write_exports(data, out_dir, seconds=report.seconds))
    clock = time.perf_counter()
    files = (report.outputs["nquads"], report.outputs["ntriples"])
    graph_store = load_store(data.quads, store, union=store is not None, files=files)  # on disk with --store
    report.seconds["store"] = time.perf_counter() - clock
    if store is not None:
        report.outputs["store"] = Path(store)
    clock = time.perf_counter()
    report.outputs.update(write_view_exports(graph_store, out_dir))  # graph.graphml, .gexf, .nodes/.edges.csv
    report.seconds["views"] = time.perf_counter() - clock
    del graph_store
    clock = time.perf_counter()
    validation, report.validated = validate_quads(data)  # SHACL, schema/shapes.ttl; a sample past a limit
    violations = len(validation.violations)
    report.seconds["validate"] = time.perf_counter() - clock
    if violations:
        report.problems.append(f"validate: {violations} SHACL violation(s); list them with "
                               f"kg validate {out_dir.parent / 'graph.ttl'}")
    report.outputs["review"] = write_review(kb.merge_candidates, out_dir / "review.csv")
    report.counts = {"quads": len(data), "triples": data.triple_count(), "violations": violations}
