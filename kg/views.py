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
its KnowledgeBase directly, and :func:`write_view_exports` streams the files
from it, holding arrays (~200 bytes an entity, ~20 a relation record) rather
than a dict per node and edge.

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
import heapq
import io
import math
import os
import re
import tempfile
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations, islice, pairwise
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
from kg.outfile import StreamFile
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
    texts: dict[str, str] = {}  # one str per distinct date
    found: dict[str, str] = {}  # the earliest own date of each article (an id may come more than once)
    for a in kb.articles:
        if a.metadata.date:
            date = a.metadata.date.isoformat()
            date = texts.setdefault(date, date)
            if a.id not in found or date < found[a.id]:
                found[a.id] = date
    page: dict[str, str] = {}  # else the earliest date of its page
    for a in kb.articles:
        source_date = sources[a.source_id].date
        if source_date and a.id not in found:
            date = source_date.isoformat()
            date = texts.setdefault(date, date)
            if a.id not in page or date < page[a.id]:
                page[a.id] = date
    found.update(page)
    return found


class _Texts:
    """Strings kept as one UTF-8 buffer and the offsets where each ends: a few bytes a string besides its
    text, where a str object costs ~50 (and two or four bytes a character beyond Latin-1)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.bounds = array("q", [0])  # string i is buf[bounds[i]:bounds[i + 1]]

    def append(self, text: str) -> None:
        self.buf += text.encode("utf-8", "surrogatepass")
        self.bounds.append(len(self.buf))

    def __getitem__(self, i: int) -> str:
        return self.buf[self.bounds[i]:self.bounds[i + 1]].decode("utf-8", "surrogatepass")


class _Repeated(Exception):
    """A spooled article came twice: its relation records are compared across the whole KB instead."""


_SORT_PIECE = 1 << 15  # relation records sorted at a time before merging (a few MiB of tuples)


def _merged_pieces(columns: tuple[array, array, array],
                   remap: Callable[[Iterable[tuple[int, int, int]]], Iterable[tuple[int, int, int]]],
                   ) -> Iterator[tuple[int, int, int]]:
    """The rows of three arrays of the same length, each row ``remap``-ed, in sorted order: the rows are
    sorted a piece at a time in place (written back remapped), then the pieces merged as they are read,
    so no list of every row is ever made."""
    bounds = [*range(0, len(columns[0]), _SORT_PIECE), len(columns[0])]
    pieces = list(pairwise(bounds))
    for a, b in pieces:
        piece = sorted(remap(zip(*(c[a:b] for c in columns), strict=True)))
        for i, c in enumerate(columns):
            c[a:b] = array(c.typecode, [row[i] for row in piece])
        del piece
    views = [memoryview(c) for c in columns]
    yield from heapq.merge(*(zip(*(v[a:b] for v in views), strict=True) for a, b in pieces))


class _KbView:
    """The full view of a KnowledgeBase, held in arrays and written out as a stream.

    What :func:`full_view_kb` gives, without a dict per node and edge: node ``r``
    (0, 1 … in node order, by IRI) is ``keys[r]`` of ``kb.entities``, its IRI the
    base and ``segs[r]`` (so every node id is distinct); its number of articles
    and earliest date are in ``articles`` and ``first``. Edges are in the order
    the files list them (source, target, label) in ``edge_so`` (source × nodes +
    target), ``edge_lp`` (index of (label, predicate) in ``predicates``),
    ``edge_weight`` and ``edge_date``. A date is an index into ``dates``; ``len(dates)``
    stands for none.

    The relations are read once (``kb.relations`` then the spool, one article at a
    time) into three arrays (20 bytes a record), sorted in pieces and merged. A
    relation record is one distinct provenance node of the export (see
    :func:`full_view`), so a repeated one counts once: the records of one spooled
    article are compared among themselves (articles come once from the spool),
    those of articles in ``kb.relations`` with a set of them, and the records of
    no article (merge candidates, curated facts; named by group, subject,
    predicate and object) meet their repeats when sorted.
    Memory: the entities' ranks, IRIs and pinyin (~200 bytes an entity with the
    articles' dates) and ~20 bytes a relation record and an edge.
    """

    def __init__(self, kb: KnowledgeBase, base_iri: str) -> None:
        base = base_iri.rstrip("/")
        self.entities = entities = kb.entities
        self.prefix = f"{base}/"
        self.node_prefix = _clean(self.prefix)  # segments are ASCII without control characters
        plen = len(self.prefix)
        # node order = IRI order; an IRI is the base and the key percent-encoded (one-to-one), so nodes are distinct
        self.keys = keys = sorted(entities, key=lambda key: entity_iri(base, key)[plen:])
        self.n = len(keys)
        self.segs = segs = _Texts()
        for key in keys:
            segs.append(entity_iri(base, key)[plen:])
        self.pinyin = self._pinyin()
        article_dates = _kb_article_dates(kb)
        self.dates = dates = sorted(set(article_dates.values()))
        self.no_date = len(dates)
        date_index = {d: i for i, d in enumerate(dates)}
        art: dict[str, int] = {}  # article id → index
        for a in kb.articles:
            art.setdefault(a.id, len(art))
        art_date = array("I", [self.no_date]) * len(art)
        for article, i in art.items():
            if article in article_dates:
                art_date[i] = date_index[article_dates[article]]
        del article_dates, date_index
        rank = {key: r for r, key in enumerate(keys)}
        try:
            records, predicates = self._collect(kb, rank, art, art_date, True)
        except _Repeated:
            records, predicates = self._collect(kb, rank, art, art_date, False)
        del rank, art, art_date
        self._edges(records, predicates)

    def _pinyin(self) -> _Texts:
        """Every node's pinyin label ("" when none). When the RDF export spelled the names in this
        process before (in key order; :func:`kg.iris.pinyin_label` keeps the latest in an LRU cache),
        the names still cached (the last keys) are asked first, before computing the others evicts
        them. In a build the views run in a worker forked before the export spells any name: the
        words of every name resolution slugged are spelled already (:func:`kg.iris._spelled`)."""
        entities = self.entities
        size = pinyin_label.cache_info().maxsize or 0
        early = {key: pinyin_label(entities[key].name) if entities[key].name else ""
                 for key in islice(sorted(entities, reverse=True), size)}
        texts = _Texts()
        for key in self.keys:
            spelled = early.pop(key, None)
            if spelled is None:
                name = entities[key].name
                spelled = pinyin_label(name) if name else ""
            texts.append(spelled)
        return texts

    def _collect(self, kb: KnowledgeBase, rank: dict[str, int], art: dict[str, int], art_date: array,
                 local_ok: bool) -> tuple[tuple[array, array, array], list[str]]:
        """Mentions into ``articles``/``first``; relations into ``((so, pt, group), predicates)``, an entry
        per record or triple: ``so`` is source × nodes + target, ``pt`` predicate × tags + tag with tag =
        date × 2 + (1 when the entry is not a record: a triple without one, such as a parent, or a
        repeated record that adds its date only), ``group`` names a record of no article (its group and
        relation name; 0 for the others)."""
        n, no_date = self.n, self.no_date
        self.articles = articles = array("I", [0]) * n
        self.first = first = array("I", [no_date]) * n
        tags = 2 * (no_date + 1)

        for key, article in {(rm.entity, rm.mention.article_id) for rm in kb.mentions}:
            r, i = rank.get(key), art.get(article)
            if r is not None and i is not None:
                articles[r] += 1
                first[r] = min(first[r], art_date[i])

        so, pt, groups = array("Q"), array("Q"), array("I")
        predicates: list[str] = []
        by_iri: dict[str, int] = {}
        by_name: dict[str, int | None] = {}
        group_of: dict[tuple[str, str], int] = {}  # (group, relation name) → 1, 2 …
        # article records that can repeat anywhere: those of articles in kb.relations (all in the second try)
        seen: set[tuple[Any, ...]] = set()
        state = bytearray(len(art))  # per article: 0 not read yet, 1 read from the spool, 2 records in kb.relations

        def predicate(iri: str) -> int:
            pid = by_iri.get(iri)
            if pid is None:
                pid = by_iri[iri] = len(predicates)
                predicates.append(iri)
            return pid

        def relation(s: str, name: str, o: str, article: str | None, span: tuple[int, ...], rule: str,
                     local: set[tuple[Any, ...]] | None) -> None:
            rs, ro = rank.get(s), rank.get(o)
            if rs is None or ro is None or s == o:
                return
            if name in by_name:
                pid = by_name[name]
            else:
                iri = _relation_predicate(name)
                pid = by_name[name] = None if iri is None else predicate(iri)
            if pid is None:
                return
            i = None if article is None else art.get(article)
            group = 0
            if i is not None:
                tag = art_date[i] * 2
                if not span and article in ("curated", "entities"):  # the record the group's would be
                    group = group_of.setdefault((article, name), len(group_of) + 1)
                else:
                    rec = (article, s, name, o, *span)
                    held = seen if local is None else local
                    if rec in held:
                        tag += 1  # not a record again, but its date (the same article's)
                    else:
                        held.add(rec)
            elif name == MERGE_CANDIDATE or rule.startswith(CURATED_RULE_PREFIX):
                key = ("curated" if rule.startswith(CURATED_RULE_PREFIX) else "entities", name)
                group = group_of.setdefault(key, len(group_of) + 1)
                tag = no_date * 2
            else:
                tag = no_date * 2 + 1
            so.append(rs * n + ro)
            pt.append(pid * tags + tag)
            groups.append(group)

        contained = predicate(_CONTAINED_IN_PLACE)
        for key, e in self.entities.items():
            if e.parent and e.parent in rank and e.parent != key:
                so.append(rank[key] * n + rank[e.parent])
                pt.append(contained * tags + no_date * 2 + 1)
                groups.append(0)
        for rel in kb.relations:
            if rel.article_id is not None and rel.article_id in art:
                state[art[rel.article_id]] = 2
            relation(rel.subject, rel.predicate, rel.object, rel.article_id,
                     (rel.evidence.start, rel.evidence.end) if rel.evidence else (), rel.rule, None)
        if kb.spool is not None:  # the records of spooled articles, one article at a time
            for light in kb.spool.light():
                article = light.article_id
                i = art.get(article)
                local: set[tuple[Any, ...]] | None = None
                if i is not None:
                    when = art_date[i]
                    for key in {key for key, _ in light.mentions}:
                        r = rank.get(key)
                        if r is not None:
                            articles[r] += 1
                            if when < first[r]:
                                first[r] = when
                    if local_ok and state[i] != 2:
                        if state[i] == 1 and light.relations:
                            raise _Repeated(article)
                        state[i] = 1
                        local = set()
                for s, p, o, start, end, rule in light.relations:
                    relation(s, p, o, article, () if start is None else (start, end), rule, local)  # type: ignore[arg-type]
        return (so, pt, groups), predicates

    def _edges(self, records: tuple[array, array, array], iris: list[str]) -> None:
        """Edges from the records: one per (source, target, label), as the MultiDiGraph of :func:`full_view`
        keeps them (of two predicates with the same local name, the later in IRI order updates the other's
        attributes); ``weight`` the number of records (at least 1), ``start`` the earliest date."""
        names = [_local(URIRef(p)) for p in iris]
        # a local name is an NCName (or a fixed term's): cleaning changes none, so the order is the files'
        order = sorted(range(len(iris)), key=lambda i: (_clean(names[i]), names[i], iris[i]))
        place = [0] * len(iris)
        for j, i in enumerate(order):
            place[i] = j
        self.labels = [names[i] for i in order]
        self.predicates = [iris[i] for i in order]
        self.clean_labels = [_clean(x) for x in self.labels]
        self.clean_predicates = [_clean(x) for x in self.predicates]
        tags, no_date, n = 2 * (self.no_date + 1), self.no_date, self.n
        group = [self.labels.index(x) for x in self.labels]  # (label, predicate) → its label's first index
        self.edge_so = edge_so = array("Q")
        self.edge_lp = edge_lp = array("I")
        self.edge_weight = edge_weight = array("I")
        self.edge_date = edge_date = array("I")
        self.degree = degree = array("I", [0]) * n
        last_so = last_group = -1

        width = max(records[2], default=0) + 1  # record groups

        def remap(rows: Iterable[tuple[int, int, int]]) -> Iterator[tuple[int, int, int]]:
            """(so, predicate × tags + tag, group) → (so, lp × width + group, tag): sorted, a triple's entries
            are together, those of one group (the same record again) next to each other."""
            for s_o, p_t, group in rows:
                pid, tag = divmod(p_t, tags)
                yield s_o, place[pid] * width + group, tag

        def triples() -> Iterator[tuple[int, int, int, int]]:
            """(so, lp, records, earliest date) of each distinct triple, in order."""
            key = (-1, -1)
            count = date = last_group = 0
            for s_o, lp_group, tag in _merged_pieces(records, remap):
                lp, group = divmod(lp_group, width)
                if s_o != key[0] or lp != key[1]:
                    if key[0] >= 0:
                        yield key[0], key[1], count, date
                    key, count, date, last_group = (s_o, lp), 0, no_date, 0
                if not tag & 1 and not (group and group == last_group):
                    count += 1
                last_group = group
                date = min(date, tag >> 1)
            if key[0] >= 0:
                yield key[0], key[1], count, date

        for s_o, lp, count, date in triples():
            if s_o == last_so and group[lp] == last_group:  # the same edge: the later predicate wins
                edge_lp[-1] = lp
                edge_weight[-1] = max(1, count)
                if date < no_date:
                    edge_date[-1] = date
                continue
            last_so, last_group = s_o, group[lp]
            edge_so.append(s_o)
            edge_lp.append(lp)
            edge_weight.append(max(1, count))
            edge_date.append(date)
            s, o = divmod(s_o, n)
            degree[s] += 1
            degree[o] += 1

    # ---- nodes and edges, made when asked for

    def nodes(self, flat: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(id, attrs)`` of every node in order: flattened (the files' attributes) or as :func:`full_view_kb`
        adds them."""
        entities, prefix, node_prefix, no_date = self.entities, self.prefix, self.node_prefix, self.no_date
        segs, seg_at, spelled, spelled_at = self.segs.buf, self.segs.bounds, self.pinyin.buf, self.pinyin.bounds
        dates = [_clean(d) for d in self.dates] if flat else self.dates
        for r, (key, articles, date) in enumerate(zip(self.keys, self.articles, self.first, strict=True)):
            e = entities[key]
            seg = segs[seg_at[r]:seg_at[r + 1]].decode("utf-8", "surrogatepass")
            pinyin = spelled[spelled_at[r]:spelled_at[r + 1]].decode("utf-8", "surrogatepass")
            name = e.name
            aliases = sorted({label for label in e.labels if label and label != name}) if e.labels else []
            if not flat:
                iri = prefix + seg
                attrs: dict[str, Any] = {"label": name or _local(URIRef(iri)), "type": e.type, "iri": iri,
                                         "articles": articles}
                if e.subtype:
                    attrs["level"] = e.subtype
                if e.code:
                    attrs["code"] = e.code
                if pinyin:
                    attrs["pinyin"] = pinyin
                if aliases:
                    attrs["aliases"] = aliases
                attrs["linked"] = e.linked
                if date < no_date:
                    attrs["start"] = dates[date]
                yield iri, attrs
                continue
            node = node_prefix + seg
            d: dict[str, Any] = {}  # as _flatten_parts flattens the attributes above, in sorted key order
            if aliases:
                d["aliases"] = ";".join(map(_clean, aliases))
            d["articles"] = articles
            if e.code:
                d["code"] = _clean(e.code)
            d["iri"] = node
            d["label"] = (_clean(name) if name else _clean(_local(URIRef(prefix + seg)))) or node
            if e.subtype:
                d["level"] = _clean(e.subtype)
            d["linked"] = e.linked
            if pinyin:
                d["pinyin"] = _clean(pinyin)
            if date < no_date:
                d["start"] = dates[date]
            d["type"] = _clean(e.type) or "Thing"
            yield node, d

    def edges(self, flat: bool = True) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """``(source, target, id, attrs)`` of every edge in order (ids ``e0 e1 …``; the label is the
        MultiDiGraph key)."""
        prefix = self.node_prefix if flat else self.prefix
        labels = self.clean_labels if flat else self.labels
        predicates = self.clean_predicates if flat else self.predicates
        dates = [_clean(d) for d in self.dates] if flat else self.dates
        n, no_date, buf, bounds = self.n, self.no_date, self.segs.buf, self.segs.bounds
        last, source = -1, ""
        for i, (s_o, lp, weight, date) in enumerate(zip(self.edge_so, self.edge_lp, self.edge_weight,
                                                        self.edge_date, strict=True)):
            s, o = divmod(s_o, n)
            if s != last:
                last, source = s, prefix + buf[bounds[s]:bounds[s + 1]].decode("utf-8", "surrogatepass")
            target = prefix + buf[bounds[o]:bounds[o + 1]].decode("utf-8", "surrogatepass")
            if flat:
                a: dict[str, Any] = {"label": labels[lp], "predicate": predicates[lp]}
                if date < no_date:
                    a["start"] = dates[date]
                a["weight"] = weight
            else:
                a = {"label": labels[lp], "predicate": predicates[lp], "weight": weight}
                if date < no_date:
                    a["start"] = dates[date]
            yield source, target, labels[lp] if not flat else f"e{i}", a

    def stream(self) -> _Stream:
        """The view as the file writers read it (nodes and edges made anew at each pass)."""
        plain = _esc_attr(self.node_prefix) == self.node_prefix  # percent-encoded segments need no escaping
        return _Stream(True, {}, self.nodes, self.edges, lambda: iter(self.degree), plain_ids=plain)


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
        view = _KbView(kb, base_iri)
        G = nx.MultiDiGraph()
        G.add_nodes_from(view.nodes(flat=False))
        for s, o, label, attrs in view.edges(flat=False):
            G.add_edge(s, o, key=label, **attrs)
    return G


def flat_view_kb(kb: KnowledgeBase, base_iri: str = DEFAULT_BASE) -> FlatGraph:
    """``flatten(full_view_kb(kb, base_iri))`` without the NetworkX graph in between. The build writes the
    same nodes and edges as a stream, never holding this list of them (:func:`write_view_exports`)."""
    with collector_paused():
        view = _KbView(kb, base_iri)
        return FlatGraph(directed=True, nodes=list(view.nodes()), edges=list(view.edges()))


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


_ATTR_SPECIAL = re.compile(r'[&<>"\r\n\t]')
_TEXT_SPECIAL = re.compile(r"[&<>]")


def _esc_attr(text: str) -> str:
    """An XML attribute value escaped as ElementTree escapes it (``&<>"`` and CR, LF, tab as references)."""
    return xml_escape(text, _ATTR_ENTITIES) if _ATTR_SPECIAL.search(text) else text


def _esc_text(text: str) -> str:
    """XML character data escaped as ElementTree escapes it (``&``, ``<``, ``>``)."""
    return xml_escape(text) if _TEXT_SPECIAL.search(text) else text


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


@dataclass
class _Stream:
    """A flat view as the file writers read it, in the order networkx's writers gave (see
    :func:`_networkx_order`): ``nodes()`` gives ``(id, attrs)``, ``edges()`` ``(source, target, id, attrs)``
    and ``degrees()`` each node's degree in node order; each can be called again for another pass.
    ``dates`` is what GEXF's meta and mode come from, ``(any start, latest start)``, when not read
    from the nodes and edges themselves (None)."""

    directed: bool
    graph: dict[str, Scalar]
    nodes: Callable[[], Iterable[tuple[str, _Attrs]]]
    edges: Callable[[], Iterable[tuple[str, str, str, _Attrs]]]
    degrees: Callable[[], Iterable[int]]
    dates: tuple[bool, str | None] | None = None
    plain_ids: bool = False  # no node id needs escaping in XML
    surveyed: _Survey | None = field(default=None, repr=False)

    def survey(self) -> _Survey:
        """What the files declare before their elements (one pass over the view, kept for the next file)."""
        if self.surveyed is None:
            self.surveyed = _Survey.of(self)
        return self.surveyed


@dataclass
class _Survey:
    """What the writers need before writing a view's elements: the number of nodes and edges; GraphML's
    ``(key, value type) → first value`` of each (:func:`_first_uses`); for GEXF, the first attributes of
    each tuple of keys once reserved names are renamed (:func:`_gexf_attrs`) and whether any has a start
    date and the latest one; the CSV columns are the keys GraphML saw."""

    nodes: int
    edges: int
    node_uses: dict[tuple[Any, type], Any]
    edge_uses: dict[tuple[Any, type], Any]
    gexf_nodes: list[_Attrs]
    gexf_edges: list[_Attrs]
    dated: bool
    lastmodified: str | None

    @classmethod
    def of(cls, view: _Stream) -> _Survey:
        nodes, node_uses, gexf_nodes, node_dates = _survey(
            (a for _, a in view.nodes()), _GEXF_NODE_RESERVED)
        edges, edge_uses, gexf_edges, edge_dates = _survey(
            (a for _, _, _, a in view.edges()), _GEXF_EDGE_RESERVED)
        if view.dates is not None:
            dated, lastmodified = view.dates
        else:
            dates = [d for d in (node_dates, edge_dates) if d is not None]
            dated, lastmodified = bool(dates), max(dates, default=None)
        return cls(nodes, edges, node_uses, edge_uses, gexf_nodes, gexf_edges, dated, lastmodified)


def _survey(items: Iterable[_Attrs], reserved: set[str]) -> tuple[int, dict[tuple[Any, type], Any], list[_Attrs],
                                                                  str | None]:
    """(count, first uses, the first GEXF attributes of each key tuple, latest GEXF start) of ``items``."""
    uses: dict[tuple[Any, type], Any] = {}
    shapes: set[tuple[tuple[Any, ...], tuple[type, ...]]] = set()
    gexf: dict[tuple[str, ...], _Attrs] = {}
    latest: str | None = None
    count = 0
    for d in items:
        count += 1
        shape = (tuple(d), tuple(map(type, d.values())))
        if shape not in shapes:  # a dict of a shape seen before uses nothing new
            shapes.add(shape)
            for k, v in d.items():
                uses.setdefault((k, type(v)), v)
        renamed = _gexf_attrs(d, reserved)
        keys = tuple(renamed) if renamed is not d else shape[0]
        if keys not in gexf:
            gexf[keys] = renamed
        if "start" in renamed:
            start = renamed["start"]
            latest = start if latest is None or start > latest else latest
    return count, uses, list(gexf.values()), latest


def _flat_of(G: nx.Graph | FlatGraph) -> FlatGraph:
    return G if isinstance(G, FlatGraph) else flatten(G)


def _list_stream(flat: FlatGraph, nodes: Iterable[tuple[str, _Attrs]],
                 edges: list[tuple[str, str, str, _Attrs]], dates: tuple[bool, str | None] | None = None) -> _Stream:
    """A stream over nodes and edges held in lists (or a dict of nodes), degrees those of ``flat``."""
    node_list = list(nodes)

    def degrees() -> Iterator[int]:
        degree = flat.degree()
        return (degree[n] for n, _ in node_list)

    return _Stream(flat.directed, flat.graph, lambda: iter(node_list), lambda: iter(edges), degrees, dates)


def _ordered_stream(flat: FlatGraph) -> _Stream:
    """``flat`` in networkx's order (:func:`_networkx_order`)."""
    nodes, edges = _networkx_order(flat.directed, flat.nodes, flat.edges)
    return _list_stream(flat, nodes.items(), edges)


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


def _graphml_parts(view: FlatGraph | _Stream) -> Iterator[str]:
    """The GraphML document of a view, in text parts (two passes over the graph: keys, then elements)."""
    if isinstance(view, FlatGraph):
        view = _ordered_stream(view)
    graph = dict(view.graph)
    graph_id = graph.pop("id", None)
    graph_data = {k: v for k, v in graph.items() if k not in ("node_default", "edge_default")}
    keys = _GraphMLKeys()  # ids in order of first use: graph, nodes, edges (as networkx numbered them)
    graph_tags = _data_tags(keys, _first_uses([graph_data]), "graph", "\n    ")
    survey = view.survey()
    node_tags = _data_tags(keys, survey.node_uses, "node", "\n      ")
    edge_tags = _data_tags(keys, survey.edge_uses, "edge", "\n      ")
    yield _GRAPHML_HEAD
    for declaration in keys.declarations():
        yield "\n  " + declaration
    direction = "directed" if view.directed else "undirected"
    yield f'\n  <graph edgedefault="{direction}"' + ("" if graph_id is None else f' id="{_esc_attr(str(graph_id))}"')
    if not (survey.nodes or survey.edges or graph_data):
        yield " />\n</graphml>\n"
        return
    yield ">"
    esc = _esc_attr if not view.plain_ids else str
    for node, attrs in view.nodes():
        if attrs:
            yield f'\n    <node id="{esc(node)}">{_graphml_data(node_tags, attrs)}\n    </node>'
        else:
            yield f'\n    <node id="{esc(node)}" />'
    for u, v, key, attrs in view.edges():
        head = f'\n    <edge source="{esc(u)}" target="{esc(v)}" id="{_esc_attr(str(key))}"'
        yield f"{head}>{_graphml_data(edge_tags, attrs)}\n    </edge>" if attrs else head + " />"
    if graph_data:
        yield _graphml_data(graph_tags, graph_data)
    yield "\n  </graph>\n</graphml>\n"


def _graphml_chunks(G: nx.Graph | FlatGraph | _Stream) -> dict[str, _Chunks]:
    return {"": _utf8(_graphml_parts(G if isinstance(G, _Stream) else _flat_of(G)))}


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


def _gexf_stream(flat: FlatGraph) -> _Stream:
    """``flat`` with the names GEXF reserves renamed (:func:`_gexf_attrs`), then in networkx's order."""
    node_list = [(n, _gexf_attrs(a, _GEXF_NODE_RESERVED)) for n, a in flat.nodes]
    edge_list = [(u, v, k, _gexf_attrs(a, _GEXF_EDGE_RESERVED)) for u, v, k, a in flat.edges]
    dates = [a["start"] for _, a in node_list if "start" in a] + [a["start"] for *_, a in edge_list if "start" in a]
    nodes, edges = _networkx_order(flat.directed, node_list, edge_list)
    return _list_stream(flat, nodes.items(), edges, (bool(dates), max(dates, default=None)))


def _gexf_parts(view: FlatGraph | _Stream) -> Iterator[str]:
    """The GEXF 1.2 document of a view in text parts (see :func:`render_gexf`)."""
    if isinstance(view, FlatGraph):
        view = _gexf_stream(view)
    attributes = _GEXFAttributes()
    node_plan = _GEXFPlans(attributes, "node", _GEXF_NODE_XML)
    edge_plan = _GEXFPlans(attributes, "edge", _GEXF_EDGE_XML)
    survey = view.survey()
    for attrs in survey.gexf_nodes:  # the attribute declarations, numbered in order of first use
        node_plan(attrs)
    for attrs in survey.gexf_edges:
        edge_plan(attrs)
    nodes, dated, lastmodified = survey.nodes, survey.dated, survey.lastmodified
    yield "<?xml version='1.0' encoding='utf-8'?>\n<gexf "
    yield (f'xmlns:viz="{_GEXF_VIZ}" ' if nodes else "") + _GEXF_ROOT + ">"
    yield "\n  <meta" + (f' lastmodifieddate="{lastmodified}"' if lastmodified else "") + ">"
    yield f"\n    <creator>{_GEXF_CREATOR}</creator>\n    <description>{_GEXF_DESCRIPTION}</description>\n  </meta>"
    direction = "directed" if view.directed else "undirected"
    dynamic = ' mode="dynamic" name="" timeformat="date"' if dated else ' mode="static" name=""'
    yield f'\n  <graph defaultedgetype="{direction}"{dynamic}>'
    yield from attributes.declarations()
    if not nodes:
        yield "\n    <nodes />"
    else:
        yield "\n    <nodes>"
        colors: dict[str, str] = {}
        sizes: dict[int, str] = {}
        for (node, attrs), n in zip(view.nodes(), view.degrees(), strict=True):
            attrs = _gexf_attrs(attrs, _GEXF_NODE_RESERVED)
            _, values = node_plan(attrs)
            node_id = node if view.plain_ids else _esc_attr(node)
            head = f' label="{_esc_attr(str(attrs.get("label", node)))}"' + (
                f' start="{_esc_attr(str(attrs["start"]))}"' if "start" in attrs else "")
            kind = str(attrs.get("type"))
            color = colors.get(kind)
            if color is None:
                r, g, b = TYPE_COLORS.get(kind, OTHER_COLOR)
                color = colors[kind] = f'\n        <viz:color r="{r}" g="{g}" b="{b}" a="1.0" />'
            size = sizes.get(n) or sizes.setdefault(n, f'\n        <viz:size value="{node_size(n)}" />')
            yield f'\n      <node id="{node_id}"{head}>{color}{size}{_gexf_attvalues(values, attrs)}\n      </node>'
        yield "\n    </nodes>"
    if not survey.edges:
        yield "\n    <edges />"
    else:
        yield "\n    <edges>"
        for u, v, key, attrs in view.edges():
            attrs = _gexf_attrs(attrs, _GEXF_EDGE_RESERVED)
            xml, values = edge_plan(attrs)
            head = (f'\n      <edge source="{u}" target="{v}"' if view.plain_ids else
                    f'\n      <edge source="{_esc_attr(u)}" target="{_esc_attr(v)}"') + f' id="{_esc_attr(str(key))}"'
            for k in xml:
                x = attrs[k]
                head += f' {k}="{x}"' if type(x) is int else f' {k}="{_esc_attr(str(x))}"'
            yield f"{head}>{_gexf_attvalues(values, attrs)}\n      </edge>" if values else head + " />"
        yield "\n    </edges>"
    yield "\n  </graph>\n</gexf>\n"


def _gexf_chunks(G: nx.Graph | FlatGraph | _Stream) -> dict[str, _Chunks]:
    return {"": _utf8(_gexf_parts(G if isinstance(G, _Stream) else _flat_of(G)))}


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
    for row in rows:
        writer.writerow(row)
        if buf.tell() >= _CHUNK_CHARS:  # (a StringIO holds 4 bytes a character)
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


def _csv_nodes(view: _Stream) -> Iterator[bytes]:
    headers, keys = _columns([{k: "" for k, _ in view.survey().node_uses}], {"label": "Label", "type": "Type"})
    rows = ([node, _cell(a["label"]), _cell(a["type"]), *[_cell(a.get(k, "")) for k in keys]]
            for node, a in view.nodes())
    yield from _csv_chunks(["Id", *headers], rows)


def _csv_edges(view: _Stream) -> Iterator[bytes]:
    headers, keys = _columns([{k: "" for k, _ in view.survey().edge_uses}], {
        "source": "Source", "target": "Target", "type": "Type", "id": "Id", "label": "Label", "weight": "Weight"})
    direction = "Directed" if view.directed else "Undirected"
    rows = ([u, v, direction, eid, _cell(a["label"]), _cell(a["weight"]), *[_cell(a.get(k, "")) for k in keys]]
            for u, v, eid, a in view.edges())
    yield from _csv_chunks(headers, rows)


def _csv_chunks_of(G: nx.Graph | FlatGraph | _Stream) -> dict[str, _Chunks]:
    if isinstance(G, _Stream):
        view = G
    else:  # the lists as they are (no networkx order)
        flat = _flat_of(G)
        view = _list_stream(flat, flat.nodes, flat.edges)
    return {".nodes": _csv_nodes(view), ".edges": _csv_edges(view)}


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
    stream: Callable[[nx.Graph | FlatGraph | _Stream], dict[str, _Chunks]]


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
            with StreamFile(fd) as fh:  # flushed and fsync-ed when closed
                for chunk in chunks:
                    fh.write(chunk)
            os.chmod(tmp, 0o644)
    except BaseException:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in temps:
        os.replace(tmp, path)
    return [path for _, path in temps]


def _format_files(flat: FlatGraph | _Stream, fmt: str, out: Path) -> list[tuple[str, Path, _Chunks]]:
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
                       base_iri: str = DEFAULT_BASE, formats: Iterable[str] | None = None) -> dict[str, Path]:
    """The full view of a build in every format into ``out_dir``: ``graph.graphml``, ``graph.gexf``,
    ``graph.nodes.csv`` and ``graph.edges.csv``. Returns ``{"graphml": path, …, "csv-nodes": …}``.
    ``formats`` (names of :data:`VIEW_FORMATS`) writes only those (none: nothing, the view is not
    made); an unknown name raises :class:`KgError` listing the known ones.

    ``g`` is the build's :class:`KnowledgeBase` (the fast way: :func:`full_view_kb`
    with ``base_iri``, the build's ``--base-iri``), an rdflib graph
    (:func:`full_view`) or an Oxigraph store (:func:`full_view_store`); ``base_iri``
    is used with a KnowledgeBase only, RDF carries its IRIs. The files are
    streamed to temporary names and renamed together once all are written:
    an error (OSError from the disk, TypeError from a value no format can
    write) propagates and leaves the earlier files as they were. From RDF,
    memory holds the flattened view and one chunk of a file at a time; from a
    KnowledgeBase, arrays of the view (:class:`_KbView`: ~200 bytes an entity,
    ~20 bytes a relation record, ~130 MiB at 10⁵ articles; the relations are read
    once, the spool's one article at a time) and the attributes of one node or edge at a time (each
    file makes them again: one pass to survey the keys, one per file to write).
    """
    chosen = list(VIEW_FORMATS) if formats is None else list(formats)
    for fmt in chosen:
        _check("full", fmt)
    if not chosen:
        return {}
    with collector_paused():
        flat: FlatGraph | _Stream
        if isinstance(g, KnowledgeBase):
            flat = _KbView(g, base_iri).stream()
        else:
            flat = flatten(full_view_store(g) if isinstance(g, ox.Store) else full_view(g))
        out_dir = Path(out_dir)
        keys: list[str] = []
        files: list[tuple[Path, _Chunks]] = []
        for fmt, spec in VIEW_FORMATS.items():
            if fmt not in chosen:
                continue
            for part, path, chunks in _format_files(flat, fmt, out_dir / f"{name}{spec.extension}"):
                keys.append(f"{fmt}-{part.lstrip('.')}" if part else fmt)
                files.append((path, chunks))
        return dict(zip(keys, _write(files), strict=True))
