"""The whole pipeline as library calls: sources → layout → extract → resolve → RDF → exports.

Notebook use::

    from kg.pipeline import build, build_kb
    kb, problems = build_kb(["sources"])        # the resolved KnowledgeBase
    report = build(["sources"], "outputs")      # and every export written
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from kg.cache import ExtractionCache, fingerprint
from kg.collector import collector_paused
from kg.curated import CuratedFile, apply_curated, load_curated, page_metadata
from kg.errors import KgError, SourceError
from kg.gazetteer import Gazetteer
from kg.heap import return_large_blocks
from kg.iris import DEFAULT_BASE
from kg.manifest import MANIFEST_FILE, forget, inputs_digest, up_to_date, write_manifest
from kg.models import ArticleExtraction, KnowledgeBase, SourceDocument
from kg.parallel import batches, extract_document, extract_for_cache, init_worker, map_batch, ordered_map
from kg.resolve import resolve
from kg.review import merge_candidates, write_review
from kg.sources import count_sources, doc_id_stem, iter_sources
from kg.spool import RecordSpool


@dataclass
class BuildReport:
    """What a build did: files written, counts by kind, problems met (one line each)."""

    outputs: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    validated: str = ""
    up_to_date: bool = False  # nothing rebuilt: the files of the last build with the same inputs (kg.manifest)


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
    """Decode, lay out and extract every source under ``paths``, in input order: the list of
    :func:`iter_extractions` (same arguments)."""
    return list(iter_extractions(paths, gazetteer, strict=strict, problems=problems, progress=progress,
                                 curated=curated, options=options, stats=stats))


def iter_extractions(paths: Iterable[str | Path], gazetteer: str | Path | None = None, *, strict: bool = False,
                     problems: list[str] | None = None, progress: bool = False,
                     curated: list[CuratedFile] | None = None, options: ExtractOptions | None = None,
                     stats: ExtractStats | None = None) -> Iterator[ArticleExtraction]:
    """Decode, lay out and extract every source under ``paths``, yielding its articles in input order
    as they come (a consumer, e.g. resolution, works while the workers go on).

    ``gazetteer`` is an optional NBS table path (loaded once per worker). A
    file or corpus line that fails is reported in ``problems`` and skipped
    (``strict`` raises its :class:`SourceError` instead). Sources whose cache
    key is stored are not re-extracted (:mod:`kg.cache`); the rest run in
    ``options.workers`` processes (:mod:`kg.parallel`), with the same result
    as one. Curated ``pages`` entries then override page metadata (after the
    cache: a curated change never forces re-extraction). ``stats`` is complete
    once the generator is exhausted.
    """
    opts = options or ExtractOptions()
    stats = stats if stats is not None else ExtractStats()
    gaz_arg = str(gazetteer) if gazetteer is not None else None
    cache = ExtractionCache(opts.cache, fingerprint(gazetteer)) if opts.cache else None
    seen: set[str] = set()  # source ids that gave articles (the count of extracted sources without a cache)

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

    bar = _Progress(progress, count_sources(paths, opts.include, opts.exclude) if progress else None)
    try:
        with bar, collector_paused():  # the extractions hold no cycles; the collector would rescan them
            pending = (work(d) for d in docs())
            for doc, exs, blob in _fill(pending, gaz_arg, opts.workers, cache is not None):
                if cache is not None and blob is not None:
                    cache.put_blob(doc, blob)  # made before curated metadata: the cache holds extraction only
                stats.articles += len(exs)
                stats.characters += len(doc.text)
                if curated:
                    stem = doc_id_stem(Path(doc.path))
                    for ex in exs:
                        ex.article.metadata = page_metadata(curated, doc.id, stem, ex.article.metadata)
                if cache is None:
                    seen.update(ex.article.source_id for ex in exs)
                bar.advance(len(exs), len(doc.text))
                yield from exs
    finally:
        if cache is not None:
            stats.cached, stats.extracted = cache.hits, cache.misses
            cache.close()
        else:
            stats.extracted = len(seen)


BATCH_SOURCES = 16
BATCH_CHARACTERS = 16_000
"""Sources sent to a worker process in one task: at most this many, of at most this many characters
in all (a larger source goes alone); see :func:`kg.parallel.batches`."""


def _fill(pending: Iterator[tuple[SourceDocument, list[ArticleExtraction] | None]], gazetteer: str | None,
          workers: int, encode: bool = False
          ) -> Iterator[tuple[SourceDocument, list[ArticleExtraction], bytes | None]]:
    """Extract the sources the cache did not have, in worker processes, keeping input order.

    Yields ``(doc, extractions, blob)``: ``blob`` is None for a source taken from the cache, else,
    with ``encode``, its new cache entry (:func:`kg.cache.encode`, made by the worker), else ``b""``.
    """
    func = extract_for_cache if encode else _no_blob
    if workers <= 1:
        init_worker(gazetteer)
        for doc, cached in pending:
            if cached is not None:
                yield doc, cached, None
            else:
                yield doc, *func(doc)
        return
    stream = pending
    held: deque[tuple[SourceDocument, list[ArticleExtraction] | None]] = deque()

    def feed() -> Iterator[SourceDocument]:
        for item in stream:
            held.append(item)
            if item[1] is None:
                yield item[0]

    tasks = batches(feed(), lambda doc: len(doc.text), BATCH_CHARACTERS, BATCH_SOURCES)
    for done in ordered_map(partial(map_batch, func), tasks, workers, init_worker, (gazetteer,), workers * 4):
        for exs, blob in done:
            while held and held[0][1] is not None:
                doc, cached = held.popleft()
                yield doc, cached, None  # type: ignore[misc]
            doc, _ = held.popleft()
            yield doc, exs, blob
    for doc, cached in held:
        yield doc, cached, None  # type: ignore[misc]


def _no_blob(doc: SourceDocument) -> tuple[list[ArticleExtraction], bytes]:
    """:func:`kg.parallel.extract_document` with an empty cache entry (a build without a cache)."""
    return extract_document(doc), b""


class _Progress:
    """A rich progress bar when asked for (else nothing): ``total`` sources (None: unknown), articles,
    characters per second, elapsed time and an ETA."""

    def __init__(self, enabled: bool, total: int | None = None, description: str = "extracting",
                 unit: str = "sources") -> None:
        self.enabled = enabled
        self.total = total
        self.description = description
        self.unit = unit
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn(self.unit),
                                 TextColumn("{task.fields[articles]} articles"),
                                 TextColumn("{task.fields[rate]} chars/s"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=self.total, articles=0, rate="-")
            self._chars = 0
            self._articles = 0
            self._t0 = time.perf_counter()
        return self

    def advance(self, articles: int, chars: int, sources: int = 1) -> None:
        if not self.enabled:
            return
        self._articles += articles
        self._chars += chars
        rate = self._chars / max(time.perf_counter() - self._t0, 1e-9)
        self._bar.update(self._task, advance=sources, articles=f"{self._articles:,}",
                         rate=f"{rate:,.0f}" if self._chars else "-")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def build_kb(paths: Sequence[str | Path], *, gazetteer: str | Path | None = None, strict: bool = False,
             problems: list[str] | None = None, progress: bool = False, options: ExtractOptions | None = None,
             stats: ExtractStats | None = None, spool: bool = False) -> KnowledgeBase:
    """Run every stage up to resolution and return the :class:`KnowledgeBase`.

    Articles are resolved as extraction yields them (:func:`iter_extractions`).
    Curated files (``curated/*.yaml`` under the source folders) are applied
    after resolution: curated decisions win. Near-duplicates are listed in
    ``kb.merge_candidates`` for review, not merged. With ``spool`` the
    mentions, quantities and relations of the articles are kept on disk in
    ``kb.spool`` (:mod:`kg.spool`; call ``kb.spool.close()`` when done), not in
    the KnowledgeBase's lists: memory then holds articles and entities only.
    Raises :class:`kg.errors.GazetteerError` for a bad ``gazetteer`` table.
    """
    gaz = load_gazetteer(gazetteer)
    problems = problems if problems is not None else []
    curated = load_curated(paths, problems if not strict else None)
    extractions = iter_extractions(paths, gazetteer, strict=strict, problems=problems, progress=progress,
                                   curated=curated, options=options, stats=stats)
    kb = resolve(extractions, gaz, RecordSpool() if spool else None)
    gc.freeze()  # what the build keeps (no cycles) leaves the collector's view: it would rescan it at every pass
    apply_curated(kb, curated, problems)
    kb.merge_candidates = merge_candidates(kb)
    gc.freeze()
    return kb


def output_formats(names: Iterable[str] | None = None) -> tuple[str, ...]:
    """The files a build writes, as format names in the order of :data:`kg.export.GRAPH_FILES` then
    :data:`kg.views.VIEW_FORMATS`: all of them when ``names`` is None, else those named.

    A name is a format (``turtle``, ``trig``, ``nquads``, ``ntriples``, ``json-ld``, ``graphml``,
    ``gexf``, ``csv``) or the extension of its file (``ttl``, ``nq``, ``nt``, ``jsonld``); one item
    may hold several, comma-separated (``ttl,gexf``), case and spaces ignored. Raises :class:`KgError`
    naming an unknown one and the known ones, or when none is named.
    """
    from kg.export import GRAPH_FILES
    from kg.views import VIEW_FORMATS

    known = [*GRAPH_FILES, *VIEW_FORMATS]
    if names is None:
        return tuple(known)
    aliases = {ext: fmt for fmt, file in GRAPH_FILES.items() if (ext := file.rsplit(".", 1)[1]) != fmt}
    asked: set[str] = set()
    for item in names:
        for name in filter(None, (part.strip().lower() for part in item.split(","))):
            fmt = aliases.get(name, name)
            if fmt not in known:
                raise KgError(f"unknown output format {name!r}; formats: {', '.join(known)} "
                              f"(or the extensions {', '.join(aliases)})")
            asked.add(fmt)
    if not asked:
        raise KgError(f"no output format named; formats: {', '.join(known)}")
    return tuple(fmt for fmt in known if fmt in asked)


def build(sources: Sequence[str | Path], out: str | Path, *, base_iri: str = DEFAULT_BASE,
          gazetteer: str | Path | None = None, strict: bool = False, progress: bool = False,
          workers: int = 1, cache: bool = True, include: Sequence[str] = (),
          exclude: Sequence[str] = (), store: str | Path | None = None,
          provenance: str = "compact", spool: bool = True,
          formats: Iterable[str] | None = None) -> BuildReport:
    """Build the graph of ``sources`` and write every export into ``out``.

    ``formats`` writes only the files named (:func:`output_formats`; checked before any other
    work): the others are not made, and files of theirs that an earlier build left in ``out`` are
    removed once this build's files are in place (they would no longer describe the same graph),
    each removal reported in ``problems``. A store (``store``) is loaded whatever the formats.

    ``store`` is a directory for an on-disk Oxigraph store of the graph
    (``kg query STORE …`` answers from it); without it the store used for
    the Gephi views lives in memory. SHACL validation covers the whole graph
    up to :data:`VALIDATE_SAMPLE` records, else a sample (:func:`sample_kb`);
    ``report.validated`` says which. ``provenance`` is ``compact`` (spans as
    kg:start/kg:end/kg:exact on each record) or ``full`` (W3C Web Annotation
    selectors too; about twice the triples), see :data:`kg.store.PROVENANCE_MODES`.

    ``workers`` processes run layout and extraction (the outputs do not depend
    on it); with ``spool`` (the default) the articles' mentions, quantities and
    relations wait on disk between resolution and export (:mod:`kg.spool`), so
    memory grows with the entities rather than the mentions; the files are the
    same either way. With ``cache`` the extractions are kept in ``out/.kg-cache.sqlite``
    so a rebuild re-extracts only changed sources, and a build whose inputs (every file under the
    source paths, the options, kg and its libraries) are those of the last build into ``out``, its
    files unchanged since, does nothing and returns that build's report with ``up_to_date`` set
    (:mod:`kg.manifest`; without ``cache`` every build is done in full). Returns a :class:`BuildReport`
    whose ``counts`` include sources ``extracted`` and ``cached`` and
    ``seconds`` per stage. Raises :class:`KgError` when nothing could be built
    (no readable source) or, with ``strict``, on the first bad file. Exports
    are written atomically: a failed build leaves earlier files intact.
    """
    chosen = output_formats(formats)
    out_dir = Path(out)
    clock = time.perf_counter()
    inputs = None
    if cache:
        options = {"base_iri": base_iri, "provenance": provenance, "strict": strict, "formats": list(chosen),
                   "include": list(include), "exclude": list(exclude),
                   "store": str(Path(store).resolve()) if store is not None else None}
        try:
            inputs = inputs_digest(sources, out_dir, options, gazetteer, store)
        except OSError:  # an unreadable file: the build reports it; no manifest then
            inputs = None
        if inputs is not None and (recorded := up_to_date(out_dir, inputs)) is not None:
            counts = dict(recorded["counts"], extracted=0, cached=0)
            return BuildReport(outputs=recorded["outputs"], counts=counts, problems=recorded["problems"],
                               seconds={"up-to-date check": time.perf_counter() - clock},
                               validated=recorded["validated"], up_to_date=True)
    report = BuildReport()
    if inputs is not None:
        report.seconds["up-to-date check"] = time.perf_counter() - clock
        clock = time.perf_counter()
    _full_build(report, sources, out_dir, chosen, clock, base_iri=base_iri, gazetteer=gazetteer, strict=strict,
                progress=progress, workers=workers, cache=cache, include=include, exclude=exclude, store=store,
                provenance=provenance, spool=spool)
    if inputs is not None:
        try:
            write_manifest(out_dir, inputs, report.outputs, report.counts, report.problems, report.validated)
        except OSError as err:  # the files are in place; only the next build's check is lost
            report.problems.append(f"{out_dir / MANIFEST_FILE}: not written ({err}); the next build is done in full")
    return report


def _full_build(report: BuildReport, sources: Sequence[str | Path], out_dir: Path, formats: tuple[str, ...],
                clock: float, *, base_iri: str, gazetteer: str | Path | None, strict: bool, progress: bool,
                workers: int, cache: bool, include: Sequence[str], exclude: Sequence[str],
                store: str | Path | None, provenance: str, spool: bool) -> None:
    """:func:`build` when not up to date: every stage, the files into ``out_dir``, ``report`` filled.
    Large freed blocks of the C heap go back to the system from now on in this process
    (:func:`kg.heap.return_large_blocks`)."""
    return_large_blocks()
    stats = ExtractStats()
    extract = ExtractOptions(workers=workers, cache=out_dir / CACHE_FILE if cache else None,
                             include=include, exclude=exclude)
    kb = build_kb(sources, gazetteer=gazetteer, strict=strict, problems=report.problems, progress=progress,
                  options=extract, stats=stats, spool=spool)
    try:
        _write(kb, report, sources, out_dir, stats, clock, base_iri, store, provenance, workers, progress, formats)
    finally:
        if kb.spool is not None:
            kb.spool.close()


def _write(kb: KnowledgeBase, report: BuildReport, sources: Sequence[str | Path], out_dir: Path,
           stats: ExtractStats, clock: float, base_iri: str, store: str | Path | None, provenance: str,
           workers: int, progress: bool, formats: tuple[str, ...]) -> BuildReport:
    """The rest of :func:`build` once the KnowledgeBase is made: exports moved into place, counts."""
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
        _export(kb, report, staging, base_iri, store, provenance, workers, progress, formats)
        forget(out_dir)  # the last build's manifest: its files are about to be replaced
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
    for path in _stale_outputs(out_dir, formats):
        path.unlink()
        report.problems.append(f"removed {path}: an earlier build's file, not among this build's formats")
    mentions, quantities, relations = kb.record_counts()
    report.counts.update({"articles": len(kb.articles), "mentions": mentions, "quantities": quantities,
                          "relations": relations, "extracted": stats.extracted, "cached": stats.cached})
    for ent in kb.entities.values():
        report.counts[ent.type] = report.counts.get(ent.type, 0) + 1
    return report


def _stale_outputs(out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    """The files in ``out_dir`` that a build writing every format would have written and one writing
    ``formats`` did not (:data:`kg.export.GRAPH_FILES`, :func:`kg.views.view_files` of ``graph``)."""
    from kg.export import GRAPH_FILES
    from kg.views import VIEW_FORMATS, view_files

    paths = [out_dir / file for fmt, file in GRAPH_FILES.items() if fmt not in formats]
    for fmt in VIEW_FORMATS:
        if fmt not in formats:
            paths += view_files(out_dir / "graph", fmt).values()
    return [p for p in paths if p.is_file()]


def _export(kb: KnowledgeBase, report: BuildReport, out_dir: Path, base_iri: str, store: str | Path | None,
            provenance: str, workers: int, progress: bool, formats: tuple[str, ...]) -> None:
    """RDF exports and Gephi views of ``formats`` (:func:`output_formats`), the store, validation and
    review.csv into ``out_dir``. A store is loaded from N-Quads and N-Triples: made for it if not asked for,
    they are left out of ``report.outputs``."""
    from kg.export import GRAPH_FILES, write_graph_files
    from kg.rdf import QuadData, kg_prefixes
    from kg.store import GraphPieces, load_store
    from kg.validate import validate_quads
    from kg.views import VIEW_FORMATS, write_view_exports

    loaded_from = ("nquads", "ntriples") if store is not None else ()
    rdf = [fmt for fmt in GRAPH_FILES if fmt in formats or fmt in loaded_from]
    views = [fmt for fmt in VIEW_FORMATS if fmt in formats]
    clock = time.perf_counter()
    kinds = {k.split("/", 1)[0] for k in kb.entities if "/" in k}

    def views_and_validation() -> dict[str, Any]:
        """The Gephi views and SHACL validation of a sample, beside the RDF files (in a thread of
        this process or a forked rendering worker, see :func:`kg.export.write_graph_files`): what the build reports."""
        side: dict[str, Any] = {}
        clock = time.perf_counter()
        side["views"] = write_view_exports(kb, out_dir, base_iri=base_iri, formats=views)  # .graphml, .gexf, .csv
        side["views seconds"] = time.perf_counter() - clock
        clock = time.perf_counter()
        sample = sample_kb(kb, VALIDATE_SAMPLE)
        data = QuadData.from_kb(sample, base_iri, provenance=provenance)
        validation, scope = validate_quads(data)  # SHACL, schema/shapes.ttl
        side["validate seconds"] = time.perf_counter() - clock
        side["violations"] = len(validation.violations)
        side["scope"] = scope
        if sample is not kb and sum(kb.record_counts()) > VALIDATE_SAMPLE:
            side["sample"] = (len(sample.articles), len(sample.entities), len(data))
        return side

    files = None
    if rdf:
        pieces = GraphPieces(kb, base_iri, problems=report.problems, provenance=provenance)
        with _Progress(progress, len(kb.articles), "writing RDF", "graphs") as bar:
            files = write_graph_files(pieces, out_dir, kg_prefixes(base_iri, kinds), formats=rdf, workers=workers,
                                      progress=lambda n: bar.advance(n, 0, n), beside=views_and_validation)
        del pieces  # its caches (IRIs, article counts of entities) are not needed any more
        report.seconds["rdf+exports"] = time.perf_counter() - clock
        report.seconds.update({f"export {name}": sec for name, sec in files.seconds.items()})
        side = files.beside
        report.outputs = {name: path for name, path in files.paths.items() if name in formats}
    else:
        side = views_and_validation()
    report.outputs.update(side["views"])
    if views:
        report.seconds["views"] = side["views seconds"]
    report.seconds["validate"] = side["validate seconds"]
    if "sample" in side:
        articles, entities, quads = side["sample"]
        total = f" of {files.quads}" if files is not None else ""
        report.validated = (f"a sample: {articles} of {len(kb.articles)} articles and the {entities} entities "
                            f"they name ({quads}{total} quads)")
    else:
        report.validated = side["scope"]
    violations = side["violations"]
    if violations:
        graph_file = next((path.name for name, path in report.outputs.items() if name in GRAPH_FILES), None)
        report.problems.append(f"validate: {violations} SHACL violation(s); list them with "
                               + (f"kg validate {out_dir.parent / graph_file}" if graph_file else
                                  "kg validate on an RDF file (build with --format turtle)"))
    if store is not None:  # Oxigraph loads the files in threads of its own
        assert files is not None  # a store makes the files it is loaded from
        clock = time.perf_counter()
        load_store((), store, union=True, files=(files.paths["nquads"], files.paths["ntriples"]),
                   count=files.quads)
        report.seconds["store"] = time.perf_counter() - clock
        report.outputs["store"] = Path(store)
    report.outputs["review"] = write_review(kb.merge_candidates, out_dir / "review.csv")
    report.counts = {"quads": files.quads, "triples": files.triples} if files is not None else {}
    report.counts["violations"] = violations


VALIDATE_SAMPLE = 2_000
"""Mentions, quantities and relations above which a build validates a sample of its articles
(:func:`sample_kb`): pySHACL checks about a thousand quads a second."""


def sample_kb(kb: KnowledgeBase, limit: int = VALIDATE_SAMPLE) -> KnowledgeBase:
    """``kb`` itself when it has at most ``limit`` mentions, quantities and relations; else a smaller
    KnowledgeBase for SHACL validation: the first articles (input order) up to ``limit`` of those
    records, every entity they name with its ancestors (``Entity.parent``), and the relations among
    those entities that belong to no article (curated facts, merge candidates). Deterministic."""
    spool = kb.spool
    if sum(kb.record_counts()) <= limit:
        return kb if spool is None else _unspooled(kb, len(kb.articles))
    per_article: dict[str, int] = {}
    if spool is not None:
        per_article = dict(zip((a.id for a in kb.articles), spool.record_sizes(), strict=True))
    ids = [rm.mention.article_id for rm in kb.mentions] + [q.article_id for q in kb.quantities]
    for article_id in ids + [r.article_id for r in kb.relations if r.article_id is not None]:
        per_article[article_id] = per_article.get(article_id, 0) + 1
    chosen: set[str] = set()
    total = 0
    for a in kb.articles:
        if chosen and total >= limit:
            break
        chosen.add(a.id)
        total += per_article.get(a.id, 0)
    head = _unspooled(kb, len(chosen)) if spool is not None else kb  # the chosen articles come first
    mentions = [rm for rm in head.mentions if rm.mention.article_id in chosen]
    quantities = [q for q in head.quantities if q.article_id in chosen]
    keys = {rm.entity for rm in mentions}
    for q in quantities:
        keys.update(([q.subject] if q.subject else []) + list(getattr(q, "recipients", None) or []))
    relations = [r for r in head.relations if r.article_id in chosen]
    keys.update(k for r in relations for k in (r.subject, r.object))
    names = {n for a in kb.articles if a.id in chosen for n in (*a.correspondents, *a.photographers)}
    keys.update(k for k, e in kb.entities.items() if e.type == "Person" and (e.name in names
                                                                              or names.intersection(e.labels)))
    todo = list(keys)
    while todo:
        e = kb.entities.get(todo.pop())
        if e is not None and e.parent and e.parent not in keys:
            keys.add(e.parent)
            todo.append(e.parent)
    relations += [r for r in kb.relations if r.article_id is None and r.subject in keys and r.object in keys]
    sources = {a.source_id for a in kb.articles if a.id in chosen}
    return KnowledgeBase(articles=[a for a in kb.articles if a.id in chosen],
                         entities={k: e for k, e in kb.entities.items() if k in keys},
                         mentions=mentions, quantities=quantities, relations=relations,
                         sources=[d for d in kb.sources if d.id in sources],
                         merge_candidates=[row for row in kb.merge_candidates
                                           if row.get("key_a") in keys and row.get("key_b") in keys])


def _unspooled(kb: KnowledgeBase, n: int) -> KnowledgeBase:
    """An in-memory KnowledgeBase of the first ``n`` articles of a spooled ``kb`` with their records
    (read from ``kb.spool``), every entity, and the relations of no article after theirs."""
    spool = kb.spool
    out = KnowledgeBase(articles=kb.articles[:n], entities=kb.entities, sources=kb.sources,
                        merge_candidates=kb.merge_candidates)
    for i in range(n):
        rec = spool.records(i)
        out.mentions.extend(rec.mentions)
        out.quantities.extend(rec.quantities)
        out.relations.extend(rec.relations)
    out.relations.extend(kb.relations)
    return out
