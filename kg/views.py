"""RDF → NetworkX views → GraphML, for Gephi and graph analysis.

Views are built from the RDF graph (not the KnowledgeBase), so they work on
any export kg wrote (``kg.query.load_graph("outputs/graph.ttl")``):

    full        entities (and, on request, articles) with every relation between them
    places      the administrative tree: AdministrativeArea → schema:containedInPlace → parent
    programs    programs and the organizations and places linked to them
    comention   entities mentioned in the same article, weighted by the number of articles

Node attributes: ``label`` (Chinese name), ``type`` (AdministrativeArea, Place,
Organization, Program, Person; NewsArticle / Photograph for articles), ``iri``,
``level``, ``code``, ``pinyin``, ``aliases`` (list), ``linked``, ``articles``
(number of articles mentioning it). Edge attributes: ``label`` (the predicate's
local name: containedInPlace, runs, operatesIn, mentions …), ``predicate``
(its IRI) and ``weight`` (evidence count: relation records, mentions or articles).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from io import BytesIO
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.graphml import GraphMLWriter
from rdflib import RDF, RDFS, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.iris import KG, SCHEMA
from kg.rdf import PINYIN, atomic_write, union_graph

__all__ = [
    "VIEWS",
    "comention_view",
    "full_view",
    "places_view",
    "programs_view",
    "write_graphml",
    "write_view",
]

# kg class → view type; the order is the scorer's (a county is also a schema:Place).
CLASS_TYPES: dict[URIRef, str] = {
    KG.AdministrativeArea: "AdministrativeArea",
    KG.FunctionalZone: "AdministrativeArea",
    KG.Organization: "Organization",
    KG.Program: "Program",
    KG.Person: "Person",
    KG.Place: "Place",
}
TYPE_ORDER = ("AdministrativeArea", "Organization", "Program", "Person", "Place")
ARTICLE_TYPES: dict[URIRef, str] = {SCHEMA.NewsArticle: "NewsArticle", SCHEMA.Photograph: "Photograph"}


def _local(iri: Node) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _union(g: Graph) -> Graph:
    return union_graph(g) if isinstance(g, Dataset) else g


def _first(values: Iterable[Node]) -> str | None:
    found = sorted(str(v) for v in values)
    return found[0] if found else None


def _label(g: Graph, node: Node) -> str:
    """The @zh rdfs:label, else another non-pinyin label, else the IRI's local name."""
    labels = [o for o in g.objects(node, RDFS.label) if isinstance(o, Literal)]
    zh = [o for o in labels if (o.language or "").lower() == "zh"]
    plain = [o for o in labels if (o.language or "").lower() != PINYIN]
    return _first(zh) or _first(plain) or _first(g.objects(node, SKOS.prefLabel)) or _local(node)


def _entity_types(g: Graph) -> dict[Node, str]:
    found: dict[Node, set[str]] = defaultdict(set)
    for cls, name in CLASS_TYPES.items():
        for s in g.subjects(RDF.type, cls):
            found[s].add(name)
    return {s: next(t for t in TYPE_ORDER if t in names) for s, names in found.items()}


def _entity_attrs(g: Graph, node: Node, etype: str, articles: int) -> dict[str, Any]:
    attrs: dict[str, Any] = {"label": _label(g, node), "type": etype, "iri": str(node), "articles": articles}
    pinyin = [o for o in g.objects(node, RDFS.label) if isinstance(o, Literal)
              and (o.language or "").lower() == PINYIN]
    optional = {
        "level": _first(g.objects(node, KG.level)),
        "code": _first(g.objects(node, KG.divisionCode)),
        "pinyin": _first(pinyin),
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    aliases = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
    if aliases:
        attrs["aliases"] = aliases
    linked = [o for o in g.objects(node, KG.linked) if isinstance(o, Literal)]
    if linked:
        attrs["linked"] = bool(linked[0].toPython())
    return attrs


def full_view(g: Graph, *, articles: bool = False) -> nx.MultiDiGraph:
    """All entities and the relations between them (one edge per distinct triple).

    ``g`` is a Graph or a Dataset (its graphs are united). With
    ``articles=True`` articles are nodes too (type NewsArticle/Photograph,
    label = headline), with ``mentions`` edges weighted by mention count and
    ``author`` / ``creator`` / ``publisher`` edges.
    """
    g = _union(g)
    types = _entity_types(g)
    mentioned_in: Counter[Node] = Counter()
    mention_count: Counter[tuple[Node, Node]] = Counter()
    for m in g.subjects(RDF.type, KG.Mention):
        for entity in g.objects(m, KG.mentionOf):
            for article in g.objects(m, KG.inArticle):
                mention_count[(article, entity)] += 1
    for _article, entity in g.subject_objects(SCHEMA.mentions):
        mentioned_in[entity] += 1
    evidence: Counter[tuple[Node, Node, Node]] = Counter()
    for st in g.subjects(RDF.type, RDF.Statement):
        for s in g.objects(st, RDF.subject):
            for p in g.objects(st, RDF.predicate):
                for o in g.objects(st, RDF.object):
                    evidence[(s, p, o)] += 1

    G = nx.MultiDiGraph()
    for node in sorted(types, key=str):
        G.add_node(str(node), **_entity_attrs(g, node, types[node], mentioned_in[node]))
    if articles:
        for cls, name in ARTICLE_TYPES.items():
            for a in sorted(g.subjects(RDF.type, cls), key=str):
                kicker = _first(g.objects(a, KG.kicker))
                text = _first(g.objects(a, SCHEMA.text))
                label = _first(g.objects(a, SCHEMA.headline)) or kicker or (text or "")[:20] or _local(a)
                G.add_node(str(a), label=label, type=name, iri=str(a), kicker=kicker)
    for s, p, o in sorted(g, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if p == RDF.type or str(s) not in G or str(o) not in G or s == o:
            continue
        weight = mention_count[(s, o)] if p == SCHEMA.mentions else evidence[(s, p, o)]
        label = _local(p)
        G.add_edge(str(s), str(o), key=label, label=label, predicate=str(p), weight=max(1, weight))
    return G


def places_view(g: Graph) -> nx.DiGraph:
    """The administrative tree: AdministrativeArea nodes, edges child → parent (containedInPlace)."""
    full = full_view(g)
    T = nx.DiGraph()
    for node, attrs in full.nodes(data=True):
        if attrs["type"] == "AdministrativeArea":
            T.add_node(node, **attrs)
    for u, v, attrs in full.edges(data=True):
        if attrs["label"] == "containedInPlace" and u in T and v in T:
            T.add_edge(u, v, **attrs)
    return T


def programs_view(g: Graph) -> nx.MultiDiGraph:
    """Programs and the organizations and places that run, join or fund them (every edge touches a program)."""
    full = full_view(g)
    P = nx.MultiDiGraph()
    for u, v, key, attrs in full.edges(keys=True, data=True):
        if "Program" in (full.nodes[u]["type"], full.nodes[v]["type"]):
            P.add_node(u, **full.nodes[u])
            P.add_node(v, **full.nodes[v])
            P.add_edge(u, v, key=key, **attrs)
    for node, attrs in full.nodes(data=True):
        if attrs["type"] == "Program":
            P.add_node(node, **attrs)
    return P


def comention_view(g: Graph) -> nx.Graph:
    """Entities mentioned in the same article; edge ``weight`` = number of such articles."""
    g = _union(g)
    full = full_view(g)
    per_article: dict[Node, set[str]] = defaultdict(set)
    for article, entity in g.subject_objects(SCHEMA.mentions):
        if str(entity) in full:
            per_article[article].add(str(entity))
    C = nx.Graph()
    for node, attrs in full.nodes(data=True):
        if attrs["articles"]:
            C.add_node(node, **attrs)
    pairs: Counter[tuple[str, str]] = Counter()
    for entities in per_article.values():
        pairs.update(combinations(sorted(entities), 2))
    for (u, v), n in sorted(pairs.items()):
        C.add_edge(u, v, label="comention", weight=n)
    return C


VIEWS: dict[str, Callable[[Graph], nx.Graph]] = {
    "full": full_view,
    "places": places_view,
    "programs": programs_view,
    "comention": comention_view,
}

# ------------------------------------------------------------------ GraphML

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    """Drop control characters (not allowed in XML 1.0 or shown by Gephi); line breaks become spaces."""
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def _flat(value: Any) -> str | int | float | bool | None:
    """One GraphML scalar: None dropped, lists joined with ``;``, Decimal/date → str, bool kept."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        parts = [_flat(v) for v in value]
        return ";".join(_clean(str(p)) for p in parts if p is not None)
    return _clean(str(value))


def _flat_attrs(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten attribute dicts; a key holding values of different types becomes a string everywhere."""
    flat = [{_clean(str(k)): v for k, raw in d.items() if (v := _flat(raw)) is not None} for d in items]
    kinds: dict[str, set[type]] = defaultdict(set)
    for d in flat:
        for k, v in d.items():
            kinds[k].add(type(v))
    mixed = {k for k, ts in kinds.items() if len(ts) > 1}
    return [{k: (str(v) if k in mixed else v) for k, v in sorted(d.items())} for d in flat]


def write_graphml(G: nx.Graph, path: Path) -> Path:
    """Write a view as GraphML that Gephi and ``networkx.read_graphml`` read.

    Nodes sorted by id, edges by (source, target, label); every edge gets a
    unique id (``e0``, ``e1`` … in that order); attributes are flat scalars
    (see :func:`_flat`). The file is replaced atomically.
    """
    H: nx.MultiGraph = nx.MultiDiGraph() if G.is_directed() else nx.MultiGraph()
    H.graph.update(_flat_attrs([dict(G.graph)])[0])
    nodes = sorted(G.nodes(data=True), key=lambda n: str(n[0]))
    for (node, _), attrs in zip(nodes, _flat_attrs([a for _, a in nodes]), strict=True):
        H.add_node(_clean(str(node)), **attrs)
    edges = sorted(((str(u), str(v), a) for u, v, a in G.edges(data=True)),
                   key=lambda e: (e[0], e[1], str(e[2].get("label", "")), str(sorted(e[2].items()))))
    for i, ((u, v, _), attrs) in enumerate(zip(edges, _flat_attrs([e[2] for e in edges]), strict=True)):
        H.add_edge(_clean(u), _clean(v), key=f"e{i}", **attrs)
    writer = GraphMLWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph_element(H)
    buf = BytesIO()
    writer.dump(buf)  # UTF-8 text with an XML declaration (str(writer) would escape every CJK character)
    return atomic_write(Path(path), buf.getvalue())


def write_view(graph_path: str | Path, out: str | Path, view: str = "full", *, articles: bool = False) -> Path:
    """Read an export (``kg.query.load_graph``), build view ``view`` and write it to ``out`` as GraphML.

    Unknown view names raise :class:`kg.errors.KgError` listing the views.
    """
    from kg.errors import KgError
    from kg.query import load_graph

    if view not in VIEWS:
        raise KgError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    g = load_graph(graph_path)
    G = full_view(g, articles=articles) if view == "full" else VIEWS[view](g)
    return write_graphml(G, Path(out))
