"""The whole pipeline as library calls: sources → layout → extract → resolve → RDF → exports.

Notebook use::

    from kg.pipeline import build, build_kb
    kb, problems = build_kb(["sources"])        # the resolved KnowledgeBase
    report = build(["sources"], "outputs")      # and every export written
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.curated import CuratedFile, apply_curated, load_curated, page_metadata
from kg.errors import KgError, SourceError
from kg.extract import extract
from kg.gazetteer import Gazetteer
from kg.iris import DEFAULT_BASE
from kg.layout import layout
from kg.models import ArticleExtraction, KnowledgeBase, SourceDocument
from kg.resolve import resolve
from kg.review import merge_candidates, write_review
from kg.sources import iter_sources


@dataclass
class BuildReport:
    """What a build did: files written, counts by kind, problems met (one line each)."""

    outputs: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The default national gazetteer, plus an NBS town/village table when ``path`` is given.

    Raises :class:`kg.errors.GazetteerError` naming the file and line of a bad row.
    """
    gaz = Gazetteer.default()
    if path is not None:
        gaz.add_nbs_table(path)
    return gaz


def extract_sources(paths: Iterable[str | Path], gazetteer: Gazetteer, *, strict: bool = False,
                    problems: list[str] | None = None, progress: bool = False,
                    curated: list[CuratedFile] | None = None) -> list[ArticleExtraction]:
    """Decode, lay out and extract every page under ``paths``.

    A file that fails is reported in ``problems`` and skipped (``strict``
    raises its :class:`SourceError` instead). Curated ``pages`` entries
    override a page's sidecar metadata.
    """
    out: list[ArticleExtraction] = []
    items = list(iter_sources(paths))
    if progress:
        from rich.progress import track

        items_iter: Iterable[object] = track(items, description="extracting", transient=True)
    else:
        items_iter = items
    for item in items_iter:
        if isinstance(item, SourceError):
            if strict:
                raise item
            if problems is not None:
                problems.append(str(item))
            continue
        doc: SourceDocument = item  # type: ignore[assignment]
        if curated:
            doc.metadata = page_metadata(curated, doc.id, Path(doc.path).stem, doc.metadata)
        for article in layout(doc):
            out.append(extract(article, gazetteer))
    return out


def build_kb(paths: Sequence[str | Path], *, gazetteer: str | Path | None = None, strict: bool = False,
             problems: list[str] | None = None, progress: bool = False) -> KnowledgeBase:
    """Run every stage up to resolution and return the :class:`KnowledgeBase`.

    Curated files (``curated/*.yaml`` under the source folders) are applied
    after resolution: curated decisions win. Near-duplicates are listed in
    ``kb.merge_candidates`` for review, not merged.
    """
    gaz = load_gazetteer(gazetteer)
    problems = problems if problems is not None else []
    curated = load_curated(paths, problems if not strict else None)
    extractions = extract_sources(paths, gaz, strict=strict, problems=problems, progress=progress, curated=curated)
    kb = resolve(extractions, gaz)
    apply_curated(kb, curated, problems)
    kb.merge_candidates = merge_candidates(kb)
    return kb


def build(sources: Sequence[str | Path], out: str | Path, *, base_iri: str = DEFAULT_BASE,
          gazetteer: str | Path | None = None, strict: bool = False, progress: bool = False) -> BuildReport:
    """Build the graph of ``sources`` and write every export into ``out``.

    Returns a :class:`BuildReport`. Raises :class:`KgError` when nothing could
    be built (no readable source) or, with ``strict``, on the first bad file.
    Exports are written atomically: a failed build leaves earlier files intact.
    """
    from kg.rdf import to_dataset, write_exports
    from kg.validate import validate_graph
    from kg.views import write_view_exports

    report = BuildReport()
    kb = build_kb(sources, gazetteer=gazetteer, strict=strict, problems=report.problems, progress=progress)
    if not kb.articles:
        raise KgError("no article could be built from " + ", ".join(map(str, sources))
                      + (": " + "; ".join(report.problems) if report.problems else "")
                      + "; give a folder of .txt pages")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ds = to_dataset(kb, base=base_iri, problems=report.problems)
    report.outputs = dict(write_exports(ds, out_dir))
    report.outputs.update(write_view_exports(ds, out_dir))  # graph.graphml, .gexf, .nodes.csv, .edges.csv
    violations = len(validate_graph(ds).violations)  # SHACL, schema/shapes.ttl
    if violations:
        report.problems.append(f"validate: {violations} SHACL violation(s); list them with "
                               f"kg validate {out_dir / 'graph.ttl'}")
    report.outputs["review"] = write_review(kb.merge_candidates, out_dir / "review.csv")
    report.counts = {"articles": len(kb.articles), "mentions": len(kb.mentions),
                     "quantities": len(kb.quantities), "relations": len(kb.relations),
                     "violations": violations}
    for ent in kb.entities.values():
        report.counts[ent.type] = report.counts.get(ent.type, 0) + 1
    return report
