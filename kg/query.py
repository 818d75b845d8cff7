"""SPARQL over any export kg wrote: Oxigraph (pyoxigraph) by default, rdflib as the alternative.

    vars, rows = run_query("outputs/graph.ttl", saved_query("villages_of_town"))
    print(format_results(vars, rows, "table"))

A graph file is read by its extension (``.ttl .trig .nq .nt .jsonld .rdf``);
the query's default graph is the union of all graphs, so a query needs no
``GRAPH`` clause. Rows hold :class:`Term` values (a ``str`` that also knows
whether it is an IRI, a literal or a blank node, and its language or
datatype) or ``None`` for unbound variables.

Saved queries are ``schema/queries/NAME.rq`` (shipped inside the package as
``kg/schema/queries``); each begins with ``#`` lines saying what it answers.
A saved query declares its parameters in a comment line::

    # @param town zh   a town's name as printed (rdfs:label @zh), e.g. 杨柳镇

with a kind: ``zh`` (a literal @zh), ``string`` (plain literal), ``iri``,
``integer``, ``decimal`` or ``date``. ``params={"town": "杨柳镇"}`` binds
``?town`` to that term *without touching the query text*: Oxigraph gets it
as a ``substitutions`` value (RDF-dev SEP-0007), rdflib as ``initBindings``.
A value with quotes or braces is therefore only data and can never change
the query. An unbound parameter leaves the variable free: the villages of
every town. A query without declarations (a string or a file) may bind any
of its variables, as a plain literal, or an IRI when written ``<…>``.

Every failure (missing or unreadable graph, bad SPARQL, unknown saved query or
parameter) raises :class:`kg.errors.QueryError` with a one-line message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
import rdflib
from rdflib.query import Result
from rich.cells import cell_len

from kg.errors import QueryError
from kg.iris import KG, SCHEMA
from kg.rdf import quiet_rdflib

__all__ = [
    "ENGINES",
    "FORMATS",
    "QUERIES_DIR",
    "Term",
    "Param",
    "bind_params",
    "declared_params",
    "format_results",
    "load_graph",
    "open_graph",
    "resolve_query",
    "run_query",
    "saved_queries",
    "saved_query",
    "stats",
]

Engine = Literal["oxigraph", "rdflib"]
ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json")
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"  # also ./schema in a checkout (a symlink)
QUERIES_DIR = SCHEMA_DIR / "queries"

# File extension → (rdflib parser name, Oxigraph format).
GRAPH_FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    ".ttl": ("turtle", ox.RdfFormat.TURTLE),
    ".trig": ("trig", ox.RdfFormat.TRIG),
    ".nq": ("nquads", ox.RdfFormat.N_QUADS),
    ".nt": ("nt", ox.RdfFormat.N_TRIPLES),
    ".jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    ".json": ("json-ld", ox.RdfFormat.JSON_LD),
    ".rdf": ("xml", ox.RdfFormat.RDF_XML),
    ".owl": ("xml", ox.RdfFormat.RDF_XML),
    ".n3": ("n3", ox.RdfFormat.N3),
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Term(str):
    """A result value: the IRI, literal lexical form or blank node label as ``str``.

    ``kind`` is ``uri``, ``literal`` or ``bnode`` (the SPARQL JSON names);
    ``lang`` and ``datatype`` describe literals (``datatype`` is None for
    plain and language-tagged strings).
    """

    kind: str
    lang: str | None
    datatype: str | None

    def __new__(cls, value: str, kind: str = "literal", lang: str | None = None,
                datatype: str | None = None) -> Term:
        term = super().__new__(cls, value)
        term.kind, term.lang = kind, lang
        term.datatype = None if datatype in (XSD_STRING, RDF_LANGSTRING) or lang else datatype
        return term


Rows = list[list[str | None]]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _graph_format(path: Path) -> tuple[str, ox.RdfFormat]:
    if not path.is_file():
        raise QueryError(f"{path}: no such graph file; give the path of an export such as outputs/graph.ttl")
    try:
        return GRAPH_FORMATS[path.suffix.lower()]
    except KeyError:
        known = " ".join(sorted(GRAPH_FORMATS))
        raise QueryError(f"{path}: unknown graph format {path.suffix!r}; use one of {known}") from None


def load_graph(path: str | Path) -> rdflib.Dataset:
    """Parse an RDF file (format from its extension) into an rdflib Dataset whose default graph is the union."""
    path = Path(path)
    fmt, _ = _graph_format(path)
    ds = rdflib.Dataset(default_union=True)
    try:
        with quiet_rdflib():
            ds.parse(str(path), format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise QueryError(f"{path}: cannot read as {fmt}: {_one_line(exc)}") from exc
    return ds


# ------------------------------------------------------------------ engines


class GraphStore(Protocol):
    """An opened graph that answers SPARQL queries with ``(vars, rows)``."""

    def select(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> tuple[list[str], Rows]: ...


def _ox_term(t: Any) -> Term | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return Term(t.value, "uri")
    if isinstance(t, ox.BlankNode):
        return Term(t.value, "bnode")
    if isinstance(t, ox.Literal):
        return Term(t.value, "literal", t.language, t.datatype.value)
    return Term(str(t), "literal")  # an RDF-star triple


class _OxigraphStore:
    """An in-memory Oxigraph store whose default graph is the *set* union of all graphs.

    Oxigraph's ``use_default_graph_as_union`` unites graphs as a multiset: a
    triple stated in two named graphs (a place's parent in the entities graph
    and in an article) would come back twice, where rdflib and the SPARQL
    RDF-merge semantics give it once. So the named graphs' triples are copied
    into the default graph (a set) after loading, and queries read that.
    """

    def __init__(self, path: Path) -> None:
        if path.is_dir():  # a store kg build --store wrote: its default graph already is the set union
            from kg.store import STORE_MARKER, open_store

            if not (path / STORE_MARKER).is_file():
                raise QueryError(f"{path}: a folder but not a kg store; give an export file or the folder "
                                 "kg build --store wrote")
            try:
                self.store = open_store(path)
            except OSError as exc:
                raise QueryError(f"{path}: cannot open the store: {_one_line(exc)}") from exc
            return
        _, fmt = _graph_format(path)
        self.store = ox.Store()
        try:
            self.store.load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise QueryError(f"{path}: cannot read as {fmt.name}: {_one_line(exc)}") from exc
        self.store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")

    def select(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> tuple[list[str], Rows]:
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(name): _ox_value(b) for name, b in (bindings or {}).items()}
        try:
            result = self.store.query(sparql, substitutions=substitutions or None)
            if isinstance(result, ox.QueryBoolean):
                return ["boolean"], [[Term("true" if bool(result) else "false", datatype=_XSD_BOOLEAN)]]
            if isinstance(result, ox.QuerySolutions):
                names = [v.value for v in result.variables]
                _check_projected(names, bindings)
                data = result.serialize(format=ox.QueryResultsFormat.JSON)
                solutions = _json_rows(names, data) if data is not None else None
                if solutions is None:  # an RDF-star triple term: read the solutions one by one
                    result = self.store.query(sparql, substitutions=substitutions or None)
                    assert isinstance(result, ox.QuerySolutions)
                    solutions = [[_ox_term(sol[name]) for name in names] for sol in result]
                return names, solutions
            triples: Rows = [[_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object)] for t in result]
            return ["subject", "predicate", "object"], sorted(triples, key=_row_key)
        except (SyntaxError, ValueError, OSError, TypeError, RuntimeError) as exc:
            raise QueryError(f"SPARQL query failed: {_one_line(exc)}") from exc


_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _json_rows(names: list[str], data: bytes) -> Rows | None:
    """Rows from Oxigraph's SPARQL JSON results, or None if a value is an RDF-star triple.

    Oxigraph writes the JSON in Rust and ``json`` parses it in C: for large results this is
    about twice as fast as reading each solution's terms through the Python bindings.
    """
    rows: Rows = []
    for binding in json.loads(data)["results"]["bindings"]:
        row: list[str | None] = []
        for name in names:
            b = binding.get(name)
            if b is None:
                row.append(None)
            elif b["type"] == "triple":
                return None
            else:
                row.append(Term(b["value"], b["type"], b.get("xml:lang"), b.get("datatype")))
        rows.append(row)
    return rows


def _rdflib_term(t: Any) -> Term | None:
    if t is None:
        return None
    if isinstance(t, rdflib.URIRef):
        return Term(str(t), "uri")
    if isinstance(t, rdflib.BNode):
        return Term(str(t), "bnode")
    if isinstance(t, rdflib.Literal):
        return Term(str(t), "literal", t.language, str(t.datatype) if t.datatype else None)
    return Term(str(t), "literal")


class _RdflibStore:
    def __init__(self, path: Path) -> None:
        self.ds = load_graph(path)

    def select(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> tuple[list[str], Rows]:
        init: dict[str, rdflib.term.Identifier] = {name: _rdflib_value(b) for name, b in (bindings or {}).items()}
        try:
            with quiet_rdflib():
                result: Result = self.ds.query(sparql, initBindings=init or None)
                if result.type == "ASK":
                    return ["boolean"], [[Term("true" if result.askAnswer else "false", datatype=_XSD_BOOLEAN)]]
                if result.type == "SELECT":
                    names = [str(v) for v in result.vars or []]
                    _check_projected(names, bindings)
                    rows: Rows = []
                    for row in result:
                        assert isinstance(row, rdflib.query.ResultRow)
                        rows.append([_rdflib_term(row[name]) for name in names])
                    return names, rows
                triples: Rows = [[_rdflib_term(s), _rdflib_term(p), _rdflib_term(o)]
                                 for s, p, o in (result.graph if result.graph is not None else [])]
                return ["subject", "predicate", "object"], sorted(triples, key=_row_key)
        except QueryError:
            raise
        except Exception as exc:  # pyparsing and evaluation errors have no common base
            raise QueryError(f"SPARQL query failed: {_one_line(exc)}") from exc


def _row_key(row: list[str | None]) -> list[str]:
    return ["" if v is None else str(v) for v in row]


def open_graph(graph_path: str | Path, engine: str = "oxigraph") -> GraphStore:
    """Load a graph file once into an engine (``oxigraph`` or ``rdflib``) for several queries.

    A directory written by ``kg build --store DIR`` is opened in place (Oxigraph only)."""
    path = Path(graph_path)
    if path.is_dir() and engine != "oxigraph":
        raise QueryError(f"{path}: a store folder is read by the oxigraph engine only")
    if engine == "oxigraph":
        return _OxigraphStore(path)
    if engine == "rdflib":
        return _RdflibStore(path)
    raise QueryError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


# ------------------------------------------------------------------ queries


def saved_queries() -> dict[str, Path]:
    """``{name: path}`` of the saved queries in ``schema/queries``."""
    return {p.stem: p for p in sorted(QUERIES_DIR.glob("*.rq"))}


def saved_query(name: str) -> str:
    """The text of saved query ``name`` (file stem, ``.rq`` optional)."""
    queries = saved_queries()
    path = queries.get(name.removesuffix(".rq"))
    if path is None:
        raise QueryError(f"no saved query {name!r}; saved queries: {', '.join(queries) or 'none'} "
                         f"(in {QUERIES_DIR})")
    return path.read_text(encoding="utf-8")


PARAM_KINDS: tuple[str, ...] = ("zh", "string", "iri", "integer", "decimal", "date")
_PARAM_LINE = re.compile(r"^#\s*@param\s+[?$]?([A-Za-z_]\w*)\s+([\w-]+)[ \t]*(.*)$", re.MULTILINE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_]\w*)")
_IRI = re.compile(r"[^\s<>\"{}|^`\\]+:[^\s<>\"{}|^`\\]*")


@dataclass(frozen=True)
class Param:
    """A query parameter: the variable it binds, the kind of term, what it means."""

    name: str
    kind: str = "string"
    doc: str = ""


@dataclass(frozen=True)
class Bound:
    """A parameter value ready for an engine: the term's kind and its lexical form."""

    kind: str
    value: str


def declared_params(sparql: str) -> dict[str, Param]:
    """The ``# @param NAME KIND text`` declarations of a query, by name."""
    params: dict[str, Param] = {}
    for name, kind, doc in _PARAM_LINE.findall(sparql):
        if kind not in PARAM_KINDS:
            raise QueryError(f"@param {name}: unknown kind {kind!r}; use one of {', '.join(PARAM_KINDS)}")
        params[name] = Param(name, kind, doc.strip())
    return params


def _check_value(name: str, kind: str, value: str) -> str:
    """The lexical form of ``value`` as a ``kind`` term, or a QueryError saying what is wrong."""
    if kind == "string":
        return value
    value = value.strip()
    if kind == "zh":
        return value
    if kind == "iri":
        iri = value[1:-1] if value.startswith("<") and value.endswith(">") else value
        if not _IRI.fullmatch(iri):
            raise QueryError(f"--param {name}: {value!r} is not an absolute IRI (write <https://…>)")
        return iri
    try:
        if kind == "integer":
            return str(int(value))
        if kind == "decimal":
            return format(Decimal(value), "f")
        return dt.date.fromisoformat(value).isoformat()
    except (ValueError, InvalidOperation):
        raise QueryError(f"--param {name}: {value!r} is not {'an' if kind == 'integer' else 'a'} {kind}") from None


def bind_params(sparql: str, params: Mapping[str, str]) -> dict[str, Bound]:
    """Check ``params`` against the query and type each value: ``{"town": Bound("zh", "杨柳镇")}``.

    A saved query accepts only its declared parameters; a query with no
    declarations accepts any of its variables (a plain literal, or an IRI
    written ``<…>``). Nothing is spliced into the text: the engines bind the
    values (see the module docstring).
    """
    declared = declared_params(sparql)
    variables = set(_VARIABLE.findall(sparql))
    bound: dict[str, Bound] = {}
    for name, value in params.items():
        param = declared.get(name)
        if param is None:
            if declared or name not in variables:
                have = ", ".join(declared) if declared else ", ".join(sorted(variables))
                raise QueryError(f"query has no parameter {name!r}; parameters: {have or 'none'}")
            kind = "iri" if value.startswith("<") and value.endswith(">") else "string"
            param = Param(name, kind)
        bound[name] = Bound(param.kind, _check_value(name, param.kind, value))
    return bound


def _check_projected(names: list[str], bindings: Mapping[str, Bound] | None) -> None:
    """Raise QueryError unless a SELECT query returns every bound variable: a bound value is substituted
    into the results (SPARQL SEP-0007), and rdflib would answer such a query otherwise than Oxigraph,
    which refuses it itself ("does not contains variable ?x in its SELECT projection"). Checked on
    the engine's own parse of the query: parsing it once more with rdflib's pyparsing grammar before
    running it took 0.14 s a query."""
    for name in bindings or {}:
        if name not in names:
            raise QueryError(f"parameter {name!r}: the query must SELECT ?{name} to bind it (a bound value is "
                             "substituted into the results, SPARQL SEP-0007)")


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _ox_value(b: Bound) -> ox.NamedNode | ox.Literal:
    if b.kind == "iri":
        return ox.NamedNode(b.value)
    if b.kind == "zh":
        return ox.Literal(b.value, language="zh")
    if b.kind == "string":
        return ox.Literal(b.value)
    return ox.Literal(b.value, datatype=ox.NamedNode(_XSD + b.kind))


def _rdflib_value(b: Bound) -> rdflib.URIRef | rdflib.Literal:
    if b.kind == "iri":
        return rdflib.URIRef(b.value)
    if b.kind == "zh":
        return rdflib.Literal(b.value, lang="zh")
    if b.kind == "string":
        return rdflib.Literal(b.value)
    return rdflib.Literal(b.value, datatype=rdflib.URIRef(_XSD + b.kind))


def resolve_query(sparql: str | None = None, *, file: str | Path | None = None, saved: str | None = None) -> str:
    """The query text from exactly one of a string, a ``.rq`` file or a saved name (never rewritten)."""
    given = [x is not None for x in (sparql, file, saved)]
    if sum(given) != 1:
        raise QueryError("give exactly one query: a SPARQL string, --file Q.rq or --saved NAME "
                         f"(saved: {', '.join(saved_queries())})")
    if file is not None:
        path = Path(file)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{path}: cannot read query file: {_one_line(exc)}") from exc
    if saved is not None:
        return saved_query(saved)
    assert sparql is not None
    return sparql


def run_query(graph_path: str | Path | GraphStore, sparql: str, engine: str = "oxigraph", *,
              params: Mapping[str, str] | None = None) -> tuple[list[str], list[list[str | None]]]:
    """Run one SPARQL query on a graph file (or an opened :func:`open_graph`); return ``(vars, rows)``.

    ``params`` bind query variables safely (see the module docstring).
    SELECT gives its variables and rows in the query's order; ASK gives
    ``["boolean"]`` and one row; CONSTRUCT/DESCRIBE give
    subject/predicate/object rows, sorted.
    """
    bindings = bind_params(sparql, params or {})
    store = open_graph(graph_path, engine) if isinstance(graph_path, str | Path) else graph_path
    return store.select(sparql, bindings)


# ------------------------------------------------------------------ output


def _json_term(v: str) -> dict[str, str]:
    kind = getattr(v, "kind", "literal")
    out = {"type": kind, "value": str(v)}
    if getattr(v, "lang", None):
        out["xml:lang"] = v.lang  # type: ignore[attr-defined]
    elif getattr(v, "datatype", None):
        out["datatype"] = v.datatype  # type: ignore[attr-defined]
    return out


def _table(names: list[str], rows: list[list[str | None]]) -> str:
    cells = [names] + [["" if v is None else " ".join(str(v).split()) for v in row] for row in rows]
    widths = [max(cell_len(r[i]) for r in cells) for i in range(len(names))]

    def line(r: list[str]) -> str:
        return "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(r, widths, strict=True)).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]
    n = len(rows)
    out.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(out) + "\n"


def format_results(vars: list[str], rows: list[list[str | None]], fmt: str = "table") -> str:
    """Render results as ``table`` (aligned, CJK-aware), ``csv``, ``tsv`` or ``json``.

    ``csv`` and ``tsv`` hold plain values with a header of variable names
    (in TSV, tabs and line breaks inside values are written ``\\t`` ``\\n``);
    ``json`` is the SPARQL 1.1 Query Results JSON format. Unbound is empty.
    """
    if fmt == "table":
        return _table(vars, rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(vars)
        writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
        return buf.getvalue()
    if fmt == "tsv":
        def cell(v: str | None) -> str:
            if v is None:
                return ""
            return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

        lines: list[list[str | None]] = [list(vars), *rows]
        return "".join("\t".join(cell(v) for v in r) + "\n" for r in lines)
    if fmt == "json":
        bindings = [{name: _json_term(v) for name, v in zip(vars, row, strict=True) if v is not None}
                    for row in rows]
        doc = {"head": {"vars": list(vars)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    raise QueryError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")


# ------------------------------------------------------------------ stats

STAT_CLASSES: dict[str, list[str]] = {
    "AdministrativeArea": [str(KG.AdministrativeArea), str(KG.FunctionalZone)],
    "FunctionalZone": [str(KG.FunctionalZone)],
    "Place": [str(KG.Place)],
    "Organization": [str(KG.Organization)],
    "Program": [str(KG.Program)],
    "Person": [str(KG.Person)],
    "articles": [str(SCHEMA.NewsArticle), str(SCHEMA.Photograph)],
    "mentions": [str(KG.Mention)],
    "quantities": [str(SCHEMA.QuantitativeValue)],
}


def stats(graph_path: str | Path, engine: str = "oxigraph") -> dict[str, int]:
    """Counts in a graph file: entities by kg type, ``entities`` in all, ``articles``,
    ``mentions``, ``quantities``, distinct ``triples`` and named ``graphs``."""
    store = open_graph(graph_path, engine)
    _, rows = store.select("SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t")
    by_class = {str(t): int(str(n)) for t, n in rows if t is not None and n is not None}
    out = {name: sum(by_class.get(c, 0) for c in classes) for name, classes in STAT_CLASSES.items()}
    out["entities"] = sum(out[t] for t in ("AdministrativeArea", "Place", "Organization", "Program", "Person"))
    for name, q in {
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        "graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    }.items():
        _, rows = store.select(q)
        out[name] = int(str(rows[0][0])) if rows and rows[0][0] is not None else 0
    return out
