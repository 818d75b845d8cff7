"""RDF → NetworkX views → GraphML, GEXF and CSV node/edge lists, for Gephi and graph analysis.

Views are built from the RDF graph, so they work on any export kg wrote,
also after a user edited it (``kg.query.load_graph("outputs/graph.ttl")``):

    full        entities (and, on request, articles) with every relation between them
    places      the administrative tree: AdministrativeArea → schema:containedInPlace → parent
    programs    programs and the organizations and places linked to them
    comention   entities mentioned in the same article, weighted by the number of articles

The RDF they read: entity descriptions (classes, labels, level, code,
linked, schema:containedInPlace), relation triples and their records
(``rdf:subject``/``rdf:predicate``/``rdf:object`` with ``kg:inArticle``),
mention nodes (``kg:mentionOf``, ``kg:inArticle``), ``schema:mentions``
from article to entity and the articles' (or their pages') dates — never the
span provenance (compact spans or W3C selectors). A build writes the same
full view without RDF: :func:`full_view_kb` (and :func:`flat_view_kb`) read
its KnowledgeBase directly, in time and memory that grow with the view.

Node attributes: ``label`` (Chinese name), ``type`` (AdministrativeArea, Place,
Organization, Program, Person; NewsArticle / Photograph for articles), ``iri``,
``level``, ``code``, ``pinyin``, ``aliases`` (list), ``linked``, ``articles``
(number of articles mentioning it) and ``start`` (the earliest
schema:datePublished of those articles, when the page metadata gives one).
Edge attributes: ``label`` (the predicate's local name: containedInPlace, runs,
operatesIn, mentions …), ``predicate`` (its IRI), ``weight`` (evidence count:
relation records, mentions or articles) and ``start`` where dated.

File formats are registered by name in :data:`VIEW_FORMATS` (``graphml``,
``gexf``, ``csv``); each renders bytes from one flattening step
(:func:`flatten`) that makes a graph safe for Gephi: nodes sorted with a
``label`` and a ``type``, unique edge ids ``e0 e1 …`` in sorted order (parallel
edges survive), attributes flat scalars (None dropped, lists joined with
``;``, Decimal and dates as text, control characters removed), one type per
attribute key. GraphML and GEXF are written as streams of text (the bytes
networkx's writers gave, without building an element tree). Every file is
deterministic and written atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.collector import collector_paused
from kg.errors import KgError
from kg.iris import DEFAULT_BASE, KG, SCHEMA, entity_iri, pinyin_label
from kg.models import KnowledgeBase
from kg.rdf import PINYIN, union_graph
from kg.store import CURATED_RULE_PREFIX, MERGE_CANDIDATE, RELATION_TERMS

__all__ = [
    "TYPE_COLORS",
    "VIEWS",
    "VIEW_FORMATS",
    "FlatGraph",
    "comention_view",
    "export_view",
    "flat_view_kb",
    "flatten",
    "full_view",
    "full_view_kb",
    "full_view_store",
    "places_view",
    "programs_view",
    "render_csv",
    "render_gexf",
    "render_graphml",
    "view_files",
    "write_graphml",
    "write_view",
    "write_view_exports",
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
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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


def _article_dates(g: Graph) -> dict[Node, str]:
    """Article → ISO date: its schema:datePublished, else its page's (schema:isPartOf)."""
    dates: dict[Node, str] = {}
    for cls in ARTICLE_TYPES:
        for a in g.subjects(RDF.type, cls):
            own = [str(d) for d in g.objects(a, SCHEMA.datePublished) if _ISO_DATE.fullmatch(str(d))]
            page = [str(d) for p in g.objects(a, SCHEMA.isPartOf) for d in g.objects(p, SCHEMA.datePublished)
                    if _ISO_DATE.fullmatch(str(d))]
            found = sorted(own) or sorted(page)
            if found:
                dates[a] = found[0]
    return dates


def _earliest(dates: Iterable[str | None]) -> str | None:
    return min((d for d in dates if d), default=None)


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
    dates = _article_dates(g)
    mentioned_in: dict[Node, set[Node]] = defaultdict(set)
    mention_count: Counter[tuple[Node, Node]] = Counter()
    for m, entity in g.subject_objects(KG.mentionOf):  # a mention node: kg:mentionOf and kg:inArticle only
        for article in g.objects(m, KG.inArticle):
            mention_count[(article, entity)] += 1
    for article, entity in g.subject_objects(SCHEMA.mentions):
        mentioned_in[entity].add(article)
    evidence: Counter[tuple[Node, Node, Node]] = Counter()
    evidence_dates: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)
    for st in set(g.subjects(RDF.subject, None)):  # relation records: rdf:subject/predicate/object, kg:inArticle
        for s in g.objects(st, RDF.subject):
            for p in g.objects(st, RDF.predicate):
                for o in g.objects(st, RDF.object):
                    evidence[(s, p, o)] += 1
                    evidence_dates[(s, p, o)].update(dates[a] for a in g.objects(st, KG.inArticle) if a in dates)

    G = nx.MultiDiGraph()
    for node in sorted(types, key=str):
        attrs = _entity_attrs(g, node, types[node], len(mentioned_in[node]))
        start = _earliest(dates.get(a) for a in mentioned_in[node])
        G.add_node(str(node), **attrs, **({"start": start} if start else {}))
    if articles:
        for cls, name in ARTICLE_TYPES.items():
            for a in sorted(g.subjects(RDF.type, cls), key=str):
                kicker = _first(g.objects(a, KG.kicker))
                text = _first(g.objects(a, SCHEMA.text))
                label = _first(g.objects(a, SCHEMA.headline)) or kicker or (text or "")[:20] or _local(a)
                G.add_node(str(a), label=label, type=name, iri=str(a), kicker=kicker, start=dates.get(a))
    for s, p, o in sorted(g, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if p == RDF.type or str(s) not in G or str(o) not in G or s == o:
            continue
        if p == SCHEMA.mentions:
            weight, start = mention_count[(s, o)], dates.get(s)
        else:
            weight, start = evidence[(s, p, o)], _earliest(evidence_dates[(s, p, o)])
        label = _local(p)
        G.add_edge(str(s), str(o), key=label, label=label, predicate=str(p), weight=max(1, weight),
                   **({"start": start} if start else {}))
    return G


def _ox_rows(store: Any, sparql: str) -> list[list[Any]]:
    """SELECT rows from an Oxigraph store whose default graph is the union of its named graphs."""
    result = store.query(sparql, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [[sol[n] for n in names] for sol in result]


def _ox_literal(t: Any) -> Literal:
    lang = t.language
    dt = None if lang or t.datatype.value == str(XSD.string) else URIRef(t.datatype.value)
    return Literal(t.value, lang=lang, datatype=dt)


def _ox_node(t: Any) -> Node:
    return _ox_literal(t) if isinstance(t, ox.Literal) else URIRef(t.value)


_ENTITY_VALUES = " ".join(f"<{c}>" for c in CLASS_TYPES)


def full_view_store(store: Any) -> nx.MultiDiGraph:
    """:func:`full_view` (without articles) of a :class:`pyoxigraph.Store`, by a few SPARQL aggregates.

    The same nodes, edges and attributes as :func:`full_view` on the same quads
    (a test checks), without reading every triple into Python: this is how a
    build of 10⁵ articles writes its Gephi files.
    """
    K, S = KG, SCHEMA
    found: dict[Node, set[str]] = defaultdict(set)
    for s, t in _ox_rows(store, f"SELECT DISTINCT ?s ?t WHERE {{ ?s a ?t VALUES ?t {{ {_ENTITY_VALUES} }} }}"):
        found[URIRef(s.value)].add(CLASS_TYPES[URIRef(t.value)])
    types = {s: next(t for t in TYPE_ORDER if t in names) for s, names in found.items()}
    articles = " ".join(f"<{c}>" for c in ARTICLE_TYPES)
    own: dict[Node, list[str]] = defaultdict(list)
    page: dict[Node, list[str]] = defaultdict(list)
    for a, d in _ox_rows(store, f"SELECT DISTINCT ?a ?d WHERE {{ ?a a ?c ; <{S.datePublished}> ?d "
                                f"VALUES ?c {{ {articles} }} }}"):
        if _ISO_DATE.fullmatch(d.value):
            own[URIRef(a.value)].append(d.value)
    for a, _, d in _ox_rows(store, f"SELECT DISTINCT ?a ?p ?d WHERE {{ ?a a ?c ; <{S.isPartOf}> ?p . "
                                f"?p <{S.datePublished}> ?d VALUES ?c {{ {articles} }} }}"):
        if _ISO_DATE.fullmatch(d.value):
            page[URIRef(a.value)].append(d.value)
    dates = {a: sorted(own[a] or page[a])[0] for a in set(own) | set(page) if own[a] or page[a]}
    mentioned_in: dict[Node, set[Node]] = defaultdict(set)
    for a, e in _ox_rows(store, f"SELECT DISTINCT ?a ?e WHERE {{ ?a <{S.mentions}> ?e }}"):
        mentioned_in[URIRef(e.value)].add(URIRef(a.value))
    evidence: Counter[tuple[Node, Node, Node]] = Counter()
    evidence_dates: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)
    records: dict[tuple[Node, Node, Node, Node], set[Node]] = defaultdict(set)
    for st, s, p, o, a in _ox_rows(store, f"SELECT DISTINCT ?st ?s ?p ?o ?a WHERE {{ "
                                          f"?st <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o "
                                          f"OPTIONAL {{ ?st <{K.inArticle}> ?a }} }}"):
        key = (URIRef(st.value), _ox_node(s), _ox_node(p), _ox_node(o))
        records[key]
        if a is not None:
            records[key].add(URIRef(a.value))
    for (_, s, p, o), arts in records.items():
        evidence[(s, p, o)] += 1
        evidence_dates[(s, p, o)].update(dates[a] for a in arts if a in dates)
    values: dict[URIRef, dict[Node, list[Node]]] = {}
    for pred in (RDFS.label, SKOS.altLabel, SKOS.prefLabel, K.level, K.divisionCode, K.linked):
        by_node: dict[Node, list[Node]] = defaultdict(list)
        for s, o in _ox_rows(store, f"SELECT DISTINCT ?s ?o WHERE {{ ?s <{pred}> ?o VALUES ?t {{ {_ENTITY_VALUES} }}"
                                    f" ?s a ?t }}"):
            by_node[URIRef(s.value)].append(_ox_node(o))
        values[pred] = by_node
    g = Graph()  # the entity descriptions only: what _entity_attrs reads
    for pred, by_node in values.items():
        for s, objs in by_node.items():
            for o in set(objs):
                g.add((s, pred, o))
    G = nx.MultiDiGraph()
    for node in sorted(types, key=str):
        attrs = _entity_attrs(g, node, types[node], len(mentioned_in[node]))
        start = _earliest(dates.get(a) for a in mentioned_in[node])
        G.add_node(str(node), **attrs, **({"start": start} if start else {}))
    edges = _ox_rows(store, f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o . ?s a ?t1 . ?o a ?t2 "
                            f"VALUES ?t1 {{ {_ENTITY_VALUES} }} VALUES ?t2 {{ {_ENTITY_VALUES} }} }}")
    triples = sorted(((URIRef(s.value), URIRef(p.value), URIRef(o.value)) for s, p, o in edges),
                     key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    for s, p, o in triples:
        if p == RDF.type or str(s) not in G or str(o) not in G or s == o:
            continue
        weight, start = evidence[(s, p, o)], _earliest(evidence_dates[(s, p, o)])
        label = _local(p)
        G.add_edge(str(s), str(o), key=label, label=label, predicate=str(p), weight=max(1, weight),
                   **({"start": start} if start else {}))
    return G


_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTAINED_IN_PLACE = str(SCHEMA.containedInPlace)


def _relation_predicate(predicate: str) -> str | None:
    """The IRI a Relation.predicate is exported as (:data:`kg.store.RELATION_TERMS`, else ``kg:<name>``);
    None for a predicate that is not a name (the export skips it)."""
    term = RELATION_TERMS.get(predicate)
    if term is not None:
        return term[1:-1]
    return f"{KG}{predicate}" if _NCNAME.fullmatch(predicate) else None


def _kb_article_dates(kb: KnowledgeBase) -> dict[str, str]:
    """Article id → ISO date as :func:`_article_dates` reads it from the export: the page metadata's date
    (schema:datePublished of the article), else the date of its source page (the source document's
    metadata, or the first article of that page when the source is not in ``kb.sources``)."""
    sources = {d.id: d.metadata for d in kb.sources}
    for a in kb.articles:
        sources.setdefault(a.source_id, a.metadata)
    own: dict[str, list[str]] = defaultdict(list)
    page: dict[str, list[str]] = defaultdict(list)
    for a in kb.articles:
        if a.metadata.date:
            own[a.id].append(a.metadata.date.isoformat())
        source_date = sources[a.source_id].date
        if source_date:
            page[a.id].append(source_date.isoformat())
    return {a: min(own[a] or page[a]) for a in set(own) | set(page)}


_ViewNodes = list[tuple[str, dict[str, Any]]]
_ViewEdges = list[tuple[str, str, dict[str, Any]]]


def _kb_view_parts(kb: KnowledgeBase, base_iri: str) -> tuple[_ViewNodes, _ViewEdges]:
    """The nodes ``(iri, attrs)`` (sorted) and edges ``(source, target, attrs)`` (unsorted) of
    :func:`full_view_kb`, one edge per (source, target, label) as the MultiDiGraph keeps them (of two
    predicates with the same local name, the later in IRI order updates the other's attributes)."""
    base = base_iri.rstrip("/")
    entities = kb.entities
    iris = {key: entity_iri(base, key) for key in entities}
    article_ids = {a.id for a in kb.articles}
    dates = _kb_article_dates(kb)
    mentioned_in: dict[str, int] = defaultdict(int)  # entity key → number of articles mentioning it
    first_date: dict[str, str] = {}  # entity key → the earliest date of those articles
    def mentioned(key: str, article: str) -> None:  # once per distinct (entity, article)
        if key in entities and article in article_ids:
            mentioned_in[key] += 1
            when = dates.get(article)
            if when and (key not in first_date or when < first_date[key]):
                first_date[key] = when

    for key, article in {(rm.entity, rm.mention.article_id) for rm in kb.mentions}:
        mentioned(key, article)

    triples: set[tuple[str, str, str]] = set()
    for key, e in entities.items():
        if e.parent and e.parent in entities and e.parent != key:
            triples.add((iris[key], _CONTAINED_IN_PLACE, iris[e.parent]))
    # one record per distinct provenance node of the export (rdf:Statement, named by article and span or graph)
    # a triple has one record, seldom more (resolution keeps the first evidence of a fact): a set is
    # made only for the second one
    records: dict[tuple[str, str, str], tuple[Any, ...] | set[tuple[Any, ...]]] = {}

    def record(t: tuple[str, str, str], rec: tuple[Any, ...]) -> None:
        held = records.get(t)
        if held is None:
            records[t] = rec
        elif isinstance(held, set):
            held.add(rec)
        elif held != rec:
            records[t] = {held, rec}

    record_date: dict[tuple[str, str, str], str] = {}  # the earliest date of a triple's records
    predicates: dict[str, str | None] = {}

    def relation(subject: str, name: str, obj: str, article: str | None, span: tuple[int, ...], rule: str) -> None:
        if subject not in entities or obj not in entities or subject == obj:
            return
        if name not in predicates:
            predicates[name] = _relation_predicate(name)
        predicate = predicates[name]
        if predicate is None:
            return
        t = (iris[subject], predicate, iris[obj])
        triples.add(t)
        if article is not None and article in article_ids:
            record(t, (article, subject, name, obj, *span))
            date = dates.get(article)
            if date and (t not in record_date or date < record_date[t]):
                record_date[t] = date
        elif name == MERGE_CANDIDATE or rule.startswith(CURATED_RULE_PREFIX):
            record(t, ("curated" if rule.startswith(CURATED_RULE_PREFIX) else "entities", subject, name, obj))

    for r in kb.relations:
        relation(r.subject, r.predicate, r.object, r.article_id,
                 (r.evidence.start, r.evidence.end) if r.evidence else (), r.rule)
    if kb.spool is not None:  # the records of spooled articles, one article at a time
        for rec in kb.spool.light():
            for key in {key for key, _ in rec.mentions}:
                mentioned(key, rec.article_id)
            for s, p, o, start, end, rule in rec.relations:
                relation(s, p, o, rec.article_id, () if start is None else (start, end), rule)  # type: ignore[arg-type]

    # The export spelled every name just before, in key order, and kg.iris keeps the latest spellings in
    # an LRU cache: asking in reverse key order finds those still cached before computing the others.
    pinyin = {key: pinyin_label(entities[key].name) if entities[key].name else ""
              for key in sorted(entities, reverse=True)}
    nodes: _ViewNodes = []
    for key in sorted(entities, key=iris.__getitem__):
        e = entities[key]
        iri = iris[key]
        name = e.name
        attrs: dict[str, Any] = {"label": name or _local(URIRef(iri)), "type": e.type, "iri": iri,
                                 "articles": mentioned_in.get(key, 0)}
        if e.subtype:
            attrs["level"] = e.subtype
        if e.code:
            attrs["code"] = e.code
        if pinyin[key]:
            attrs["pinyin"] = pinyin[key]
        if e.labels:
            aliases = sorted({label for label in e.labels if label and label != name})
            if aliases:
                attrs["aliases"] = aliases
        attrs["linked"] = e.linked
        if key in first_date:
            attrs["start"] = first_date[key]
        nodes.append((iri, attrs))
    labels = {p: _local(URIRef(p)) for p in {t[1] for t in triples}}
    keyed: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (source, target, label) → predicates
    for s, p, o in triples:
        keyed[(s, o, labels[p])].append(p)
    edges: _ViewEdges = []
    for (s, o, label), found in keyed.items():
        merged: dict[str, Any] = {}
        for p in sorted(found):  # in the order full_view adds them: the last one's attributes win
            t = (s, p, o)
            held = records.get(t)
            weight = len(held) if isinstance(held, set) else int(held is not None)
            merged.update({"label": label, "predicate": p, "weight": max(1, weight)})
            if t in record_date:
                merged["start"] = record_date[t]
        edges.append((s, o, merged))
    return nodes, edges  # edges unsorted: flattening sorts them


def _flatten_kb_view(nodes: _ViewNodes, edges: _ViewEdges) -> FlatGraph:
    """:func:`flatten` of a view :func:`_kb_view_parts` made, knowing its shape: attribute values are
    text (aliases a list of text), ``articles`` and ``weight`` ints and ``linked`` a bool, so each
    key has one type and only text needs cleaning; the attributes are written in sorted key order.
    Empties ``nodes`` and ``edges`` as it goes, so the view is not held twice (both are sorted after)."""
    flat = FlatGraph(directed=True)
    out_nodes: list[tuple[str, dict[str, Scalar]]] = []
    while nodes:
        node, a = nodes.pop()
        node = _clean(node)
        d: dict[str, Scalar] = {}
        if "aliases" in a:
            d["aliases"] = ";".join(map(_clean, a["aliases"]))
        d["articles"] = a["articles"]
        if "code" in a:
            d["code"] = _clean(a["code"])
        d["iri"] = _clean(a["iri"])
        d["label"] = _clean(a["label"]) or node
        if "level" in a:
            d["level"] = _clean(a["level"])
        d["linked"] = a["linked"]
        if "pinyin" in a:
            d["pinyin"] = _clean(a["pinyin"])
        if "start" in a:
            d["start"] = _clean(a["start"])
        d["type"] = _clean(a["type"]) or "Thing"
        out_nodes.append((node, d))
    out_nodes.sort(key=lambda x: x[0])
    flat.nodes = out_nodes
    raw_edges: list[tuple[str, str, dict[str, Scalar]]] = []
    while edges:
        u, v, a = edges.pop()
        e: dict[str, Scalar] = {"label": _clean(a["label"]), "predicate": _clean(a["predicate"])}
        if "start" in a:
            e["start"] = _clean(a["start"])
        e["weight"] = a["weight"]
        raw_edges.append((_clean(u), _clean(v), e))
    _sort_edges(raw_edges)
    flat.edges = [(u, v, f"e{i}", a) for i, (u, v, a) in enumerate(raw_edges)]
    return flat


def full_view_kb(kb: KnowledgeBase, base_iri: str = DEFAULT_BASE) -> nx.MultiDiGraph:
    """:func:`full_view` (without articles) of the graph a build exports, made from the KnowledgeBase itself.

    No RDF and no SPARQL: entities, their parents, relations, mentions and
    article dates are read from ``kb`` directly, so time and memory grow with
    the view (entities + edges), not with the quads. ``base_iri`` is the
    build's ``--base-iri``: node ids are the entity IRIs under it. The nodes,
    edges and attributes equal those :func:`full_view` and
    :func:`full_view_store` give on the build's RDF (:func:`kg.store.kb_quads`
    of the same ``kb`` and base; a test checks). As in the export, references to
    unknown entity keys and relation predicates that are not names are skipped.
    """
    with collector_paused():
        nodes, edges = _kb_view_parts(kb, base_iri)
        G = nx.MultiDiGraph()
        G.add_nodes_from(nodes)
        for s, o, attrs in sorted(edges, key=lambda e: (e[0], e[1], e[2]["label"])):
            G.add_edge(s, o, key=attrs["label"], **attrs)
    return G


def flat_view_kb(kb: KnowledgeBase, base_iri: str = DEFAULT_BASE) -> FlatGraph:
    """``flatten(full_view_kb(kb, base_iri))`` without the NetworkX graph in between (what the build writes)."""
    with collector_paused():
        return _flatten_kb_view(*_kb_view_parts(kb, base_iri))


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
    dates = _article_dates(g)
    per_article: dict[Node, set[str]] = defaultdict(set)
    for article, entity in g.subject_objects(SCHEMA.mentions):
        if str(entity) in full:
            per_article[article].add(str(entity))
    C = nx.Graph()
    for node, attrs in full.nodes(data=True):
        if attrs["articles"]:
            C.add_node(node, **attrs)
    pairs: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    for article, entities in per_article.items():
        for pair in combinations(sorted(entities), 2):
            pairs[pair] += 1
            if article in dates and (pair not in first or dates[article] < first[pair]):
                first[pair] = dates[article]
    for (u, v), n in sorted(pairs.items()):
        C.add_edge(u, v, label="comention", weight=n, **({"start": first[(u, v)]} if (u, v) in first else {}))
    return C


VIEWS: dict[str, Callable[[Graph], nx.Graph]] = {
    "full": full_view,
    "places": places_view,
    "programs": programs_view,
    "comention": comention_view,
}

# ------------------------------------------------------------------ flattening

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
Scalar = str | int | float | bool


def _clean(text: str) -> str:
    """Drop control characters (not allowed in XML 1.0 or shown by Gephi); line breaks become spaces."""
    if text.isprintable():  # the common case: no Cc, Cs or Cn character, so nothing to drop
        return text
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def _flat(value: Any) -> Scalar | None:
    """One scalar: None dropped, lists joined with ``;``, Decimal/date → str, bool kept, NaN dropped."""
    kind = type(value)
    if kind is str:
        return _clean(value)
    if kind is int or kind is bool:
        return value
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        parts = [_flat(v) for v in value]
        return ";".join(_clean(_text(p)) for p in parts if p is not None)
    return _clean(str(value))


def _text(value: Scalar) -> str:
    """A scalar as text: booleans ``true``/``false`` (XML Schema), numbers as Python writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _one_type_per_key(items: list[dict[str, Scalar]]) -> list[dict[str, Scalar]]:
    """A key holding values of several types: ints and floats become floats, anything else text."""
    kinds: dict[str, set[type]] = defaultdict(set)
    for d in items:
        for k, v in d.items():
            kinds[k].add(type(v))

    if all(len(ts) == 1 for ts in kinds.values()):
        in_order: dict[tuple[str, ...], bool] = {}  # keys already sorted: the dict is kept as it is
        out = []
        for d in items:
            keys = tuple(d)
            ordered = in_order.get(keys)
            if ordered is None:
                ordered = in_order[keys] = list(keys) == sorted(keys)
            out.append(d if ordered else dict(sorted(d.items())))
        return out

    def fix(k: str, v: Scalar) -> Scalar:
        ts = kinds[k]
        if len(ts) == 1:
            return v
        if ts <= {int, float}:
            return float(v)
        return _text(v)

    return [{k: fix(k, v) for k, v in sorted(d.items())} for d in items]


def _weight(value: Any) -> int | float:
    """An edge weight as a number (Gephi sums and scales it): Decimal/str parsed, anything else 1."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return value if math.isfinite(value) else 1
    try:
        number = float(str(value))
    except ValueError:
        return 1
    return number if math.isfinite(number) else 1


@dataclass
class FlatGraph:
    """A view ready for a file: sorted nodes and edges with flat, Gephi-safe attributes.

    ``nodes`` are ``(id, attrs)`` with ``label`` and ``type`` always set;
    ``edges`` are ``(source, target, id, attrs)`` with ``label`` and a
    numeric ``weight`` always set and ids ``e0``, ``e1`` … unique.
    """

    directed: bool
    nodes: list[tuple[str, dict[str, Scalar]]] = field(default_factory=list)
    edges: list[tuple[str, str, str, dict[str, Scalar]]] = field(default_factory=list)
    graph: dict[str, Scalar] = field(default_factory=dict)

    def degree(self) -> Counter[str]:
        """Edges touching each node (parallel edges counted, a self-loop twice)."""
        deg: Counter[str] = Counter({n: 0 for n, _ in self.nodes})
        for u, v, _, _ in self.edges:
            deg[u] += 1
            deg[v] += 1
        return deg


def _flat_dict(d: dict[Any, Any], skip: tuple[str, ...] = ()) -> dict[str, Scalar]:
    """The flat values of ``d`` (None dropped) under cleaned, non-empty keys; keys in ``skip`` left out."""
    out: dict[str, Scalar] = {}
    for k, raw in d.items():
        if skip and k in skip:
            continue
        kind = type(raw)
        v: Scalar
        if kind is str:
            v = raw if raw.isprintable() else _clean(raw)
        elif kind is int or kind is bool:
            v = raw
        else:
            flat = _flat(raw)
            if flat is None:
                continue
            v = flat
        if type(k) is not str or not k.isprintable():
            k = _clean(str(k))
        if k:
            out[k] = v
    return out


def _sort_edges(edges: list[tuple[str, str, dict[str, Scalar]]]) -> None:
    """Sort edges by (source, target, label, sorted attributes) in place; the attributes (a costly key)
    are compared only among edges with the same source, target and label."""
    edges.sort(key=lambda e: (e[0], e[1], str(e[2]["label"])))
    i, n = 0, len(edges)
    while i < n:
        j = i + 1
        head = edges[i]
        while j < n and edges[j][0] == head[0] and edges[j][1] == head[1] and edges[j][2]["label"] == head[2]["label"]:
            j += 1
        if j - i > 1:
            edges[i:j] = sorted(edges[i:j], key=lambda e: repr(sorted(e[2].items())))
        i = j


def flatten(G: nx.Graph) -> FlatGraph:
    """Sort and flatten any NetworkX graph (see :class:`FlatGraph`); node ids are cleaned strings.

    A node without ``label`` gets its id, one without ``type`` gets ``Thing``;
    an edge without ``label`` gets ``""`` and one without a usable ``weight`` 1.
    Edges are sorted by (source, target, label, attributes) and numbered.
    """
    return _flatten_parts(G.is_directed(), dict(G.graph), G.nodes(data=True), G.edges(data=True))


def _flatten_parts(directed: bool, graph: dict[Any, Any], nodes: Iterable[tuple[Any, dict[Any, Any]]],
                   edges: Iterable[tuple[Any, Any, dict[Any, Any]]]) -> FlatGraph:
    """:func:`flatten` of a graph given as its attributes, ``(node, attrs)`` and ``(source, target, attrs)``."""
    flat = FlatGraph(directed=directed, graph=_flat_dict(graph))
    raw_nodes = sorted(((_clean(str(n)), a) for n, a in nodes), key=lambda x: x[0])
    node_attrs = []
    for node, attrs in raw_nodes:
        d = _flat_dict(attrs)
        d["label"] = _text(d["label"]) if d.get("label") not in (None, "") else node
        d["type"] = _text(d["type"]) if d.get("type") not in (None, "") else "Thing"
        node_attrs.append(d)
    flat.nodes = list(zip([n for n, _ in raw_nodes], _one_type_per_key(node_attrs), strict=True))

    raw_edges = []
    for u, v, attrs in edges:
        d = _flat_dict(attrs, ("weight", "id"))
        d["label"] = _text(d.get("label", ""))
        d["weight"] = _weight(attrs.get("weight"))
        raw_edges.append((_clean(str(u)), _clean(str(v)), d))
    _sort_edges(raw_edges)
    fixed = _one_type_per_key([e[2] for e in raw_edges])
    flat.edges = [(u, v, f"e{i}", a) for i, ((u, v, _), a) in enumerate(zip(raw_edges, fixed, strict=True))]
    return flat


# ------------------------------------------------------------------ XML text
#
# The GraphML and GEXF files are written as text, element by element, with exactly the bytes
# xml.etree.ElementTree gave when networkx's writers built the whole tree (same escaping, same
# two-space indentation, ``<tag />`` for an empty element): no tree of the file is kept in memory.

_Chunks = Iterable[bytes]
_CHUNK_CHARS = 1 << 16  # characters per encoded chunk


_ATTR_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _esc_attr(text: str) -> str:
    """An XML attribute value escaped as ElementTree escapes it (``&<>"`` and CR, LF, tab as references)."""
    return xml_escape(text, _ATTR_ENTITIES)


def _esc_text(text: str) -> str:
    """XML character data escaped as ElementTree escapes it (``&``, ``<``, ``>``)."""
    return xml_escape(text)


def _utf8(parts: Iterable[str]) -> Iterator[bytes]:
    """Join text parts into UTF-8 chunks of about :data:`_CHUNK_CHARS` characters."""
    buf: list[str] = []
    size = 0
    for part in parts:
        buf.append(part)
        size += len(part)
        if size >= _CHUNK_CHARS:
            yield "".join(buf).encode("utf-8")
            buf.clear()
            size = 0
    if buf:
        yield "".join(buf).encode("utf-8")


_Attrs = dict[str, Any]


def _networkx_order(directed: bool, nodes: Iterable[tuple[str, _Attrs]],
                    edges: Iterable[tuple[str, str, str, _Attrs]]) -> tuple[dict[str, _Attrs],
                                                                           list[tuple[str, str, str, _Attrs]]]:
    """Nodes and edges in the order (and with the merging) of a networkx MultiDiGraph / MultiGraph built by
    ``add_node(n, **a)`` then ``add_edge(u, v, key=k, **a)`` and iterated with ``edges(keys=True)``.

    That is how the files were written before (through networkx's writers), so the bytes stay the
    same: a repeated node or edge updates the first; an edge's unknown endpoints become nodes; edges
    come grouped by source node in node order, then by target in order of first appearance; an
    undirected edge is reported once, from the endpoint that comes first.
    """
    nodes, edges = list(nodes), list(edges)
    if directed and _in_networkx_order(nodes, edges):
        return dict(nodes), edges
    out_nodes: dict[str, _Attrs] = {}
    for node, attrs in nodes:
        out_nodes[node] = {**out_nodes[node], **attrs} if node in out_nodes else attrs
    adj: dict[str, dict[str, dict[str, _Attrs]]] = {n: {} for n in out_nodes}
    for u, v, key, attrs in edges:
        for end in (u, v):
            if end not in adj:
                out_nodes[end] = {}
                adj[end] = {}
        keyed = adj[u].get(v)
        if keyed is None:
            keyed = adj[u][v] = {}
            if not directed:
                adj[v][u] = keyed
        keyed[key] = {**keyed[key], **attrs} if key in keyed else attrs
    out_edges: list[tuple[str, str, str, _Attrs]] = []
    seen: set[str] = set()
    for u, targets in adj.items():
        for v, keyed in targets.items():
            if directed or v not in seen:
                out_edges.extend((u, v, k, a) for k, a in keyed.items())
        if not directed:
            seen.add(u)
    return out_nodes, out_edges


def _in_networkx_order(nodes: list[tuple[str, _Attrs]], edges: list[tuple[str, str, str, _Attrs]]) -> bool:
    """Whether a MultiDiGraph built from these would give them back unchanged: node ids unique, edge
    ids unique, every endpoint a node, edges sorted by (source, target) in node order (as flattening
    leaves them)."""
    position = {node: i for i, (node, _) in enumerate(nodes)}
    if len(position) != len(nodes) or len({e[2] for e in edges}) != len(edges):
        return False
    last = (-1, -1)
    for u, v, _, _ in edges:
        here = (position.get(u, -1), position.get(v, -1))
        if here[0] < 0 or here[1] < 0 or here < last:
            return False
        last = here
    return True


# ------------------------------------------------------------------ GraphML

_NMTOKEN_BAD = re.compile(r"[^\w.\-:]")
_GRAPHML_TYPES: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}
_GRAPHML_HEAD = ("<?xml version='1.0' encoding='utf-8'?>\n"
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')


def _graphml_type(value: Any) -> str:
    try:
        return _GRAPHML_TYPES[type(value)]
    except KeyError:
        raise TypeError(f"GraphML has no type for {type(value).__name__} value {value!r}") from None


class _GraphMLKeys:
    """GraphML ``<key>`` declarations: one per (name, type, graph/node/edge) with a readable id (``label``,
    ``type``; ``edge_label``, ``graph_name``: the scope prefixed outside nodes; ``_2`` … on a clash),
    numbered in the order the data first uses them."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str, str], str] = {}
        self.taken: set[str] = set()

    def id(self, name: str, value: Any, scope: str) -> str:
        kind = (name, _graphml_type(value), scope)
        key_id = self.ids.get(kind)
        if key_id is None:
            base = _NMTOKEN_BAD.sub("_", name if scope == "node" else f"{scope}_{name}") or "key"
            key_id, n = base, 1
            while key_id in self.taken:
                n += 1
                key_id = f"{base}_{n}"
            self.taken.add(key_id)
            self.ids[kind] = key_id
        return key_id

    def declarations(self) -> list[str]:
        """``<key …/>`` elements in a fixed, readable order: graph, node, edge; ``label`` and ``type`` first."""
        order = {"graph": 0, "node": 1, "edge": 2}
        first = {"label": 0, "type": 1}
        kinds = sorted(self.ids.items(), key=lambda item: (order.get(item[0][2], 4), first.get(item[0][0], 2),
                                                           item[0][0], item[1]))
        return [f'<key id="{key_id}" for="{scope}" attr.name="{_esc_attr(name)}" attr.type="{kind}" />'
                for (name, kind, scope), key_id in kinds]


_DataTags = dict[tuple[Any, type], tuple[str, str]]


def _first_uses(dicts: Iterable[_Attrs]) -> dict[tuple[Any, type], Any]:
    """``(key, value type) → first value`` over ``dicts``, in order of first use."""
    seen: dict[tuple[Any, type], Any] = {}
    for d in dicts:
        for k, v in d.items():
            kind = (k, type(v))
            if kind not in seen:
                seen[kind] = v
    return seen


def _data_tags(keys: _GraphMLKeys, uses: dict[tuple[Any, type], Any], scope: str, indent: str) -> _DataTags:
    """``(key, value type) → (opening tag, empty element)`` of a scope's ``<data>``, declaring the keys."""
    tags: _DataTags = {}
    for (k, kind), v in uses.items():
        key_id = keys.id(str(k), v, scope)
        tags[(k, kind)] = (f'{indent}<data key="{key_id}">', f'{indent}<data key="{key_id}" />')
    return tags


def _graphml_data(tags: _DataTags, attrs: _Attrs) -> str:
    parts = []
    for k, v in attrs.items():
        kind = type(v)
        if kind is str:
            text = _esc_text(v)
        elif kind is bool:
            text = "true" if v else "false"
        else:
            text = _esc_text(str(v))
        opening, empty = tags[(k, kind)]
        parts.append(f"{opening}{text}</data>" if text else empty)
    return "".join(parts)


def _graphml_parts(flat: FlatGraph) -> Iterator[str]:
    """The GraphML document of ``flat``, in text parts (two passes over the graph: keys, then elements)."""
    nodes, edges = _networkx_order(flat.directed, flat.nodes, flat.edges)
    graph = dict(flat.graph)
    graph_id = graph.pop("id", None)
    graph_data = {k: v for k, v in graph.items() if k not in ("node_default", "edge_default")}
    keys = _GraphMLKeys()  # ids in order of first use: graph, nodes, edges (as networkx numbered them)
    graph_tags = _data_tags(keys, _first_uses([graph_data]), "graph", "\n    ")
    node_tags = _data_tags(keys, _first_uses(nodes.values()), "node", "\n      ")
    edge_tags = _data_tags(keys, _first_uses(a for *_, a in edges), "edge", "\n      ")
    yield _GRAPHML_HEAD
    for declaration in keys.declarations():
        yield "\n  " + declaration
    direction = "directed" if flat.directed else "undirected"
    yield f'\n  <graph edgedefault="{direction}"' + ("" if graph_id is None else f' id="{_esc_attr(str(graph_id))}"')
    if not (nodes or edges or graph_data):
        yield " />\n</graphml>\n"
        return
    yield ">"
    escaped: dict[str, str] = {}  # node id → as an XML attribute value
    for node, attrs in nodes.items():
        escaped[node] = node_id = _esc_attr(node)
        if attrs:
            yield f'\n    <node id="{node_id}">{_graphml_data(node_tags, attrs)}\n    </node>'
        else:
            yield f'\n    <node id="{node_id}" />'
    for u, v, key, attrs in edges:
        head = f'\n    <edge source="{escaped[u]}" target="{escaped[v]}" id="{_esc_attr(str(key))}"'
        yield f"{head}>{_graphml_data(edge_tags, attrs)}\n    </edge>" if attrs else head + " />"
    if graph_data:
        yield _graphml_data(graph_tags, graph_data)
    yield "\n  </graph>\n</graphml>\n"


def _graphml_chunks(G: nx.Graph | FlatGraph) -> dict[str, _Chunks]:
    flat = G if isinstance(G, FlatGraph) else flatten(G)
    return {"": _utf8(_graphml_parts(flat))}


def render_graphml(G: nx.Graph | FlatGraph) -> dict[str, bytes]:
    """GraphML for Gephi, igraph and networkx (``{"": bytes}``; see :func:`flatten` for the rules).

    Keys are declared once per (name, type, node/edge) with readable ids; the
    XML is UTF-8 with CJK characters as themselves, booleans ``true``/``false``.
    The bytes are those networkx's GraphML writer gave (indented, edge ids as
    ids), written as a stream instead of an element tree. A value of a type
    other than str, int, float or bool raises TypeError.
    """
    return {part: b"".join(chunks) for part, chunks in _graphml_chunks(G).items()}


# ------------------------------------------------------------------ GEXF

# Colours by type (RGB, the Tableau 10 palette): what Gephi shows before any Appearance setting.
TYPE_COLORS: dict[str, tuple[int, int, int]] = {
    "AdministrativeArea": (31, 119, 180),
    "Place": (23, 190, 207),
    "Organization": (255, 127, 14),
    "Program": (44, 160, 44),
    "Person": (214, 39, 40),
    "NewsArticle": (127, 127, 127),
    "Photograph": (188, 189, 34),
}
OTHER_COLOR = (148, 103, 189)
# GEXF names written as XML attributes of <node>/<edge> (or elements); data keys with these names are renamed.
_GEXF_NODE_RESERVED = {"id", "pid", "start", "end", "viz", "parents", "slices", "spells"}
_GEXF_EDGE_RESERVED = {"id", "type", "start", "end", "viz", "slices", "spells", "key", "networkx_key"}
_GEXF_TYPES: dict[type, str] = {int: "long", float: "double", bool: "boolean", str: "string"}
_GEXF_CREATOR = f"NetworkX {nx.__version__}"  # the files keep the meta networkx's writer gave them
_GEXF_DESCRIPTION = "kg knowledge graph view: colour = type, size = degree"
_GEXF_VIZ = "http://www.gexf.net/1.2draft/viz"
_GEXF_ROOT = ('xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" '
              'version="1.2"')


def node_size(degree: int) -> float:
    """Gephi node size from degree: 10 + 5·√degree (a hub of 100 edges is 6× a leaf)."""
    return round(10 + 5 * math.sqrt(degree), 2)


def _gexf_attrs(attrs: dict[str, Scalar], reserved: set[str]) -> dict[str, Any]:
    """``attrs`` with the names GEXF reserves renamed ``<name>_attr`` (a ``start`` that is an ISO date
    stays: it is Gephi's timeline); ``attrs`` itself when nothing needs renaming."""
    hit = reserved.intersection(attrs)
    if not hit:
        return attrs
    if len(hit) == 1 and "start" in hit and isinstance(attrs["start"], str) and _ISO_DATE.fullmatch(attrs["start"]):
        return attrs
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if k == "start" and isinstance(v, str) and _ISO_DATE.fullmatch(v):
            out["start"] = v  # Gephi's timeline (timeformat="date")
        elif k in reserved:
            out[f"{k}_attr"] = v
        else:
            out[k] = v
    return out


def _gexf_float(text: str) -> str:
    return {"inf": "INF", "nan": "NaN", "-inf": "-INF"}.get(text, text)


class _GEXFAttributes:
    """GEXF ``<attribute>`` declarations: one id per (node/edge, title), numbered from 0 in order of first use."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, tuple[str, str]]] = {}  # class → title → (id, type)
        self.count = 0

    def id(self, cls: str, title: str, value: Any) -> str:
        titles = self.ids.setdefault(cls, {})
        found = titles.get(title)
        if found is None:
            try:
                kind = _GEXF_TYPES[type(value)]
            except KeyError:
                raise TypeError(f"GEXF has no type for {type(value).__name__} value {value!r}") from None
            found = titles[title] = (str(self.count), kind)
            self.count += 1
        return found[0]

    def declarations(self) -> Iterator[str]:
        for cls in reversed(list(self.ids)):  # each new class's block went to the front
            yield f'\n    <attributes mode="static" class="{cls}">'
            for title, (attr_id, kind) in self.ids[cls].items():
                yield f'\n      <attribute id="{attr_id}" title="{_esc_attr(title)}" type="{kind}" />'
            yield "\n    </attributes>"


# XML attributes of <node> and <edge> taken from the data (as networkx's writer took them), in order; a node
# without a label is labelled with its id. After _gexf_attrs renamed the reserved names only these can be
# left: the rest of the data are <attvalue>s.
_GEXF_NODE_XML = ("label", "start")
_GEXF_EDGE_XML = ("label", "weight", "start")
_GEXFPlan = tuple[list[str], list[tuple[str, str]]]


class _GEXFPlans:
    """How the data of a node or edge is written, worked out once per distinct tuple of keys: its XML
    attributes, and ``(key, <attvalue> opening)`` for the others, declaring their attributes on first use
    (so the first pass over the graph numbers them as networkx did)."""

    def __init__(self, attributes: _GEXFAttributes, cls: str, xml: tuple[str, ...]) -> None:
        self.attributes, self.cls, self.xml = attributes, cls, xml
        self.plans: dict[tuple[str, ...], _GEXFPlan] = {}

    def __call__(self, attrs: _Attrs) -> _GEXFPlan:
        keys = tuple(attrs)
        plan = self.plans.get(keys)
        if plan is None:
            values = []
            for k in keys:
                if k in self.xml:
                    continue
                title = "networkx_key" if k == "key" and self.cls == "node" else k
                attr_id = self.attributes.id(self.cls, title, attrs[k])
                values.append((k, f'\n          <attvalue for="{attr_id}" '))
            plan = self.plans[keys] = ([k for k in self.xml if k in attrs], values)
        return plan


def _gexf_attvalues(values: list[tuple[str, str]], attrs: _Attrs) -> str:
    if not values:
        return ""
    parts = ["\n        <attvalues>"]
    for k, opening in values:
        v = attrs[k]
        kind = type(v)
        if kind is str:
            text = _esc_attr(v)
        elif kind is bool:
            text = "true" if v else "false"
        elif kind is float:
            text = _gexf_float(str(v))
        elif kind in _GEXF_TYPES:
            text = _esc_attr(str(v))
        else:
            raise TypeError(f"GEXF has no type for {kind.__name__} value {v!r}")
        parts.append(f'{opening}value="{text}" />')
    parts.append("\n        </attvalues>")
    return "".join(parts)


def _gexf_parts(flat: FlatGraph) -> Iterator[str]:
    """The GEXF 1.2 document of ``flat`` in text parts (see :func:`render_gexf`)."""
    degree = flat.degree()
    node_list = [(n, _gexf_attrs(a, _GEXF_NODE_RESERVED)) for n, a in flat.nodes]
    edge_list = [(u, v, k, _gexf_attrs(a, _GEXF_EDGE_RESERVED)) for u, v, k, a in flat.edges]
    dates = [a["start"] for _, a in node_list if "start" in a] + [a["start"] for *_, a in edge_list if "start" in a]
    lastmodified = max(dates, default=None)
    nodes, edges = _networkx_order(flat.directed, node_list, edge_list)
    del node_list, edge_list
    attributes = _GEXFAttributes()
    node_plan = _GEXFPlans(attributes, "node", _GEXF_NODE_XML)
    edge_plan = _GEXFPlans(attributes, "edge", _GEXF_EDGE_XML)
    for attrs in nodes.values():  # first pass: the attribute declarations
        node_plan(attrs)
    for _, _, _, attrs in edges:
        edge_plan(attrs)
    yield "<?xml version='1.0' encoding='utf-8'?>\n<gexf "
    yield (f'xmlns:viz="{_GEXF_VIZ}" ' if nodes else "") + _GEXF_ROOT + ">"
    yield "\n  <meta" + (f' lastmodifieddate="{lastmodified}"' if lastmodified else "") + ">"
    yield f"\n    <creator>{_GEXF_CREATOR}</creator>\n    <description>{_GEXF_DESCRIPTION}</description>\n  </meta>"
    direction = "directed" if flat.directed else "undirected"
    dynamic = ' mode="dynamic" name="" timeformat="date"' if dates else ' mode="static" name=""'
    yield f'\n  <graph defaultedgetype="{direction}"{dynamic}>'
    yield from attributes.declarations()
    escaped: dict[str, str] = {}  # node id → as an XML attribute value
    if not nodes:
        yield "\n    <nodes />"
    else:
        yield "\n    <nodes>"
        colors: dict[str, str] = {}
        sizes: dict[int, str] = {}
        for node, attrs in nodes.items():
            _, values = node_plan(attrs)
            escaped[node] = node_id = _esc_attr(node)
            head = f' label="{_esc_attr(str(attrs.get("label", node)))}"' + (
                f' start="{_esc_attr(str(attrs["start"]))}"' if "start" in attrs else "")
            kind = str(attrs.get("type"))
            color = colors.get(kind)
            if color is None:
                r, g, b = TYPE_COLORS.get(kind, OTHER_COLOR)
                color = colors[kind] = f'\n        <viz:color r="{r}" g="{g}" b="{b}" a="1.0" />'
            n = degree[node]
            size = sizes.get(n) or sizes.setdefault(n, f'\n        <viz:size value="{node_size(n)}" />')
            yield f'\n      <node id="{node_id}"{head}>{color}{size}{_gexf_attvalues(values, attrs)}\n      </node>'
        yield "\n    </nodes>"
    if not edges:
        yield "\n    <edges />"
    else:
        yield "\n    <edges>"
        for u, v, key, attrs in edges:
            xml, values = edge_plan(attrs)
            head = f'\n      <edge source="{escaped[u]}" target="{escaped[v]}" id="{_esc_attr(str(key))}"'
            for k in xml:
                x = attrs[k]
                head += f' {k}="{x}"' if type(x) is int else f' {k}="{_esc_attr(str(x))}"'
            yield f"{head}>{_gexf_attvalues(values, attrs)}\n      </edge>" if values else head + " />"
        yield "\n    </edges>"
    yield "\n  </graph>\n</gexf>\n"


def _gexf_chunks(G: nx.Graph | FlatGraph) -> dict[str, _Chunks]:
    flat = G if isinstance(G, FlatGraph) else flatten(G)
    return {"": _utf8(_gexf_parts(flat))}


def render_gexf(G: nx.Graph | FlatGraph) -> dict[str, bytes]:
    """GEXF 1.2 (as networkx writes it) with ``viz`` colour by type and size by degree (``{"": bytes}``).

    Nodes and edges with a ``start`` date (from the page's schema:datePublished)
    make the graph dynamic, so Gephi's timeline can filter by date; the
    meta date is the latest such date (none when the pages are undated).
    Data keys GEXF reserves (``id``, ``type`` on edges …) are written
    ``<key>_attr``. The bytes are those networkx's GEXF writer gave, written as
    a stream. A value of a type other than str, int, float or bool raises TypeError.
    """
    return {part: b"".join(chunks) for part, chunks in _gexf_chunks(G).items()}


# ------------------------------------------------------------------ CSV


def _csv_chunks(header: list[str], rows: Iterable[list[str]]) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % 20_000 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _columns(items: Iterable[dict[str, Scalar]], fixed: dict[str, str]) -> tuple[list[str], list[str]]:
    """(column headers, attribute keys): Gephi's fixed columns first, then every other key sorted.
    A key that clashes with a fixed column (any case) is written ``key_attr``."""
    taken = {c.lower() for c in fixed.values()}
    keys = sorted({k for d in items for k in d} - set(fixed))
    headers = list(fixed.values()) + [f"{k}_attr" if k.lower() in taken else k for k in keys]
    return headers, keys


def _cell(value: Scalar) -> str:
    return value if type(value) is str else _text(value)


def _csv_chunks_of(G: nx.Graph | FlatGraph) -> dict[str, _Chunks]:
    flat = G if isinstance(G, FlatGraph) else flatten(G)
    headers, keys = _columns((a for _, a in flat.nodes), {"label": "Label", "type": "Type"})
    rows = ([node, _cell(a["label"]), _cell(a["type"]), *[_cell(a.get(k, "")) for k in keys]]
            for node, a in flat.nodes)
    e_headers, e_keys = _columns((a for _, _, _, a in flat.edges), {
        "source": "Source", "target": "Target", "type": "Type", "id": "Id", "label": "Label", "weight": "Weight"})
    direction = "Directed" if flat.directed else "Undirected"
    e_rows = ([u, v, direction, eid, _cell(a["label"]), _cell(a["weight"]), *[_cell(a.get(k, "")) for k in e_keys]]
              for u, v, eid, a in flat.edges)
    return {".nodes": _csv_chunks(["Id", *headers], rows), ".edges": _csv_chunks(e_headers, e_rows)}


def render_csv(G: nx.Graph | FlatGraph) -> dict[str, bytes]:
    """Gephi spreadsheet-import node and edge lists: ``{".nodes": …, ".edges": …}`` (UTF-8, no BOM).

    Nodes: ``Id, Label, Type`` then the other attributes; edges: ``Source,
    Target, Type`` (Directed/Undirected, as Gephi reads it), ``Id, Label,
    Weight`` then the others (``predicate``, ``start`` …). Lists are joined
    with ``;``, booleans written ``true``/``false``.
    """
    return {part: b"".join(chunks) for part, chunks in _csv_chunks_of(G).items()}


# ------------------------------------------------------------------ files


@dataclass(frozen=True)
class ViewFormat:
    """A view file format: its extension, a renderer to ``{name part: bytes}`` and the same as a stream
    (``{name part: iterable of byte chunks}``, produced while the file is written)."""

    name: str
    extension: str
    render: Callable[[nx.Graph | FlatGraph], dict[str, bytes]]
    stream: Callable[[nx.Graph | FlatGraph], dict[str, _Chunks]]


VIEW_FORMATS: dict[str, ViewFormat] = {
    "graphml": ViewFormat("graphml", ".graphml", render_graphml, _graphml_chunks),
    "gexf": ViewFormat("gexf", ".gexf", render_gexf, _gexf_chunks),
    "csv": ViewFormat("csv", ".csv", render_csv, _csv_chunks_of),
}


def view_files(out: str | Path, fmt: str) -> dict[str, Path]:
    """The file(s) a format writes for ``out``: ``g.graphml``; for CSV ``g.nodes.csv`` and ``g.edges.csv``
    (``out`` with or without the ``.csv`` extension)."""
    spec = VIEW_FORMATS[fmt]
    out = Path(out)
    stem = out.with_suffix("") if out.suffix.lower() == spec.extension else out
    if fmt == "csv":
        return {part: stem.with_name(f"{stem.name}{part}{spec.extension}") for part in (".nodes", ".edges")}
    return {"": out if out.suffix else out.with_suffix(spec.extension)}


def _write(files: list[tuple[Path, _Chunks]]) -> list[Path]:
    """Write every file as a stream of chunks to a temporary name in its folder, then rename them all.

    A failure (also while a stream is being produced) removes the temporary
    files and leaves every earlier file untouched. Files get mode 0644.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for path, chunks in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
    except BaseException:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in temps:
        os.replace(tmp, path)
    return [path for _, path in temps]


def _format_files(flat: FlatGraph, fmt: str, out: Path) -> list[tuple[str, Path, _Chunks]]:
    """(name part, path, chunks) of each file format ``fmt`` writes for ``out`` (see :func:`view_files`)."""
    paths = view_files(out, fmt)
    return [(part, paths[part], chunks) for part, chunks in VIEW_FORMATS[fmt].stream(flat).items()]


def write_graphml(G: nx.Graph, path: Path) -> Path:
    """Write a view as GraphML (see :func:`render_graphml`); the file is replaced atomically."""
    return _write([(Path(path), _graphml_chunks(G)[""])])[0]


def _check(view: str, fmt: str) -> None:
    if view not in VIEWS:
        raise KgError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    if fmt not in VIEW_FORMATS:
        raise KgError(f"unknown view format {fmt!r}; formats: {', '.join(VIEW_FORMATS)}")


def build_view(g: Graph, view: str = "full", *, articles: bool = False) -> nx.Graph:
    """View ``view`` of an RDF graph; unknown names raise :class:`KgError` listing the views."""
    _check(view, "graphml")
    return full_view(g, articles=articles) if view == "full" else VIEWS[view](g)


def export_view(graph_path: str | Path, out: str | Path, view: str = "full", fmt: str = "graphml", *,
                articles: bool = False) -> list[Path]:
    """Read an export (``kg.query.load_graph``), build view ``view`` and write it as ``fmt`` at ``out``.

    Returns the files written (two for CSV, see :func:`view_files`). Unknown
    view or format names raise :class:`KgError` listing the known ones.
    """
    from kg.query import load_graph

    _check(view, fmt)
    g = load_graph(graph_path)
    with collector_paused():
        flat = flatten(build_view(g, view, articles=articles))
        return _write([(path, chunks) for _, path, chunks in _format_files(flat, fmt, Path(out))])


def write_view(graph_path: str | Path, out: str | Path, view: str = "full", *, articles: bool = False) -> Path:
    """:func:`export_view` with the format taken from ``out``'s extension (GraphML if none)."""
    ext = Path(out).suffix.lower()
    fmt = next((f.name for f in VIEW_FORMATS.values() if f.extension == ext), "graphml")
    return export_view(graph_path, out, view, fmt, articles=articles)[0]


def write_view_exports(g: KnowledgeBase | Graph | ox.Store, out_dir: str | Path, name: str = "graph", *,
                       base_iri: str = DEFAULT_BASE) -> dict[str, Path]:
    """The full view of a build in every format into ``out_dir``: ``graph.graphml``, ``graph.gexf``,
    ``graph.nodes.csv`` and ``graph.edges.csv``. Returns ``{"graphml": path, …, "csv-nodes": …}``.

    ``g`` is the build's :class:`KnowledgeBase` (the fast way: :func:`full_view_kb`
    with ``base_iri``, the build's ``--base-iri``), an rdflib graph
    (:func:`full_view`) or an Oxigraph store (:func:`full_view_store`); ``base_iri``
    is used with a KnowledgeBase only, RDF carries its IRIs. The files are
    streamed to temporary names and renamed together once all are written:
    an error (OSError from the disk, TypeError from a value no format can
    write) propagates and leaves the earlier files as they were. Memory holds
    the view (entities and edges) and one chunk of a file at a time.
    """
    with collector_paused():
        if isinstance(g, KnowledgeBase):
            flat = flat_view_kb(g, base_iri)
        else:
            flat = flatten(full_view_store(g) if isinstance(g, ox.Store) else full_view(g))
        out_dir = Path(out_dir)
        keys: list[str] = []
        files: list[tuple[Path, _Chunks]] = []
        for fmt, spec in VIEW_FORMATS.items():
            for part, path, chunks in _format_files(flat, fmt, out_dir / f"{name}{spec.extension}"):
                keys.append(f"{fmt}-{part.lstrip('.')}" if part else fmt)
                files.append((path, chunks))
        return dict(zip(keys, _write(files), strict=True))
