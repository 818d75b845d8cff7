"""SHACL validation of a kg graph against ``schema/shapes.ttl`` (pySHACL).

    report = validate_file("outputs/graph.ttl")
    print(report.format())          # focus node, path, message — one block per result
    report.conforms                 # False when there is a violation

The shapes are checked on the union of all named graphs (a mention in an
article graph points at an entity described in the entities graph). They
need no ontology (pass ``ontology=schema/kg.ttl`` to mix it in anyway) and use
SHACL-AF SPARQL targets, so pySHACL runs in advanced mode. They accept both
provenance forms kg writes (:data:`kg.store.PROVENANCE_MODES`): spans as
kg:start/kg:end/kg:exact on the record, or W3C Web Annotation targets; in both,
the quoted text must be the article's text at those offsets. Results of
severity ``sh:Warning`` or ``sh:Info`` are listed but do not make a graph fail.

Errors reading the graph are :class:`kg.errors.QueryError` (from
:func:`kg.query.load_graph`); a broken shapes file is a
:class:`kg.errors.ValidationError`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from kg.errors import ValidationError
from kg.rdf import PREFIXES, QuadData, quiet_rdflib, union_graph
from kg.store import Quad

__all__ = ["ONTOLOGY_FILE", "SHAPES_FILE", "VALIDATE_LIMIT", "ValidationReport", "ValidationResult",
           "validate_file", "validate_graph", "validate_quads"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SHAPES_FILE = SCHEMA_DIR / "shapes.ttl"
ONTOLOGY_FILE = SCHEMA_DIR / "kg.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True, order=True)
class ValidationResult:
    """One SHACL result: the node that fails, the property path, the message and the offending value."""

    severity: str  # Violation, Warning or Info
    focus: str
    path: str | None
    message: str
    value: str | None = None
    label: str | None = None
    shape: str | None = None


@dataclass
class ValidationReport:
    """All results of validating one graph, sorted by severity, focus node, path and message."""

    source: str
    results: list[ValidationResult] = field(default_factory=list)
    shapes: str = "schema/shapes.ttl"

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        """True when no result is a violation (warnings and infos are allowed)."""
        return not self.violations

    def format(self) -> str:
        """A readable report: one numbered block per result, then a one-line verdict."""
        lines: list[str] = []
        for i, r in enumerate(self.results, 1):
            name = f" {r.label}" if r.label else ""
            lines.append(f"{i}. {r.severity}: {r.focus}{name}")
            where = f"   path: {r.path or '(the node itself)'}"
            if r.value is not None:
                where += f"   value: {r.value}"
            lines.append(where)
            lines.append(f"   {r.message}")
        n = len(self.violations)
        others = len(self.results) - n
        extra = f" and {others} warning(s)" if others else ""
        if n:
            lines.append(f"FAIL: {self.source}: {n} violation(s){extra} of {self.shapes}")
        else:
            lines.append(f"OK: {self.source} conforms to {self.shapes}{extra}")
        return "\n".join(lines) + "\n"


def _short(term: Node | None, g: Graph) -> str | None:
    """A term as Turtle would write it with kg's prefixes (``kg:divisionCode``, ``"370899"``)."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, URIRef):
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
            local = str(term)[len(str(ns)):]
            if str(term).startswith(str(ns)) and local and all(c.isalnum() or c in "_-" for c in local):
                return f"{prefix}:{local}"
        return f"<{term}>"
    return term.n3()


def _path(node: Node | None, results: Graph, data: Graph) -> str | None:
    """A result path: a property (``kg:divisionCode``) or, for an inverse path, ``^kg:mentionOf``."""
    if node is None:
        return None
    inverse = results.value(node, SH.inversePath)
    if inverse is not None:
        return f"^{_short(inverse, data)}"
    return _short(node, data)


def _label(g: Graph, node: Node) -> str | None:
    labels = sorted(str(o) for o in g.objects(node, RDFS.label)
                    if isinstance(o, Literal) and (o.language or "").lower() == "zh")
    if labels:
        return labels[0]
    if (node, RDF.type, None) in g:
        headline = sorted(str(o) for o in g.objects(node, URIRef("https://schema.org/headline")))
        return headline[0] if headline else None
    return None


def _load_shapes(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # rdflib raises parser-specific types
        raise ValidationError(f"{path}: cannot read the SHACL shapes: {exc}; restore schema/shapes.ttl") from exc


def validate_graph(g: Graph | Dataset, *, source: str = "graph", shapes: str | Path = SHAPES_FILE,
                   ontology: str | Path | None = None) -> ValidationReport:
    """Validate a Graph or Dataset (its graphs united) against the SHACL ``shapes``.

    ``source`` names the graph in the report. Never raises for a
    non-conforming graph: look at :attr:`ValidationReport.conforms`.
    """
    import pyshacl

    data = union_graph(g) if isinstance(g, Dataset) else g
    shapes_graph = _load_shapes(Path(shapes))
    ont = Graph().parse(ontology, format="turtle") if ontology is not None else None
    with quiet_rdflib():
        _, results_graph, _ = pyshacl.validate(data, shacl_graph=shapes_graph, ont_graph=ont, inference="none",
                                               advanced=True, allow_warnings=True)
    shown = "schema/shapes.ttl" if Path(shapes).resolve() == SHAPES_FILE else str(shapes)
    report = ValidationReport(source=source, shapes=shown)
    assert isinstance(results_graph, Graph)
    found: set[ValidationResult] = set()
    for result in results_graph.subjects(RDF.type, SH.ValidationResult):
        focus = results_graph.value(result, SH.focusNode)
        severity = results_graph.value(result, SH.resultSeverity)
        message = results_graph.value(result, SH.resultMessage)
        shape = results_graph.value(result, SH.sourceShape)
        found.add(ValidationResult(
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            focus=f"<{focus}>" if isinstance(focus, URIRef) else str(focus),
            path=_path(results_graph.value(result, SH.resultPath), results_graph, data),
            message=" ".join(str(message).split()) if message is not None else "does not conform",
            value=_short(results_graph.value(result, SH.value), data),
            label=_label(data, focus) if focus is not None else None,
            shape=_short(shape, data) if isinstance(shape, URIRef) else None,
        ))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    report.results = sorted(found, key=lambda r: (order.get(r.severity, 3), r.focus, r.path or "", r.message,
                                                  r.value or ""))
    return report


VALIDATE_LIMIT = 20_000
"""Quads above which a build validates a sample (pySHACL checks about a thousand quads a second)."""


def validate_quads(data: QuadData, *, limit: int = VALIDATE_LIMIT) -> tuple[ValidationReport, str]:
    """Validate a build's quads with pySHACL: all of them up to ``limit`` quads, else a sample.

    The sample is the first article graphs (by IRI) up to about ``limit`` quads,
    with the descriptions (entities, curated and sources graphs) of every node
    they name, and of those nodes' parents, so every shape sees what it needs.
    Returns the report and one line saying what was validated.
    """
    from kg.rdf import dataset_of
    from kg.store import nquad_line

    if len(data) <= limit:
        return validate_graph(dataset_of(data)), f"all {len(data)} quads"
    groups: dict[str, list[Quad]] = {}
    quads = data.by_graph()
    i = 0
    while i < len(quads):  # graph slices of the graph-sorted quads
        j = i
        while j < len(quads) and quads[j][3] == quads[i][3]:
            j += 1
        groups[quads[i][3]] = quads[i:j]
        i = j
    described: dict[str, list[Quad]] = defaultdict(list)  # node → its quads outside article graphs
    articles = []
    for g, qs in groups.items():
        if "/article/" in g:
            articles.append(g)
        else:
            for q in qs:
                described[q[0]].append(q)
    chosen: list[Quad] = []
    taken = 0
    for g in sorted(articles):
        if len(chosen) >= limit // 2 and taken:
            break
        chosen.extend(groups[g])
        taken += 1
    seen: set[str] = set()
    todo = [q[2] for q in chosen if q[2][0] == "<"] + [q[0] for q in chosen]
    extra: list[Quad] = []
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for q in described.get(node, ()):
            extra.append(q)
            if q[2][0] == "<":
                todo.append(q[2])
    entities = len({q[0] for q in extra})
    sample = chosen + extra
    text = "".join(nquad_line(q) for q in sample)
    ds = Dataset()
    with quiet_rdflib():
        ds.parse(data=text, format="nquads")
    scope = (f"a sample: {taken} of {len(articles)} article graphs and the {entities} nodes they name "
             f"({len(sample)} of {len(data)} quads)")
    return validate_graph(ds), scope


def validate_file(graph_path: str | Path, *, shapes: str | Path = SHAPES_FILE) -> ValidationReport:
    """Read an export (any format :func:`kg.query.load_graph` reads) and validate it."""
    from kg.query import load_graph

    return validate_graph(load_graph(graph_path), source=str(graph_path), shapes=shapes)
