"""The ``kg`` command: a thin Typer layer, every command one call into the library.

    kg build [SOURCES…] --out DIR [--base-iri IRI] [--gazetteer FILE] [--strict]
    kg query GRAPH [SPARQL] [--file Q.rq | --saved NAME] [--param K=V] [--format …] [--engine …]
    kg stats GRAPH
    kg view GRAPH --out FILE.graphml [--view full|places|programs|comention] [--articles]

Errors: a :class:`kg.errors.KgError` prints one line ``kg: error: …`` on
stderr and exits with the error's ``exit_code``; a missing input file exits 2
(as a usage error), naming the file.
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
            raise QueryError(f"--param {item!r}: write NAME=VALUE, e.g. --param townName=杨柳镇")
        params[name.strip()] = value
    return params


@app.command()
def build(
    sources: Annotated[list[Path] | None, typer.Argument(help="Page files or folders (default: sources).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for graph.ttl, .trig, .nq, .jsonld, .graphml.")]
    = Path("outputs"),
    base_iri: Annotated[str, typer.Option("--base-iri", help="Base of every entity and article IRI.")]
    = DEFAULT_BASE,
    gazetteer: Annotated[Path | None, typer.Option("--gazetteer", help="NBS division table (CSV) to link places to.")]
    = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad file instead of skipping it.")]
    = False,
) -> None:
    """Build the knowledge graph of SOURCES and write every export into --out."""
    paths = sources or [Path("sources")]
    for path in paths:
        _require(path, "source file or folder")
    _require(gazetteer, "gazetteer file")
    with _reported():
        from kg.pipeline import build as build_graph

        report = build_graph(paths, out, base_iri=base_iri, gazetteer=gazetteer, strict=strict,
                             progress=sys.stderr.isatty())
    for problem in report.problems:
        typer.echo(f"kg: warning: {problem}", err=True)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    typer.echo(f"built {counts}")
    for name, path in sorted(report.outputs.items()):
        typer.echo(f"  {name:<8} {path}")
    if report.problems:
        typer.echo(f"{len(report.problems)} problem(s) reported on stderr")


@app.command()
def query(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq or .jsonld.")],
    sparql: Annotated[str | None, typer.Argument(help="A SPARQL query string.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a .rq file.")] = None,
    saved: Annotated[str | None, typer.Option("--saved", "-s", help="Run a saved query (schema/queries/NAME.rq).")]
    = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Set a VALUES parameter: NAME=VALUE.")]
    = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    engine: Annotated[EngineName, typer.Option("--engine", help="SPARQL engine.")] = EngineName.oxigraph,
) -> None:
    """Run a SPARQL query (string, file or saved name) on GRAPH and print the results."""
    from kg.query import format_results, resolve_query, run_query

    _require(graph, "graph file")
    _require(file, "query file")
    with _reported():
        text = resolve_query(sparql, file=file, saved=saved, params=_params(param or []))
        names, rows = run_query(graph, text, engine.value)
        typer.echo(format_results(names, rows, fmt.value), nl=False)


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
def view(
    graph: Annotated[Path, typer.Argument(help="An export: graph.ttl, .trig, .nq or .jsonld.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The GraphML file to write.")],
    name: Annotated[ViewName, typer.Option("--view", help="Which view.")] = ViewName.full,
    articles: Annotated[bool, typer.Option("--articles", help="Full view: add articles as nodes.")] = False,
) -> None:
    """Write a NetworkX view of GRAPH as GraphML (for Gephi)."""
    from kg.views import write_view

    _require(graph, "graph file")
    with _reported():
        path = write_view(graph, out, name.value, articles=articles)
    typer.echo(f"wrote {path}")


def main() -> None:
    """Console-script entry point (``kg = "kg.cli:main"``)."""
    app()
