"""The ``kg`` command: a thin Typer layer, every command one call into the library.

    kg build [SOURCES…] --out DIR [--base-iri IRI] [--gazetteer FILE] [--strict] [--format ttl,gexf …]
    kg query GRAPH [SPARQL] [--file Q.rq | --saved NAME] [--param K=V] [--format …] [--engine …]
    kg stats GRAPH
    kg export GRAPH --view full|places|programs|comention --to graphml|gexf|csv --out PATH [--articles]
    kg validate GRAPH [--shapes FILE]
    kg explain IRI-OR-NAME GRAPH
    kg eval GRAPH --gold GOLD.json

Errors: a :class:`kg.errors.KgError` prints one line ``kg: error: …`` on
stderr and exits with the error's ``exit_code``; a missing input file exits 2
(as a usage error), naming the file. ``kg validate`` exits 1 when the graph
has SHACL violations (after printing them).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KgError, QueryError
from kg.iris import DEFAULT_BASE

app = typer.Typer(
    name="kg",
    help="Knowledge graphs of Chinese local-government news: build, query and view.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MISSING_FILE_EXIT = 2


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


class EngineName(StrEnum):
    oxigraph = "oxigraph"
    rdflib = "rdflib"


class ViewName(StrEnum):
    full = "full"
    places = "places"
    programs = "programs"
    comention = "comention"


class ViewFormatName(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"kg: error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a KgError into one line on stderr and its exit code."""
    try:
        yield
    except KgError as err:
        raise _fail(str(err), err.exit_code) from None


def _require(path: Path | None, what: str) -> None:
    if path is not None and not path.exists():
        raise _fail(f"{path}: no such {what}", MISSING_FILE_EXIT)


def _params(values: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {item!r}: write NAME=VALUE, e.g. --param town=杨柳镇")
        params[name.strip()] = value
    return params


@app.command()
def build(
    sources: Annotated[list[Path] | None, typer.Argument(help="Page files or folders (default: sources).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for graph.ttl, .trig, .nq, .nt, .jsonld, "
                                      ".graphml, .gexf, .nodes.csv, .edges.csv and review.csv.")]
    = Path("outputs"),
    base_iri: Annotated[str, typer.Option("--base-iri", help="Base of every entity and article IRI.")]
    = DEFAULT_BASE,
    gazetteer: Annotated[Path | None, typer.Option("--gazetteer", help="NBS division table (CSV) to link places to.")]
    = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad file instead of skipping it.")]
    = False,
    workers: Annotated[int, typer.Option("--workers", "-j", help="Worker processes for layout and extraction "
                                          "(default: the number of cores; outputs do not depend on it).")] = 0,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Keep extractions in OUT/.kg-cache.sqlite so "
                                         "a rebuild re-extracts only changed sources.")] = True,
    include: Annotated[list[str] | None, typer.Option("--include", help="Only files matching this glob "
                                                      "(relative to a source folder; repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Skip files matching this glob "
                                                      "(repeatable).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress line and no summary; "
                                        "warnings and errors only.")] = False,
    store: Annotated[Path | None, typer.Option("--store", help="Also keep the graph in an on-disk Oxigraph store "
                                               "in this folder (kg query DIR answers from it).")] = None,
    provenance: Annotated[str, typer.Option("--provenance", help="compact: each mention, quantity and relation "
                                            "record carries kg:start, kg:end, kg:exact; full: W3C Web Annotation "
                                            "targets and selectors instead (about twice the triples).")] = "compact",
    formats: Annotated[list[str] | None, typer.Option(
        "--format", metavar="FORMATS", help="Write only these files (repeatable or comma-separated): turtle "
                                            "(ttl), trig, nquads (nq), ntriples (nt), json-ld (jsonld), graphml, "
                                            "gexf, csv. Default: all.")] = None,
) -> None:
    """Build the knowledge graph of SOURCES and write its exports (every one, or those of --format) into --out."""
    paths = sources or [Path("sources")]
    for path in paths:
        _require(path, "source file or folder")
    _require(gazetteer, "gazetteer file")
    from kg.store import PROVENANCE_MODES

    if provenance not in PROVENANCE_MODES:
        raise typer.BadParameter(f"give one of {', '.join(PROVENANCE_MODES)}", param_hint="--provenance")
    if formats:
        from kg.pipeline import output_formats

        try:
            output_formats(formats)
        except KgError as err:
            raise typer.BadParameter(str(err), param_hint="--format") from None
    with _reported():
        from kg.parallel import default_workers
        from kg.pipeline import build as build_graph

        report = build_graph(paths, out, base_iri=base_iri, gazetteer=gazetteer, strict=strict,
                             progress=sys.stderr.isatty() and not quiet, workers=workers or default_workers(),
                             cache=cache, include=include or (), exclude=exclude or (), store=store,
                             provenance=provenance, formats=formats or None)
    again = getattr(report, "up_to_date", False)  # nothing built: the last build's report
    for problem in report.problems:
        typer.echo(f"kg: warning{' (of the last build)' if again else ''}: {problem}", err=True)
    if quiet:
        return
    counts = dict(report.counts)
    sources_line = f"sources: {counts.pop('extracted', 0)} extracted, {counts.pop('cached', 0)} from the cache"
    if again:
        typer.echo(f"up to date: the sources, options, kg and its libraries are those of the last build into {out} "
                   "and its files are unchanged since; nothing built or rewritten (--no-cache builds in full). "
                   "The last build's figures:")
        sources_line = "sources: none read this time"
    violations = counts.pop("violations", None)
    typer.echo("built " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    typer.echo(sources_line + "; seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
    if violations is not None:
        typer.echo(f"validated against schema/shapes.ttl: {violations} violation(s)")
        validated = getattr(report, "validated", "")
        if validated:
            typer.echo(f"validated: {validated}")
    for name, path in sorted(report.outputs.items()):
        typer.echo(f"  {name:<9} {path}")
    if report.problems:
        typer.echo(f"{len(report.problems)} warning(s) on stderr" + (" (of the last build)" if again else ""))


@app.command()
def query(
    graph: Annotated[Path, typer.Argument(help="An export (graph.ttl, .trig, .nq, .jsonld) or a store folder "
                                               "(kg build --store DIR).")],
    sparql: Annotated[str | None, typer.Argument(help="A SPARQL query string.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a .rq file.")] = None,
    saved: Annotated[str | None, typer.Option("--saved", "-s", help="Run a saved query (schema/queries/NAME.rq).")]
    = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Bind a query variable: NAME=VALUE (e.g. town=杨柳镇); the value is data, "
                              "never spliced into the query.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    engine: Annotated[EngineName, typer.Option("--engine", help="SPARQL engine.")] = EngineName.oxigraph,
) -> None:
    """Run a SPARQL query (string, file or saved name) on GRAPH and print the results."""
    from kg.query import format_results, resolve_query, run_query

    _require(graph, "graph file")
    _require(file, "query file")
    with _reported():
        text = resolve_query(sparql, file=file, saved=saved)
        names, rows = run_query(graph, text, engine.value, params=_params(param or []))
        typer.echo(format_results(names, rows, fmt.value), nl=False)


@app.command("queries")
def list_queries() -> None:
    """List the saved queries, what each answers and its parameters."""
    from kg.query import declared_params, saved_queries

    for name, path in saved_queries().items():
        text = path.read_text(encoding="utf-8")
        header = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            if not line.lstrip("# ").startswith("@param"):
                header.append(line.lstrip("#").strip())
        typer.echo(f"{name}\n    {' '.join(header)}")
        for p in declared_params(text).values():
            typer.echo(f"    --param {p.name}=…  {p.doc}")


@app.command()
def stats(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq or .jsonld.")],
    engine: Annotated[EngineName, typer.Option("--engine", help="SPARQL engine.")] = EngineName.oxigraph,
) -> None:
    """Count entities by type, articles, mentions, quantities, triples and graphs in GRAPH."""
    from kg.query import stats as graph_stats

    _require(graph, "graph file")
    with _reported():
        counts = graph_stats(graph, engine.value)
    width = max(len(k) for k in counts)
    for name, n in counts.items():
        typer.echo(f"{name:<{width}}  {n:>8}")


@app.command()
def export(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq, .nt or .jsonld.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (for csv: PATH.nodes.csv and "
                                                           "PATH.edges.csv).")],
    name: Annotated[ViewName, typer.Option("--view", help="Which view.")] = ViewName.full,
    to: Annotated[ViewFormatName, typer.Option("--to", help="File format.")] = ViewFormatName.graphml,
    articles: Annotated[bool, typer.Option("--articles", help="Full view: add articles as nodes.")] = False,
) -> None:
    """Write a NetworkX view of GRAPH for Gephi: GraphML, GEXF (colours, sizes, timeline) or CSV lists."""
    from kg.views import export_view

    _require(graph, "graph file")
    with _reported():
        paths = export_view(graph, out, name.value, to.value, articles=articles)
    for path in paths:
        typer.echo(f"wrote {path}")


@app.command(hidden=True)
def view(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq or .jsonld.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write (.graphml, .gexf or .csv).")],
    name: Annotated[ViewName, typer.Option("--view", help="Which view.")] = ViewName.full,
    articles: Annotated[bool, typer.Option("--articles", help="Full view: add articles as nodes.")] = False,
) -> None:
    """Older spelling of ``kg export``: the format is taken from the --out extension."""
    from kg.views import write_view

    _require(graph, "graph file")
    with _reported():
        path = write_view(graph, out, name.value, articles=articles)
    typer.echo(f"wrote {path}")


@app.command()
def validate(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq, .nt or .jsonld.")],
    shapes: Annotated[Path | None, typer.Option("--shapes", help="SHACL shapes (default: schema/shapes.ttl).")]
    = None,
) -> None:
    """Check GRAPH against the SHACL shapes; print each result (node, path, message); exit 1 on violations."""
    from kg.validate import SHAPES_FILE, validate_file

    _require(graph, "graph file")
    _require(shapes, "shapes file")
    with _reported():
        report = validate_file(graph, shapes=shapes or SHAPES_FILE)
    typer.echo(report.format(), nl=False)
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def explain(
    iri: Annotated[str, typer.Argument(help="An entity, relation record, quantity or mention IRI, "
                                            "or an entity's name (岳家岭村).")],
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq, .nt or .jsonld.")],
) -> None:
    """Print the sentences that support an entity or a fact, with article headline and offsets."""
    from kg.explain import explain as explain_node

    _require(graph, "graph file")
    with _reported():
        explanations = explain_node(graph, iri)
    typer.echo("\n".join(e.format() for e in explanations), nl=False)


@app.command("eval")
def evaluate(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq, .nt or .jsonld.")],
    gold: Annotated[Path, typer.Option("--gold", help="Gold annotation (JSON, as tests/data/seed_gold.json).")],
) -> None:
    """Score GRAPH against a gold file: precision, recall and F1 per entity type, quantities, misses."""
    _require(graph, "graph file")
    _require(gold, "gold file")
    with _reported():
        from kg.evaluate import evaluate as score

        report = score(graph, gold)
    typer.echo(report.format(), nl=False)


def main() -> None:
    """Console-script entry point (``kg = "kg.cli:main"``)."""
    app()
