"""KnowledgeBase → RDF: one named graph per article, as an rdflib Dataset or sorted quads, and its exports.

Graphs (see kg/iris.py for the IRI shapes):

    {base}/article/{id}     the article node, its mentions, quantities and the
                            relations it is evidence for (with their provenance)
    {base}/graph/entities   entity descriptions from resolution: types, labels,
                            levels, codes, schema:containedInPlace
    {base}/graph/curated    curated facts: entities with ``attributes["curated"]
                            == "true"`` and relations whose ``rule`` starts with
                            ``curated``; always present (it describes itself as
                            a prov:Bundle, so it exists even when empty)
    {base}/graph/sources    the source pages: digest, encoding, newspaper, date

Terms follow schema/kg.ttl and what the evaluation reads
(/work/shared/eval/CONTRACT.md): kg classes for entity types, rdfs:label @zh
plus a pinyin @zh-latn-pinyin label, skos:altLabel for other printed forms,
schema:NewsArticle / schema:Photograph, schema:QuantitativeValue with an
xsd:decimal schema:value, and the character span of every mention, quantity
and relation record. No blank nodes: with full provenance, selector and target
nodes get IRIs derived from their owner (``…#target``, ``…#pos``,
``…#quote``). Language tags are lower case (``zh``, ``zh-latn-pinyin``):
Oxigraph lower-cases tags and rdflib does not, so mixed case would make the
two engines answer differently.

Provenance (``provenance=``, :data:`kg.store.PROVENANCE_MODES`): every
mention, quantity and relation record has kg:inArticle (⊑ prov:wasDerivedFrom)
its article, and a relation record prov:wasDerivedFrom the mentions of its
subject and object inside its span. ``compact`` (the default) writes the span
on the node itself: kg:start, kg:end (character offsets into the article's
schema:text, end exclusive) and kg:exact (the text between them). ``full``
writes the W3C Web Annotation form instead, about twice the triples: a mention
is also an oa:Annotation whose oa:hasTarget carries an oa:TextPositionSelector
(start, end) and an oa:TextQuoteSelector (exact, prefix, suffix; prefix/suffix
are empty at the edges of the text); a quantity or record points at that
target with kg:evidence and prov:wasDerivedFrom, and prov:wasDerivedFrom its
article.

The quads are made by :func:`kg.store.kb_quads` (N-Triples term strings, no
rdflib object per term); :func:`to_dataset` parses them into rdflib for small
graphs. Exports are registered by format name in :data:`EXPORTERS` and written
by kg's own streaming writers from the sorted quads (:class:`QuadData`), not
triple by triple through rdflib: N-Quads and N-Triples are sorted lines, Turtle
and TriG one block per subject (sorted) with the prefixes used, JSON-LD one
graph at a time. Every export is deterministic (same KnowledgeBase → same
bytes, whatever PYTHONHASHSEED) and written atomically (every format to a
temporary file in the same directory, then ``os.replace`` once all succeeded).
"""

from __future__ import annotations

import json
import logging
import operator
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL

from kg.iris import (
    DEFAULT_BASE,
    FOAF,
    KG,
    OA,
    ORG,
    PROV,
    SCHEMA,
)
from kg.models import KnowledgeBase
from kg.store import Quad, kb_quads, nquad_line, sorted_quads

__all__ = [
    "EXPORTERS",
    "ENTITY_CLASSES",
    "Exporter",
    "QuadData",
    "atomic_write",
    "dataset_of",
    "kg_prefixes",
    "quiet_rdflib",
    "register_exporter",
    "to_dataset",
    "union_graph",
    "write_exports",
]

log = logging.getLogger(__name__)

ZH = "zh"
PINYIN = "zh-latn-pinyin"  # BCP 47 zh-Latn-pinyin, lower-cased as all kg language tags
QUOTE_CONTEXT = 10  # characters of oa:prefix / oa:suffix around a quoted span

ENTITY_CLASSES: dict[str, URIRef] = {
    "AdministrativeArea": KG.AdministrativeArea,
    "Place": KG.Place,
    "Organization": KG.Organization,
    "Program": KG.Program,
    "Person": KG.Person,
}
MERGE_CANDIDATE = "mergeCandidate"  # Relation.predicate of a near-duplicate pair for review (kg.review)
FUNCTIONAL_ZONE = "功能区"  # Entity.subtype of a zone run by a management committee (no GB/T 2260 code)
CURATED_RULE_PREFIX = "curated"  # Relation.rule of a fact from sources/curated/*.yaml
CURATED_ATTRIBUTE = "curated"  # Entity.attributes[...] == "true" for a curated entity


_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Standard prefixes bound in every export (W3C ORG is ``org:``; organization IRIs get ``organization:``).
PREFIXES: dict[str, Namespace] = {
    "kg": KG,
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "oa": OA,
    "skos": Namespace(str(SKOS)),
    "foaf": FOAF,
    "dcterms": Namespace(str(DCTERMS)),
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
}
_KEY_PREFIX_NAMES = {"org": "organization"}

# rdflib 7.x's own Dataset plugins (parsers, serializers, SPARQL) call APIs it has deprecated.
_RDFLIB_INTERNAL_DEPRECATIONS = (
    r"(Dataset\.(contexts|default_context) is deprecated|ConjunctiveGraph is deprecated)"
)


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Silence the DeprecationWarnings rdflib 7.x raises from its *own* Dataset plugins.

    Parsing TriG or N-Quads, or querying a Dataset, warns about
    ``Dataset.default_context`` even when the caller uses none of it; only
    those messages are ignored.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_RDFLIB_INTERNAL_DEPRECATIONS, category=DeprecationWarning)
        yield


# ------------------------------------------------------------------ building


def _bind(ds: Dataset, base: str, kb: KnowledgeBase) -> None:
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    kinds = {"article", "source", "graph"} | {k.split("/", 1)[0] for k in kb.entities if "/" in k}
    for kind in sorted(kinds):
        name = _KEY_PREFIX_NAMES.get(kind, kind)
        if _NCNAME.fullmatch(name) and name not in PREFIXES:
            ds.bind(name, Namespace(f"{base.rstrip('/')}/{kind}/"), override=True, replace=True)


def to_dataset(kb: KnowledgeBase, base: str = DEFAULT_BASE, *, problems: list[str] | None = None,
               provenance: str = "compact") -> Dataset:
    """The rdflib Dataset of a KnowledgeBase: one named graph per article plus entities, curated and sources.

    The quads are :func:`kg.store.kb_quads` (the one place kg's RDF is made),
    parsed into rdflib: the API for small graphs (notebooks, tests, SHACL).
    ``base`` is the IRI base (``--base-iri``). References to unknown entity
    keys are skipped, never turned into dangling IRIs; each is logged and,
    when ``problems`` is given, appended to it as one line. ``provenance`` is
    ``compact`` or ``full`` (:data:`kg.store.PROVENANCE_MODES`).
    """
    ds = Dataset()
    _bind(ds, base, kb)
    data = "".join(map(nquad_line, kb_quads(kb, base, problems=problems, provenance=provenance)))
    with quiet_rdflib():
        ds.parse(data=data, format="nquads")
    return ds


# ------------------------------------------------------------------ exporting


def union_graph(ds: Dataset | Graph) -> Graph:
    """All triples of a Dataset (every graph, default included) as one Graph with its prefixes."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=True, replace=True)
    if isinstance(ds, Dataset):
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        for triple in ds:
            g.add(triple)
    return g


def kg_prefixes(base: str, kinds: Iterable[str]) -> dict[str, str]:
    """kg's prefixes: the vocabularies (:data:`PREFIXES`) and one per IRI kind under ``base``
    (``article:``, ``place:``, ``organization:`` for ``org/`` …)."""
    out = {p: str(ns) for p, ns in PREFIXES.items()}
    for kind in sorted(set(kinds) | {"article", "source", "graph"}):
        name = _KEY_PREFIX_NAMES.get(kind, kind)
        if _NCNAME.fullmatch(name) and name not in PREFIXES:
            out[name] = f"{base.rstrip('/')}/{kind}/"
    return out


_GRAPH_ORDER = operator.itemgetter(3, 0, 1, 2)


@dataclass
class QuadData:
    """The graph of a build ready for export: distinct quads (N-Triples terms, see :mod:`kg.store`)
    sorted by (subject, predicate, object, graph), and the prefixes the readable formats use."""

    quads: list[Quad]
    prefixes: dict[str, str]
    _by_graph: list[Quad] | None = field(default=None, repr=False)

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, base: str = DEFAULT_BASE, *,
                problems: list[str] | None = None, provenance: str = "compact") -> QuadData:
        kinds = {k.split("/", 1)[0] for k in kb.entities if "/" in k}
        return cls(sorted_quads(kb_quads(kb, base, problems=problems, provenance=provenance)),
                   kg_prefixes(base, kinds))

    @classmethod
    def from_dataset(cls, ds: Dataset | Graph) -> QuadData:
        """The quads of an rdflib Dataset (or Graph: its triples in the default graph) and its prefixes."""
        import pyoxigraph as ox

        with quiet_rdflib():
            data = ds.serialize(format="nquads" if isinstance(ds, Dataset) else "nt", encoding="utf-8")
        quads: set[Quad] = set()
        fmt = ox.RdfFormat.N_QUADS if isinstance(ds, Dataset) else ox.RdfFormat.N_TRIPLES
        for q in ox.parse(data, format=fmt):
            g = "" if isinstance(q, ox.Triple) or isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
            quads.add((str(q.subject), str(q.predicate), str(q.object), g))
        return cls(sorted(quads), {p: str(ns) for p, ns in ds.namespaces()})

    def by_graph(self) -> list[Quad]:
        """The quads sorted by (graph, subject, predicate, object), computed once."""
        if self._by_graph is None:
            self._by_graph = sorted(self.quads, key=_GRAPH_ORDER)
        return self._by_graph

    def triples(self) -> Iterator[tuple[str, str, str]]:
        """The distinct triples of the union of all graphs, sorted."""
        last: tuple[str, str, str] | None = None
        for q in self.quads:
            t = (q[0], q[1], q[2])
            if t != last:
                yield t
                last = t

    def __len__(self) -> int:
        return len(self.quads)

    def triple_count(self) -> int:
        """Distinct triples of the union of all graphs."""
        return sum(1 for _ in self.triples())


def dataset_of(data: QuadData) -> Dataset:
    """An rdflib Dataset holding ``data`` with its prefixes (for small graphs: rdflib adds ~50k quads/s)."""
    ds = Dataset()
    for prefix, ns in data.prefixes.items():
        ds.bind(prefix, Namespace(ns), override=True, replace=True)
    text = "".join(nquad_line(q) if q[3] else f"{q[0]} {q[1]} {q[2]} .\n" for q in data.quads)
    with quiet_rdflib():
        ds.parse(data=text, format="nquads")
    return ds


def _data(data: QuadData | Dataset | Graph) -> QuadData:
    return data if isinstance(data, QuadData) else QuadData.from_dataset(data)


Chunks = bytes | Iterable[bytes]


@dataclass(frozen=True)
class Exporter:
    """One export format: its file name and a function rendering the graph to bytes (or chunks of bytes)."""

    name: str
    filename: str
    render: Callable[[QuadData], Chunks]

    def __call__(self, data: QuadData | Dataset) -> bytes:
        out = self.render(_data(data))
        return out if isinstance(out, bytes) else b"".join(out)


EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, filename: str) -> Callable[[Callable[[QuadData], Chunks]],
                                                           Callable[[QuadData], Chunks]]:
    """Decorator: register ``render(data) -> bytes | Iterable[bytes]`` as the exporter for format ``name``."""

    def wrap(render: Callable[[QuadData], Chunks]) -> Callable[[QuadData], Chunks]:
        EXPORTERS[name] = Exporter(name, filename, render)
        return render

    return wrap


_CHUNK = 20_000  # lines per written chunk
_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


def _encode(lines: Iterable[str]) -> Iterator[bytes]:
    buf: list[str] = []
    for line in lines:
        buf.append(line)
        if len(buf) >= _CHUNK:
            yield "".join(buf).encode("utf-8")
            buf.clear()
    if buf:
        yield "".join(buf).encode("utf-8")


COMPACTOR_CACHE = 100_000
"""Terms a Turtle compactor remembers (then it starts afresh): predicates, classes and entity IRIs
come back often; the IRIs of mentions and records come once, and a build has millions of them."""


class _Compactor:
    """Turtle names for N-Triples terms: ``<https://schema.org/text>`` → ``schema:text``; ``rdf:type``
    → ``a`` as a predicate; typed literals get a prefixed datatype. Remembers which prefixes it used."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.by_ns = {ns: p for p, ns in sorted(prefixes.items(), reverse=True)}
        self.prefixes = prefixes
        self.cache: dict[str, str] = {}

    def iri(self, term: str) -> str:
        out = self.cache.get(term)
        if out is None:
            out = term
            cut = max(term.rfind("/"), term.rfind("#")) + 1
            prefix = self.by_ns.get(term[1:cut]) if cut else None
            if prefix is not None:
                local = term[cut:-1]
                if local == "" or _PN_LOCAL.fullmatch(local):
                    out = f"{prefix}:{local}"
            self._remember(term, out)
        return out

    def _remember(self, term: str, out: str) -> None:
        if len(self.cache) >= COMPACTOR_CACHE:  # most terms (mention, record IRIs) come once: start afresh
            self.cache.clear()
        self.cache[term] = out

    def term(self, term: str) -> str:
        if term[0] == "<":
            return self.iri(term)
        if term[-1] == ">":  # "lexical"^^<datatype>: numbers and dates, which come back often
            out = self.cache.get(term)
            if out is None:
                cut = term.rfind("^^<")
                out = f"{term[:cut]}^^{self.iri(term[cut + 2:])}"
                self._remember(term, out)
            return out
        return term

    def header(self, used: Iterable[str]) -> str:
        lines = [f"@prefix {p}: <{self.prefixes[p]}> ." for p in sorted(set(used))]
        return "\n".join(lines) + "\n\n" if lines else ""


_RDF_TYPE = f"<{RDF.type}>"


def _used_prefixes(c: _Compactor, triples: Iterable[tuple[str, str, str]]) -> set[str]:
    """The prefixes the Turtle of ``triples`` uses (so only those are declared)."""
    terms: set[str] = set()
    for s, p, o in triples:
        terms.add(s)
        terms.add(p)
        terms.add(o)
    used: set[str] = set()
    for t in terms:
        if t[0] == '"':
            if t[-1] != ">":
                continue
            t = t[t.rfind("^^<") + 2:]
        name = c.iri(t)
        if name[0] != "<":
            used.add(name.split(":", 1)[0])
    return used


def _turtle_body(c: _Compactor, triples: Iterable[tuple[str, str, str]], indent: str = "") -> Iterator[str]:
    """Subject blocks: ``s a C1, C2 ;\\n    p o1, o2 ;\\n    … .`` (rdf:type first, then predicates in order)."""
    iri, cached, term = c.iri, c.cache.get, c.term
    sep = f" ;\n{indent}    "
    cur_s: str | None = None
    cur_p: str | None = None
    types: list[str] = []
    rest: list[str] = []
    def block(s: str, types: list[str], rest: list[str]) -> str:
        if types:
            rest.insert(0, "a " + ", ".join(types))
        return indent + iri(s) + " " + sep.join(rest) + " .\n\n"

    for s, p, o in triples:
        if s != cur_s:
            if cur_s is not None:
                yield block(cur_s, types, rest)
            cur_s, cur_p, types, rest = s, None, [], []
        if o[-1] == '"' or o[-1] != ">" and o[0] == '"':  # a plain or language-tagged literal
            obj = o
        else:
            obj = cached(o) or term(o)
        if p == _RDF_TYPE:
            types.append(obj)
        elif p == cur_p:
            rest[-1] += ", " + obj
        else:
            cur_p = p
            rest.append((cached(p) or iri(p)) + " " + obj)
    if cur_s is not None:
        yield block(cur_s, types, rest)


@register_exporter("turtle", "graph.ttl")
def render_turtle(data: QuadData) -> Iterator[bytes]:
    """The union of all graphs as Turtle: kg's prefixes (those used), one block per subject, sorted."""
    c = _Compactor(data.prefixes)
    yield c.header(_used_prefixes(c, data.triples())).encode("utf-8")
    yield from _encode(_turtle_body(c, data.triples()))


def _graphs(quads: list[Quad]) -> Iterator[tuple[str, list[Quad]]]:
    """(graph term, its quads) from quads sorted by graph."""
    i = 0
    while i < len(quads):
        g = quads[i][3]
        j = i
        while j < len(quads) and quads[j][3] == g:
            j += 1
        yield g, quads[i:j]
        i = j


@register_exporter("trig", "graph.trig")
def render_trig(data: QuadData) -> Iterator[bytes]:
    """Every named graph as TriG, graphs sorted by name, subjects sorted inside each."""
    c = _Compactor(data.prefixes)
    yield c.header(_used_prefixes(c, ((q[0], q[1], q[2]) for q in data.quads))
                   | _used_prefixes(c, ((q[3], q[3], q[3]) for q in data.quads if q[3]))).encode("utf-8")

    def lines() -> Iterator[str]:
        for g, quads in _graphs(data.by_graph()):
            triples = ((q[0], q[1], q[2]) for q in quads)
            if not g:
                yield from _turtle_body(c, triples)
                continue
            yield f"{c.iri(g)} {{\n"
            body = "".join(_turtle_body(c, triples, "    "))
            yield body.rstrip("\n") + "\n}\n\n"

    yield from _encode(lines())


@register_exporter("nquads", "graph.nq")
def render_nquads(data: QuadData) -> Iterator[bytes]:
    """N-Quads, one line per quad, lines sorted."""
    return _encode(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in data.quads)


@register_exporter("ntriples", "graph.nt")
def render_ntriples(data: QuadData) -> Iterator[bytes]:
    """The union of all graphs as N-Triples, one line per distinct triple, lines sorted (diffable)."""
    return _encode(f"{s} {p} {o} .\n" for s, p, o in data.triples())


CONTEXT_FILE = Path(__file__).resolve().parent / "schema" / "context.jsonld"


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD ``@context`` of kg's exports (``schema/context.jsonld``): vocabulary prefixes and a
    few terms (``label`` as a language map, ``containedInPlace`` as an IRI …) for users who compact."""
    context: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return context


def _json_value(term: str, compact: Callable[[str], str]) -> dict[str, str]:
    """A JSON-LD value object of an N-Triples term (its escapes are JSON escapes too)."""
    if term[0] == "<":
        return {"@id": term[1:-1]}
    cut = term.rfind('"')
    value: dict[str, str] = {"@value": json.loads(term[: cut + 1])}
    rest = term[cut + 1 :]
    if rest.startswith("@"):
        value["@language"] = rest[1:]
    elif rest.startswith("^^<") and rest[3:-1] != str(XSD.string):
        value["@type"] = compact(rest[3:-1])
    return value


def _dumps(obj: Any, depth: int) -> str:
    """``json.dumps(obj, indent=1, sort_keys=True)`` as it would appear ``depth`` levels deep."""
    text = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True)
    return text.replace("\n", "\n" + " " * depth) if depth else text


def jsonld_compactor(context: dict[str, Any]) -> Callable[[str], str]:
    """``compact(iri)``: a compact IRI (``schema:headline``) for the longest of the context's prefixes
    that leaves an NCName, else the IRI itself. Remembers its answers."""
    prefixes = {p: ns for p, ns in context.items() if isinstance(ns, str) and ns.endswith(("/", "#"))}
    by_ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: (-len(x[0]), x[1]))
    cache: dict[str, str] = {}

    def compact(iri: str) -> str:
        out = cache.get(iri)
        if out is None:
            out = iri
            for ns, p in by_ns:
                local = iri[len(ns) :]
                if iri.startswith(ns) and _NCNAME.fullmatch(local):
                    out = f"{p}:{local}"
                    break
            if len(cache) < 100_000:
                cache[iri] = out
        return out

    return compact


def _value_key(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def jsonld_nodes(quads: Iterable[Quad], compact: Callable[[str], str]) -> list[dict[str, Any]]:
    """JSON-LD node objects (expanded form, compact keys) of ``quads``' subjects, sorted by IRI,
    values sorted; the graph term of each quad is ignored."""
    out: dict[str, dict[str, Any]] = {}
    for s, p, o, _ in quads:
        iri = s[1:-1]
        node = out.get(iri)
        if node is None:
            node = out[iri] = {"@id": iri}
        if p == _RDF_TYPE and o[0] == "<":
            node.setdefault("@type", []).append(compact(o[1:-1]))
        else:
            node.setdefault(compact(p[1:-1]), []).append(_json_value(o, compact))
    for node in out.values():
        for values in node.values():
            if isinstance(values, list) and len(values) > 1:
                values.sort(key=_value_key)
    return [out[s] for s in sorted(out)]


@register_exporter("json-ld", "graph.jsonld")
def render_jsonld(data: QuadData) -> Iterator[bytes]:
    """JSON-LD 1.1 in expanded node form under kg's context; graphs, nodes and values sorted.

    The ``@context`` is the whole of ``schema/context.jsonld``, embedded so the
    file reads offline. Property keys and ``@type`` values are compact IRIs
    (``schema:headline``, ``kg:Mention``) where one of its prefixes fits; node
    IRIs are written in full. Literals keep their lexical form
    (``{"@value": "255000", "@type": "xsd:decimal"}``), so the context's
    term definitions never change a value. Written one graph at a time: the
    bytes are those of ``json.dumps(document, indent=1, sort_keys=True)``.
    """
    context = jsonld_context()
    compact = jsonld_compactor(context)

    def nodes(quads: list[Quad]) -> list[dict[str, Any]]:
        return jsonld_nodes(quads, compact)

    def items() -> Iterator[str]:
        groups = {g: quads for g, quads in _graphs(data.by_graph())}
        top: dict[str, Any] = {}
        if "" in groups:  # the default graph's nodes sit at the top level, among the named graphs
            for node in nodes(groups.pop("")):
                top[node["@id"]] = node
        names = {g[1:-1]: g for g in groups}
        for name in sorted(set(top) | set(names)):
            item = top.get(name, {"@id": name})
            if name in names:
                item["@graph"] = nodes(groups[names[name]])
            yield _dumps(item, 2)

    yield ('{\n "@context": ' + _dumps(context, 1) + ',\n "@graph": [').encode("utf-8")
    first = True
    for chunk in _encode(f"{'' if i == 0 else ','}\n  {text}" for i, text in enumerate(items())):
        first = False
        yield chunk
    yield ("]\n}\n" if first else "\n ]\n}\n").encode("utf-8")


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same directory and ``os.replace``.

    A failure leaves any previous file untouched and no temporary file
    behind. The file gets mode 0644 (temporary files are created 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_all(fh: IO[bytes], data: bytes) -> None:
    fh.write(data)
    fh.flush()
    os.fsync(fh.fileno())


def write_exports(data: QuadData | Dataset, out_dir: Path, formats: Iterable[str] | None = None,
                  seconds: dict[str, float] | None = None) -> dict[str, Path]:
    """Write the graph in every registered format (or ``formats``) into ``out_dir``.

    ``data`` is a :class:`QuadData` (a build) or an rdflib Dataset. Returns
    ``{format name: path}``. Every format is written to a temporary file first
    and the files are renamed only when all succeeded, so a failed export never
    leaves a half-written or mixed set. ``seconds`` (if given) receives the
    time each format took. Unknown format names raise KeyError.
    """
    quad_data = _data(data)
    names = list(EXPORTERS) if formats is None else list(formats)
    exporters = [EXPORTERS[name] for name in names]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Exporter, str]] = []
    try:
        for exp in exporters:
            clock = time.perf_counter()
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{exp.filename}.", suffix=".tmp")
            written.append((exp, tmp))
            with os.fdopen(fd, "wb") as fh, quiet_rdflib():
                out = exp.render(quad_data)
                for chunk in [out] if isinstance(out, bytes) else out:
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            if seconds is not None:
                seconds[f"export {exp.name}"] = time.perf_counter() - clock
    except BaseException:
        for _, tmp in written:
            Path(tmp).unlink(missing_ok=True)
        raise
    paths: dict[str, Path] = {}
    for exp, tmp in written:
        os.replace(tmp, out_dir / exp.filename)
        paths[exp.name] = out_dir / exp.filename
    return paths
