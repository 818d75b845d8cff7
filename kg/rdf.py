"""KnowledgeBase → RDF: an rdflib Dataset with one named graph per article, and its exports.

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
xsd:decimal schema:value, and W3C Web Annotation selectors for every span. No
blank nodes: selector and target nodes get IRIs derived from their owner
(``…#target``, ``…#pos``, ``…#quote``). Language tags are lower case
(``zh``, ``zh-latn-pinyin``): Oxigraph lower-cases tags and rdflib does not,
so mixed case would make the two engines answer differently.

Provenance (PROV-O and Web Annotation): every mention is an oa:Annotation
whose oa:hasTarget carries an oa:TextPositionSelector (start, end) and an
oa:TextQuoteSelector (exact, prefix, suffix; prefix/suffix are empty at
the edges of the text). A quantity and a relation record (rdf:Statement) point
with prov:wasDerivedFrom at their article, at the span they were read from
(also kg:evidence) and, for relations, at the mentions of their subject and
object inside that span.

Exports are registered by format name in :data:`EXPORTERS`; every export is
deterministic (same KnowledgeBase → same bytes, whatever PYTHONHASHSEED) and
written atomically (temporary file in the same directory, then ``os.replace``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from kg.iris import (
    DEFAULT_BASE,
    FOAF,
    KG,
    OA,
    ORG,
    PROV,
    SCHEMA,
    article_iri,
    entity_iri,
    graph_iri,
    graph_statement_iri,
    mention_iri,
    pinyin_label,
    quantity_iri,
    source_iri,
    statement_iri,
)
from kg.models import Article, Entity, KnowledgeBase, Relation, Span

__all__ = [
    "EXPORTERS",
    "ENTITY_CLASSES",
    "Exporter",
    "atomic_write",
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

# Relation predicates with a standard term; any other NCName becomes kg:<predicate>.
RELATION_TERMS: dict[str, URIRef] = {
    "locatedIn": SCHEMA.containedInPlace,
    "reportedBy": SCHEMA.publisher,
    "about": SCHEMA.about,
    "author": SCHEMA.author,
    "creator": SCHEMA.creator,
}
# UN/CEFACT Recommendation 20 common codes for kg's base units (schema:unitCode).
UNIT_CODES: dict[str, str] = {"m2": "MTK", "m": "MTR", "km": "KMT", "km2": "KMK", "ha": "HAR", "t": "TNE"}

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


def _decimal(value: Decimal) -> Literal:
    """An xsd:decimal literal in plain notation: Decimal('2.55E+5') → "255000"."""
    text = format(value.normalize(), "f")
    return Literal(text, datatype=XSD.decimal)


def _bind(ds: Dataset, base: str, kb: KnowledgeBase) -> None:
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    kinds = {"article", "source", "graph"} | {k.split("/", 1)[0] for k in kb.entities if "/" in k}
    for kind in sorted(kinds):
        name = _KEY_PREFIX_NAMES.get(kind, kind)
        if _NCNAME.fullmatch(name) and name not in PREFIXES:
            ds.bind(name, Namespace(f"{base.rstrip('/')}/{kind}/"), override=True, replace=True)


class _Builder:
    """Adds one KnowledgeBase to a Dataset; ``node`` maps entity keys and article ids to IRIs."""

    def __init__(self, kb: KnowledgeBase, base: str, problems: list[str] | None = None) -> None:
        self.kb = kb
        self.problems = problems
        self.base = base
        self.ds = Dataset()
        _bind(self.ds, base, kb)
        self.entities_graph = self.ds.graph(URIRef(graph_iri(base, "entities")))
        self.curated_graph = self._curated_graph()
        self.articles: dict[str, Article] = {a.id: a for a in kb.articles}
        self.sources = {d.id: d for d in kb.sources}
        # byline name → Person key; an entity's name wins over another's printed label
        self.people: dict[str, str] = {}
        persons = [(key, e) for key, e in sorted(kb.entities.items()) if e.type == "Person"]
        for key, e in persons:
            for label in e.labels:
                self.people.setdefault(label, key)
        self.people.update({e.name: key for key, e in persons})
        # (article id, entity key) → mention spans, for the mentions supporting a relation
        self.mention_spans: dict[tuple[str, str], list[Span]] = {}
        for rm in kb.mentions:
            self.mention_spans.setdefault((rm.mention.article_id, rm.entity), []).append(rm.mention.span)

    def _curated_graph(self) -> Graph:
        """The curated-facts graph, created with a description of itself so it exists even when empty."""
        name = URIRef(graph_iri(self.base, "curated"))
        g = self.ds.graph(name)
        g.add((name, RDF.type, PROV.Bundle))
        g.add((name, RDFS.label, Literal("curated facts", lang="en")))
        g.add((name, RDFS.label, Literal("人工整理的事实", lang=ZH)))
        g.add((name, RDFS.comment, Literal(
            "Entities and relations from curated files (sources/curated/*.yaml); they win over extraction.",
            lang="en")))
        return g

    # -- helpers

    def problem(self, message: str) -> None:
        """Report a reference the export had to skip: logged, and added to ``problems`` if given."""
        log.warning("kg.rdf: %s", message)
        if self.problems is not None:
            self.problems.append(f"rdf: {message}")

    def node(self, ref: str) -> URIRef | None:
        """IRI of an entity key or article id; None (and a log line) if neither exists."""
        if ref in self.kb.entities:
            return URIRef(entity_iri(self.base, ref))
        if ref in self.articles:
            return URIRef(article_iri(self.base, ref))
        self.problem(f"{ref!r} is neither an entity key nor an article id; its triples are skipped")
        return None

    def article_graph(self, article_id: str | None) -> Graph:
        if article_id is None or article_id not in self.articles:
            return self.entities_graph
        return self.ds.graph(URIRef(article_iri(self.base, article_id)))

    def target(self, g: Graph, owner: str, article_id: str, span: Span, exact: str | None) -> URIRef:
        """Add ``owner#target`` (oa:SpecificResource) with position and quote selectors; return it."""
        source = URIRef(article_iri(self.base, article_id))
        target, pos, quote = (URIRef(f"{owner}#{part}") for part in ("target", "pos", "quote"))
        g.add((target, RDF.type, OA.SpecificResource))
        g.add((target, OA.hasSource, source))
        g.add((target, OA.hasSelector, pos))
        g.add((pos, RDF.type, OA.TextPositionSelector))
        g.add((pos, OA.start, Literal(str(span.start), datatype=XSD.nonNegativeInteger)))
        g.add((pos, OA.end, Literal(str(span.end), datatype=XSD.nonNegativeInteger)))
        article = self.articles.get(article_id)
        text = article.text if article is not None else None
        if exact is None and text is not None:
            exact = text[span.start : span.end]
        if exact is not None:
            g.add((target, OA.hasSelector, quote))
            g.add((quote, RDF.type, OA.TextQuoteSelector))
            g.add((quote, OA.exact, Literal(exact)))
            if text is not None:  # "" at the edges of the text, so every quote has all three
                g.add((quote, OA.prefix, Literal(text[max(0, span.start - QUOTE_CONTEXT) : span.start])))
                g.add((quote, OA.suffix, Literal(text[span.end : span.end + QUOTE_CONTEXT])))
        return target

    # -- stages

    def entity(self, e: Entity) -> None:
        curated = e.attributes.get(CURATED_ATTRIBUTE) == "true"
        g, s = self.curated_graph if curated else self.entities_graph, URIRef(entity_iri(self.base, e.key))
        cls = KG.FunctionalZone if e.type == "AdministrativeArea" and e.subtype == FUNCTIONAL_ZONE else None
        g.add((s, RDF.type, cls or ENTITY_CLASSES[e.type]))
        if e.attributes.get("newspaper") == "true":
            g.add((s, RDF.type, SCHEMA.NewsMediaOrganization))
        g.add((s, RDFS.label, Literal(e.name, lang=ZH)))
        pinyin = pinyin_label(e.name)
        if pinyin:
            g.add((s, RDFS.label, Literal(pinyin, lang=PINYIN)))
        for label in e.labels:
            if label and label != e.name:
                g.add((s, SKOS.altLabel, Literal(label, lang=ZH)))
        if e.subtype:
            g.add((s, KG.level, Literal(e.subtype)))
        if e.code:
            g.add((s, KG.divisionCode, Literal(e.code)))
        g.add((s, KG.linked, Literal(e.linked)))
        qualified = e.attributes.get("qualified_name") or e.attributes.get("qualifiedName")
        if qualified:
            g.add((s, KG.qualifiedName, Literal(qualified, lang=ZH)))
        if e.parent:
            parent = self.node(e.parent)
            if parent is not None:
                g.add((s, SCHEMA.containedInPlace, parent))

    def source(self, doc_id: str) -> None:
        """The page node: digest and encoding from its SourceDocument; when the KnowledgeBase has none
        (only articles), the page is still typed and described from its articles' metadata."""
        doc = self.sources.get(doc_id)
        g = self.ds.graph(URIRef(graph_iri(self.base, "sources")))
        s = URIRef(source_iri(self.base, doc_id))
        g.add((s, RDF.type, SCHEMA.CreativeWork))
        if doc is not None:
            g.add((s, KG.sha256, Literal(doc.sha256)))
            g.add((s, KG.encoding, Literal(doc.encoding)))
            meta = doc.metadata
        else:
            meta = next(a.metadata for a in self.kb.articles if a.source_id == doc_id)
        if meta.newspaper:
            g.add((s, KG.newspaper, Literal(meta.newspaper, lang=ZH)))
        if meta.date:
            g.add((s, SCHEMA.datePublished, Literal(meta.date.isoformat(), datatype=XSD.date)))
        if meta.page:
            g.add((s, SCHEMA.pagination, Literal(meta.page)))
        if meta.section:
            g.add((s, SCHEMA.articleSection, Literal(meta.section, lang=ZH)))
        if meta.url:
            g.add((s, SCHEMA.url, Literal(meta.url, datatype=XSD.anyURI)))

    def article(self, a: Article) -> None:
        g, s = self.article_graph(a.id), URIRef(article_iri(self.base, a.id))
        g.add((s, RDF.type, SCHEMA.Photograph if a.kind == "photo" else SCHEMA.NewsArticle))
        if a.headline:
            g.add((s, SCHEMA.headline, Literal(a.headline, lang=ZH)))
        if a.kicker:
            g.add((s, KG.kicker, Literal(a.kicker, lang=ZH)))
        if a.dateline_place:
            g.add((s, KG.datelinePlace, Literal(a.dateline_place, lang=ZH)))
        g.add((s, SCHEMA.text, Literal(a.text, lang=ZH)))
        g.add((s, SCHEMA.position, Literal(a.index)))
        g.add((s, SCHEMA.isPartOf, URIRef(source_iri(self.base, a.source_id))))
        g.add((s, KG.paragraphCount, Literal(len(a.paragraphs))))
        g.add((s, KG.sourceLines, Literal(f"{a.source_lines[0]}-{a.source_lines[1]}")))
        if a.metadata.date:
            g.add((s, SCHEMA.datePublished, Literal(a.metadata.date.isoformat(), datatype=XSD.date)))
        people = self.people
        for name in a.correspondents:
            if name in people:
                g.add((s, SCHEMA.author, URIRef(entity_iri(self.base, people[name]))))
        for name in a.photographers:
            if name in people:
                g.add((s, SCHEMA.creator, URIRef(entity_iri(self.base, people[name]))))

    def mentions(self) -> None:
        for rm in self.kb.mentions:
            m = rm.mention
            entity = self.node(rm.entity) if rm.entity in self.kb.entities else None
            if entity is None:
                self.problem(f"{m.article_id}: mention {m.surface!r} at {m.span.start}-{m.span.end} resolves "
                             f"to unknown entity {rm.entity!r}; skipped")
                continue
            g = self.article_graph(m.article_id)
            article = URIRef(article_iri(self.base, m.article_id))
            s = mention_iri(self.base, m.article_id, m.span.start, m.span.end)
            node = URIRef(s)
            g.add((node, RDF.type, KG.Mention))
            g.add((node, RDF.type, OA.Annotation))
            g.add((node, OA.motivatedBy, OA.identifying))
            g.add((node, KG.mentionOf, entity))
            g.add((node, KG.inArticle, article))
            if m.rule:
                g.add((node, KG.rule, Literal(m.rule)))
            g.add((node, OA.hasTarget, self.target(g, s, m.article_id, m.span, m.surface)))
            if m.article_id in self.articles:
                g.add((article, SCHEMA.mentions, entity))

    def quantities(self) -> None:
        for q in self.kb.quantities:
            g = self.article_graph(q.article_id)
            article = URIRef(article_iri(self.base, q.article_id))
            s = quantity_iri(self.base, q.article_id, q.span.start, q.span.end)
            node = URIRef(s)
            g.add((node, RDF.type, SCHEMA.QuantitativeValue))
            if q.value is not None:
                g.add((node, SCHEMA.value, _decimal(q.value)))
            if q.min_value is not None:
                g.add((node, SCHEMA.minValue, _decimal(q.min_value)))
            if q.max_value is not None:
                g.add((node, SCHEMA.maxValue, _decimal(q.max_value)))
            g.add((node, SCHEMA.unitText, Literal(q.unit)))
            if q.unit in UNIT_CODES:
                g.add((node, SCHEMA.unitCode, Literal(UNIT_CODES[q.unit])))
            g.add((node, KG.qualifier, Literal(q.qualifier)))
            if q.measures:
                g.add((node, KG.measures, Literal(q.measures, lang=ZH)))
            if q.subject:
                about = self.node(q.subject)
                if about is not None:
                    g.add((node, KG.about, about))
            for key in getattr(q, "recipients", None) or []:
                recipient = self.node(key)
                if recipient is not None:
                    g.add((node, KG.recipient, recipient))
            g.add((node, KG.inArticle, article))
            g.add((node, PROV.wasDerivedFrom, article))
            target = self.target(g, s, q.article_id, q.span, q.surface)
            g.add((node, KG.evidence, target))
            g.add((node, PROV.wasDerivedFrom, target))

    def relations(self) -> None:
        for r in self.kb.relations:
            subject, obj = self.node(r.subject), self.node(r.object)
            if subject is None or obj is None:
                continue
            predicate = RELATION_TERMS.get(r.predicate)
            if predicate is None:
                if not _NCNAME.fullmatch(r.predicate):
                    self.problem(f"relation predicate {r.predicate!r} is not a name (letters, digits, _); skipped")
                    continue
                predicate = KG[r.predicate]
            curated = r.rule.startswith(CURATED_RULE_PREFIX)
            g = self.curated_graph if curated else self.article_graph(r.article_id)
            g.add((subject, predicate, obj))
            in_article = r.article_id is not None and r.article_id in self.articles
            merge = r.predicate == MERGE_CANDIDATE
            if not in_article and not curated and not merge:
                continue
            start, end = (r.evidence.start, r.evidence.end) if r.evidence else (None, None)
            if r.article_id is not None and in_article:
                s = statement_iri(self.base, r.article_id, r.subject, r.predicate, r.object, start, end)
            else:
                s = graph_statement_iri(self.base, "curated" if curated else "entities", r.subject, r.predicate,
                                        r.object)
            node = URIRef(s)
            g.add((node, RDF.type, RDF.Statement))
            g.add((node, RDF.subject, subject))
            g.add((node, RDF.predicate, predicate))
            g.add((node, RDF.object, obj))
            if r.rule:
                g.add((node, KG.rule, Literal(r.rule)))
            if merge:
                g.add((node, KG.evidence, Literal(self.merge_evidence(r))))
            if r.article_id is None or not in_article:
                if curated:
                    g.add((node, PROV.wasDerivedFrom, self.curated_graph.identifier))
                continue
            article = URIRef(article_iri(self.base, r.article_id))
            g.add((node, KG.inArticle, article))
            g.add((node, PROV.wasDerivedFrom, article))
            if r.evidence is not None:
                target = self.target(g, s, r.article_id, r.evidence, None)
                g.add((node, KG.evidence, target))
                g.add((node, PROV.wasDerivedFrom, target))
                for mention in self.supporting_mentions(r.article_id, (r.subject, r.object), r.evidence):
                    g.add((node, PROV.wasDerivedFrom, mention))

    def merge_evidence(self, r: Relation) -> str:
        """Why two entities may be one (a merge candidate): the review row's reason and where each is
        mentioned (``article@offset``), else the relation's rule."""
        for row in getattr(self.kb, "merge_candidates", None) or []:
            if (row.get("key_a"), row.get("key_b")) == (r.subject, r.object):
                reason, where = row.get("reason", ""), row.get("evidence", "")
                return f"{reason}; mentions: {where}" if where else reason
        return r.rule.removeprefix("review:").strip() or "merge candidate"

    def supporting_mentions(self, article_id: str, keys: Iterable[str], evidence: Span) -> list[URIRef]:
        """The mentions of ``keys`` in the article whose spans overlap the evidence span."""
        found: list[URIRef] = []
        for key in keys:
            for sp in self.mention_spans.get((article_id, key), []):
                if sp.start < evidence.end and evidence.start < sp.end:
                    found.append(URIRef(mention_iri(self.base, article_id, sp.start, sp.end)))
        return found


def to_dataset(kb: KnowledgeBase, base: str = DEFAULT_BASE, *, problems: list[str] | None = None) -> Dataset:
    """Build the Dataset of a KnowledgeBase: one named graph per article plus entities and sources.

    ``base`` is the IRI base (``--base-iri``), without a trailing slash.
    References to unknown entity keys are skipped, never turned into
    dangling IRIs; each is logged and, when ``problems`` is given, appended
    to it as one line (as the other stages report into ``BuildReport.problems``).
    """
    b = _Builder(kb, base.rstrip("/"), problems)
    for key in sorted(kb.entities):
        b.entity(kb.entities[key])
    for source_id in sorted({a.source_id for a in kb.articles} | {d.id for d in kb.sources}):
        b.source(source_id)
    for article in kb.articles:
        b.article(article)
    b.mentions()
    b.quantities()
    b.relations()
    return b.ds


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


def _named_graphs(ds: Dataset) -> list[Graph]:
    """Non-empty graphs of a Dataset sorted by name (the default graph, if used, first)."""
    graphs = [g for g in ds.graphs() if len(g)]
    default = ds.default_graph.identifier
    return sorted(graphs, key=lambda g: (g.identifier != default, str(g.identifier)))


class _DecimalAsTyped:
    """Serializer mixin: write xsd:decimal as ``"255000"^^xsd:decimal``, keeping the lexical form.

    rdflib's shorthand would write ``255000.0``, which reads back as a
    different lexical form than Oxigraph's canonical ``255000``.
    """

    def label(self, node: Node, position: int) -> str:
        if isinstance(node, Literal) and node.datatype == XSD.decimal:
            dt = self.get_pname(XSD.decimal, True) or f"<{XSD.decimal}>"  # type: ignore[attr-defined]
            return f'"{node}"^^{dt}'
        return super().label(node, position)  # type: ignore[misc]


class _Turtle(_DecimalAsTyped, TurtleSerializer):
    pass


class _TriG(_DecimalAsTyped, TrigSerializer):
    def __init__(self, store: Dataset) -> None:
        # TrigSerializer.__init__ lists graphs with the deprecated Dataset.contexts(), in
        # set order; list them sorted instead so the output does not depend on hashing.
        self.contexts = _named_graphs(store)
        self.default_context = store.default_graph.identifier
        TurtleSerializer.__init__(self, store)


def _serialize(serializer: TurtleSerializer) -> bytes:
    buf = BytesIO()
    serializer.serialize(buf, encoding="utf-8")
    return buf.getvalue()


@dataclass(frozen=True)
class Exporter:
    """One export format: its file name and a function rendering a Dataset to bytes."""

    name: str
    filename: str
    render: Callable[[Dataset], bytes]

    def __call__(self, ds: Dataset) -> bytes:
        return self.render(ds)


EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, filename: str) -> Callable[[Callable[[Dataset], bytes]], Callable[[Dataset], bytes]]:
    """Decorator: register ``render(ds) -> bytes`` as the exporter for format ``name``."""

    def wrap(render: Callable[[Dataset], bytes]) -> Callable[[Dataset], bytes]:
        EXPORTERS[name] = Exporter(name, filename, render)
        return render

    return wrap


@register_exporter("turtle", "graph.ttl")
def render_turtle(ds: Dataset) -> bytes:
    """The union of all graphs as Turtle (subjects, predicates and objects sorted by rdflib)."""
    return _serialize(_Turtle(union_graph(ds)))


@register_exporter("trig", "graph.trig")
def render_trig(ds: Dataset) -> bytes:
    """Every named graph as TriG, graphs sorted by name."""
    return _serialize(_TriG(ds))


@register_exporter("nquads", "graph.nq")
def render_nquads(ds: Dataset) -> bytes:
    """N-Quads, one line per quad, lines sorted."""
    lines: list[str] = []
    default = ds.default_graph.identifier
    for g in _named_graphs(ds):
        nt = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
        for line in nt.splitlines():
            line = line.rstrip()
            if not line:
                continue
            if g.identifier == default:
                lines.append(line)
            else:
                lines.append(f"{line[:-1].rstrip()} <{g.identifier}> .")
    lines.sort()
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _jsonld_value(o: Node) -> dict[str, str]:
    if isinstance(o, Literal):
        value: dict[str, str] = {"@value": str(o)}
        if o.language:
            value["@language"] = o.language
        elif o.datatype is not None and o.datatype != XSD.string:
            value["@type"] = str(o.datatype)
        return value
    return {"@id": str(o)}


CONTEXT_FILE = Path(__file__).resolve().parent / "schema" / "context.jsonld"


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD ``@context`` of kg's exports (``schema/context.jsonld``): vocabulary prefixes and a
    few terms (``label`` as a language map, ``containedInPlace`` as an IRI …) for users who compact."""
    context: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return context


@register_exporter("json-ld", "graph.jsonld")
def render_jsonld(ds: Dataset) -> bytes:
    """JSON-LD 1.1 in expanded node form under kg's context; graphs, nodes and values sorted.

    The ``@context`` is the whole of ``schema/context.jsonld``, embedded so the
    file reads offline. Property keys and ``@type`` values are compact IRIs
    (``schema:headline``, ``kg:Mention``) where one of its prefixes fits; node
    IRIs are written in full. Literals keep their lexical form
    (``{"@value": "255000", "@type": "xsd:decimal"}``), so the context's
    term definitions never change a value.
    """
    context = jsonld_context()
    prefixes = {p: ns for p, ns in context.items() if isinstance(ns, str) and ns.endswith(("/", "#"))}
    by_ns = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda x: (-len(x[0]), x[1]))

    def compact(iri: str) -> str:
        for ns, p in by_ns:
            local = iri[len(ns) :]
            if iri.startswith(ns) and _NCNAME.fullmatch(local):
                return f"{p}:{local}"
        return iri

    def value(o: Node) -> dict[str, str]:
        out = _jsonld_value(o)
        if "@type" in out:
            out["@type"] = compact(out["@type"])
        return out

    def nodes(g: Graph) -> list[dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for s, p, o in g:
            node = out.setdefault(str(s), {"@id": str(s)})
            if p == RDF.type and not isinstance(o, Literal):
                node.setdefault("@type", []).append(compact(str(o)))
            else:
                node.setdefault(compact(str(p)), []).append(value(o))
        for node in out.values():
            for values in node.values():
                if isinstance(values, list):
                    values.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return [out[s] for s in sorted(out)]

    default = ds.default_graph.identifier
    top: dict[str, dict[str, Any]] = {}
    for g in _named_graphs(ds):
        if g.identifier == default:
            for node in nodes(g):
                top[node["@id"]] = node
        else:
            name = str(g.identifier)
            top.setdefault(name, {"@id": name})["@graph"] = nodes(g)
    doc = {"@context": context, "@graph": [top[k] for k in sorted(top)]}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


@register_exporter("ntriples", "graph.nt")
def render_ntriples(ds: Dataset) -> bytes:
    """The union of all graphs as N-Triples, one line per distinct triple, lines sorted (diffable)."""
    nt = union_graph(ds).serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted({line.rstrip() for line in nt.splitlines() if line.strip()})
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


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


def write_exports(ds: Dataset, out_dir: Path, formats: Iterable[str] | None = None) -> dict[str, Path]:
    """Render ``ds`` in every registered format (or ``formats``) and write them into ``out_dir``.

    Returns ``{format name: path}``. All formats are rendered before any file
    is written, and each file is replaced atomically, so a failed export
    never leaves a half-written file. Unknown format names raise KeyError.
    """
    names = list(EXPORTERS) if formats is None else list(formats)
    exporters = [EXPORTERS[name] for name in names]
    with quiet_rdflib():
        rendered = [(exp, exp(ds)) for exp in exporters]
    out_dir = Path(out_dir)
    return {exp.name: atomic_write(out_dir / exp.filename, data) for exp, data in rendered}
