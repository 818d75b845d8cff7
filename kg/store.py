"""KnowledgeBase → quads without rdflib, and the Oxigraph store they load into.

:func:`kb_quads` writes the graph of a KnowledgeBase as quads of N-Triples
term strings (``('<…/mention/10-13>', '<…#type>', '<…#Mention>', '<…/article/a1>')``),
one Python tuple per quad, with no rdflib object per term: at 10⁵ articles
(several million quads) this takes seconds where building an rdflib Dataset
takes minutes. It is the only place the RDF of a build is made:
:func:`kg.rdf.to_dataset` parses these quads into rdflib for small graphs,
and the exports (:mod:`kg.rdf`) are written from them.

Graphs and terms (see also the :mod:`kg.rdf` docstring):

    {base}/article/{id}     the article node, its mentions, quantities and the
                            relations it is evidence for (with their provenance)
    {base}/graph/entities   entity descriptions from resolution
    {base}/graph/curated    curated facts (always present: it describes itself)
    {base}/graph/sources    the source pages: digest, encoding, newspaper, date
    {base}/graph/statistics summaries of the whole build (figures by unit)

:func:`load_store` bulk-loads quads into a :class:`pyoxigraph.Store` (in
memory, or on disk in a directory that ``kg query DIR`` opens later).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.iris import (
    DEFAULT_BASE,
    article_iri,
    entity_iri,
    graph_iri,
    graph_statement_iri,
    mention_iri,
    pinyin_label,
    quantity_iri,
    source_iri,
    statement_iri,
    unit_summary_iri,
)
from kg.models import Article, Entity, KnowledgeBase, PageMetadata, Quantity, Relation, ResolvedMention, Span
from kg.spool import ArticleRecords, quantity_value

__all__ = ["GraphPieces", "PROVENANCE_MODES", "Quad", "RecordRow", "STORE_MARKER", "Shape", "graph_chunks",
           "kb_quads", "literal", "load_store", "nquad_line", "open_store", "row_quads"]

log = logging.getLogger(__name__)

Quad = tuple[str, str, str, str]
"""(subject, predicate, object, graph) as N-Triples terms: ``<iri>`` or ``"literal"@zh`` …"""

STORE_MARKER = "kg-store.txt"
"""A file kg writes into a store directory, so ``kg query DIR`` knows the folder is a kg store."""

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_KG = "https://kg.example.org/ns#"
_SCHEMA = "https://schema.org/"
_OA = "http://www.w3.org/ns/oa#"
_PROV = "http://www.w3.org/ns/prov#"

ZH = "zh"
CHUNK_NODES = 5_000  # entities, sources or relations of no article per piece of a shared graph
PINYIN = "zh-latn-pinyin"
QUOTE_CONTEXT = 10  # characters of oa:prefix / oa:suffix around a quoted span
MERGE_CANDIDATE = "mergeCandidate"
FUNCTIONAL_ZONE = "功能区"
CURATED_RULE_PREFIX = "curated"
CURATED_ATTRIBUTE = "curated"


_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _V:
    """N-Triples IRI terms of one namespace: ``_V(ns).name`` → ``'<ns+name>'``."""

    def __init__(self, ns: str) -> None:
        self._ns = ns

    def __getattr__(self, name: str) -> str:
        term = f"<{self._ns}{name}>"
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> str:
        return self.__getattr__(name)


RDF, RDFS, SKOS, XSD = _V(_RDF), _V(_RDFS), _V(_SKOS), _V(_XSD)
KG, SCHEMA, OA, PROV = _V(_KG), _V(_SCHEMA), _V(_OA), _V(_PROV)

ENTITY_CLASSES: dict[str, str] = {t: KG[t] for t in ("AdministrativeArea", "Place", "Organization", "Program",
                                                      "Person")}
# Relation predicates with a standard term; any other NCName becomes kg:<predicate>.
RELATION_TERMS: dict[str, str] = {
    "locatedIn": SCHEMA.containedInPlace,
    "reportedBy": SCHEMA.publisher,
    "about": SCHEMA.about,
    "author": SCHEMA.author,
    "creator": SCHEMA.creator,
}
# UN/CEFACT Recommendation 20 common codes for kg's base units (schema:unitCode).
UNIT_CODES: dict[str, str] = {"m2": "MTK", "m": "MTR", "km": "KMT", "km2": "KMK", "ha": "HAR", "t": "TNE"}


def _escapes() -> dict[int, str]:
    """Oxigraph's escapes (canonical N-Triples: ``\\n``, ``\\"``, ``\\u0001`` …), so kg's lines equal its own."""
    table: dict[int, str] = {}
    for code in range(0x100):
        c = chr(code)
        written = str(ox.Literal(c))[1:-1]
        if written != c:
            table[code] = written
    return table


_ESCAPES = _escapes()
_TO_ESCAPE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_ESCAPES)) + "]")


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """An N-Triples (and Turtle) literal: ``"text"``, ``"text"@lang`` or ``"text"^^<datatype>``.

    ``datatype`` is an N-Triples IRI term (``XSD.decimal``); backslash, quote,
    line breaks, tabs and other control characters are escaped as Oxigraph
    writes them (canonical N-Triples), so a line reads back to the same string.
    """
    body = text.translate(_ESCAPES) if _TO_ESCAPE.search(text) else text  # translate is slow: most texts need none
    if lang:
        return f'"{body}"@{lang}'
    if datatype:
        return f'"{body}"^^{datatype}'
    return f'"{body}"'


def nquad_line(q: Quad) -> str:
    """One N-Quads line (with its newline); graph ``""`` is the default graph."""
    return f"{q[0]} {q[1]} {q[2]} {q[3]} .\n" if q[3] else f"{q[0]} {q[1]} {q[2]} .\n"


def _decimal(value: Decimal) -> str:
    """An xsd:decimal literal in plain notation: Decimal('2.55E+5') → "255000"."""
    return f'"{format(value.normalize(), "f")}"^^{XSD.decimal}'


# the literals of the small integers (offsets into an article, positions, counts), made once
_SMALL = 1 << 13
_INTS = [f'"{value}"^^{XSD.integer}' for value in range(_SMALL)]
_NNIS = [f'"{value}"^^{XSD.nonNegativeInteger}' for value in range(_SMALL)]


def _int(value: int) -> str:
    return _INTS[value] if 0 <= value < _SMALL else f'"{value}"^^{XSD.integer}'


def _nni(value: int) -> str:
    return _NNIS[value] if 0 <= value < _SMALL else f'"{value}"^^{XSD.nonNegativeInteger}'


Shape = tuple[str, ...]
"""What a record row states: its class (the object of its one ``rdf:type``), then the predicates of
its other statements, in the order of :data:`RecordRow`'s values. A predicate comes twice only with
IRIs in the order their quads and their JSON-LD values sort in (:func:`_sorts_alike`)."""

RecordRow = tuple[str, Shape, tuple[str, ...]]
"""A record of an article's own graph (a mention, a figure …) before it is made quads
(:func:`row_quads`): (its IRI term, :data:`Shape`, the object terms of the shape's predicates).
Renderers fill per-format templates from rows (:class:`kg.export._Renderer`): every row of a shape
has objects of the same kinds (IRI, literal of one datatype or language) in the same places."""


def row_quads(row: RecordRow, graph: str) -> list[Quad]:
    """The quads in ``graph`` of a :data:`RecordRow`: its type, then one per predicate of its shape."""
    s, shape, values = row
    quads = [(s, RDF.type, shape[0], graph)]
    quads += [(s, p, o, graph) for p, o in zip(shape[1:], values, strict=True)]
    return quads


def _sorts_alike(iris: Sequence[str]) -> bool:
    """Whether IRI terms in term order are also in the order JSON-LD sorts their ``{"@id": …}`` text:
    so for none or one, and for two unless one's IRI starts the other's (``…/mention/1-2`` and
    ``…/mention/1-23``: ``>`` sorts after ``3``, ``"`` before). More are not compared: False."""
    if len(iris) < 2:
        return True
    if len(iris) > 2:
        return False
    a, b = iris[0][:-1], iris[1][:-1]
    return not (a.startswith(b) or b.startswith(a))


_MENTION: Shape = (KG.Mention, KG.mentionOf, KG.inArticle, KG.start, KG.end, KG.exact)
_MENTION_RULED: Shape = (*_MENTION, KG.rule)

PROVENANCE_MODES = ("compact", "full")
"""How spans are written: ``compact`` puts ``kg:start``, ``kg:end`` (character offsets into the
article's ``schema:text``, end exclusive) and ``kg:exact`` on the mention, quantity or relation
record itself; ``full`` adds W3C Web Annotation nodes (an ``oa:SpecificResource`` with an
``oa:TextPositionSelector`` and an ``oa:TextQuoteSelector`` with prefix and suffix) — about twice
the triples of a build."""


@dataclass
class WorkerSetup:
    """What a worker process that does not hold the KnowledgeBase needs to make article graphs and
    shared-graph tasks (:meth:`GraphPieces.worker_setup`, :meth:`GraphPieces.in_worker`): the base
    IRI, provenance mode, every entity key (sorted), every article id (input order), the people map
    (a name or label → its Person's key), the spool's curated fixes (:attr:`kg.spool.RecordSpool.fixes`)
    and whether problems are collected."""

    base: str
    provenance: str
    keys: list[str]
    article_ids: list[str]
    people: dict[str, str]
    fixes: list[Any] = field(default_factory=list)
    problems: bool = True


@dataclass
class _WorkerKb:
    """A worker's stand-in for the KnowledgeBase (:meth:`_Emitter.in_worker`): its entity keys."""

    entities: set[str]
    fixes: list[Any]
    spool: Any = None


class _Emitter:
    """Writes one KnowledgeBase as quads; ``node`` maps entity keys and article ids to IRI terms."""

    def __init__(self, kb: KnowledgeBase, base: str, problems: list[str] | None = None,
                 provenance: str = "compact") -> None:
        self._start(kb, base, problems, provenance)
        self.articles: dict[str, Article | None] = {a.id: a for a in kb.articles}
        self.article_terms: dict[str, str] = {a: f"<{article_iri(base, a)}>" for a in self.articles}
        self.sources = {d.id: d for d in kb.sources}
        self.source_metadata: dict[str, PageMetadata] = {}  # a source's metadata as its first article has it
        for a in kb.articles:
            self.source_metadata.setdefault(a.source_id, a.metadata)
        self.people: dict[str, str] = {}
        persons = [(key, e) for key, e in sorted(kb.entities.items()) if e.type == "Person"]
        for key, e in persons:
            for label in e.labels:
                self.people.setdefault(label, key)
        self.people.update({e.name: key for key, e in persons})
        self.mention_spans: dict[tuple[str, str], list[Span]] = {}
        for rm in kb.mentions:
            self.mention_spans.setdefault((rm.mention.article_id, rm.entity), []).append(rm.mention.span)
        self.merge_rows = {(row.get("key_a"), row.get("key_b")): row
                           for row in reversed(getattr(kb, "merge_candidates", None) or [])}

    def _start(self, kb: Any, base: str, problems: list[str] | None, provenance: str) -> None:
        """What every emitter holds, in this process or in a worker (:meth:`in_worker`)."""
        if provenance not in PROVENANCE_MODES:
            raise ValueError(f"provenance must be one of {', '.join(PROVENANCE_MODES)}, not {provenance!r}")
        self.full = provenance == "full"
        self.kb = kb
        self.problems = problems
        self.base = base
        self.quads: list[Quad] = []
        self.shapes: dict[Shape, Shape] = {}  # one tuple per shape (rows share it)
        self.rows_graph = ""  # the article graph whose records go to rows
        self.rows: list[RecordRow] | None = None  # when a list, records of an article's graph go here (row())
        self.entities_graph = f"<{graph_iri(base, 'entities')}>"
        self.curated_graph = f"<{graph_iri(base, 'curated')}>"
        self.sources_graph = f"<{graph_iri(base, 'sources')}>"
        self.statistics_graph = f"<{graph_iri(base, 'statistics')}>"
        self.entity_terms: dict[str, str] = {}
        # what a task's data (GraphPieces.task_data) gives a worker instead of this process's objects
        self.current: Article | None = None  # the article whose graph is being made
        self.counts: dict[str, int] | None = None  # article counts of the entities being described
        self.rows_given: dict[tuple[Any, Any], dict[str, str]] | None = None  # merge rows of the relations

    @classmethod
    def in_worker(cls, setup: WorkerSetup) -> _Emitter:
        """An emitter of article graphs and shared-graph tasks in a worker process that does not hold
        the KnowledgeBase: the entity keys (a set: ``kb.entities`` is only asked whether it holds a
        key), article ids and people of ``setup``; each task brings the objects it reads
        (:meth:`GraphPieces.task_data`, the article and its records)."""
        self = cls.__new__(cls)
        kb = _WorkerKb(set(setup.keys), setup.fixes)
        self._start(kb, setup.base, [] if setup.problems else None, setup.provenance)
        self.articles = dict.fromkeys(setup.article_ids)
        self.article_terms = {a: f"<{article_iri(setup.base, a)}>" for a in setup.article_ids}
        self.sources, self.source_metadata, self.mention_spans, self.merge_rows = {}, {}, {}, {}
        self.people = setup.people
        return self

    def article_text(self, article_id: str) -> str | None:
        """The text of article ``article_id`` (None if unknown): :attr:`current`'s if it is that article."""
        current = self.current
        if current is not None and current.id == article_id:
            return current.text
        article = self.articles.get(article_id)  # None in a worker: it has the current article only
        return article.text if article is not None else None

    def _curated_self(self) -> None:
        g = name = self.curated_graph
        add = self.quads.append
        add((name, RDF.type, PROV.Bundle, g))
        add((name, RDFS.label, literal("curated facts", "en"), g))
        add((name, RDFS.label, literal("人工整理的事实", ZH), g))
        add((name, RDFS.comment, literal(
            "Entities and relations from curated files (sources/curated/*.yaml); they win over extraction.",
            "en"), g))

    # -- helpers

    def problem(self, message: str) -> None:
        log.warning("kg.rdf: %s", message)
        if self.problems is not None:
            self.problems.append(f"rdf: {message}")

    def record(self, node: str, predicates: Sequence[str], values: Sequence[str], g: str,
               repeated: Sequence[str] = ()) -> None:
        """A record in graph ``g`` (compact provenance): its class and predicates, their objects. A row
        if :attr:`rows` takes those of ``g`` and the order of its quads cannot depend on its values
        (``repeated``, the IRIs of its one repeated predicate in order, sort alike as terms and as
        JSON-LD text: :func:`_sorts_alike`), else its quads."""
        key = predicates if isinstance(predicates, tuple) else tuple(predicates)
        row = (node, self.shapes.setdefault(key, key), tuple(values))
        if self.rows is not None and g == self.rows_graph and _sorts_alike(repeated):
            self.rows.append(row)
        else:
            self.quads += row_quads(row, g)

    def entity_term(self, key: str) -> str:
        term = self.entity_terms.get(key)
        if term is None:
            term = self.entity_terms[key] = f"<{entity_iri(self.base, key)}>"
        return term

    def node(self, ref: str) -> str | None:
        if ref in self.kb.entities:
            return self.entity_term(ref)
        if ref in self.articles:
            return self.article_terms[ref]
        self.problem(f"{ref!r} is neither an entity key nor an article id; its triples are skipped")
        return None

    def article_graph(self, article_id: str | None) -> str:
        if article_id is None or article_id not in self.articles:
            return self.entities_graph
        return self.article_terms[article_id]

    def article_term(self, article_id: str) -> str:
        term = self.article_terms.get(article_id)
        return term if term is not None else f"<{article_iri(self.base, article_id)}>"

    def span(self, g: str, owner: str, article_id: str, span: Span, exact: str | None) -> str | None:
        """The span's provenance: on ``<owner>`` itself (compact, returns None) or as an
        oa:SpecificResource node ``<owner#target>`` with two selectors (full, returns its term)."""
        if self.full:
            return self.target(g, owner, article_id, span, exact)
        add = self.quads.append
        node = f"<{owner}>"
        add((node, KG.start, _nni(span.start), g))
        add((node, KG.end, _nni(span.end), g))
        if exact is None:
            text = self.article_text(article_id)
            exact = text[span.start : span.end] if text is not None else None
        if exact is not None:
            add((node, KG.exact, literal(exact), g))
        return None

    def target(self, g: str, owner: str, article_id: str, span: Span, exact: str | None) -> str:
        add = self.quads.append
        source = self.article_term(article_id)
        target, pos, quote = f"<{owner}#target>", f"<{owner}#pos>", f"<{owner}#quote>"
        add((target, RDF.type, OA.SpecificResource, g))
        add((target, OA.hasSource, source, g))
        add((target, OA.hasSelector, pos, g))
        add((pos, RDF.type, OA.TextPositionSelector, g))
        add((pos, OA.start, _nni(span.start), g))
        add((pos, OA.end, _nni(span.end), g))
        text = self.article_text(article_id)
        if exact is None and text is not None:
            exact = text[span.start : span.end]
        if exact is not None:
            add((target, OA.hasSelector, quote, g))
            add((quote, RDF.type, OA.TextQuoteSelector, g))
            add((quote, OA.exact, literal(exact), g))
            if text is not None:
                add((quote, OA.prefix, literal(text[max(0, span.start - QUOTE_CONTEXT) : span.start]), g))
                add((quote, OA.suffix, literal(text[span.end : span.end + QUOTE_CONTEXT]), g))
        return target

    # -- stages

    @cached_property
    def _spooled(self) -> tuple[dict[str, int], dict[str, list[Any]]]:
        """One pass over the spool (:mod:`kg.spool`, each pass reads and decodes every article's
        records: seconds at 10⁵ articles) for what :attr:`article_counts` and :meth:`unit_summaries`
        take from the spooled articles: entity key → articles naming it, unit → accumulator."""
        counts: dict[str, int] = {}
        units: dict[str, list[Any]] = {}
        spool = self.kb.spool
        if spool is not None:
            for rec in spool.light():
                if rec.article_id in self.articles:
                    for key in {key for key, _ in rec.mentions}:
                        counts[key] = counts.get(key, 0) + 1
                for unit, text in rec.quantities:
                    _add_figure(units, unit, None if text is None else Decimal(text))
        return counts, units

    @cached_property
    def article_counts(self) -> dict[str, int]:
        """Entity key → the number of distinct articles whose graph says they ``schema:mentions`` it."""
        counts = self._spooled[0]  # completed in place: one dict of every entity, not two
        for article_id, key in self.mention_spans:  # distinct (article, entity) pairs
            if article_id in self.articles:
                counts[key] = counts.get(key, 0) + 1
        return counts

    def unit_summaries(self) -> dict[str, tuple[int, Decimal, Decimal | None, Decimal | None]]:
        """Unit → (figures, total, smallest, largest) over every quantity of the build, spooled ones
        included; a figure is valued by :func:`kg.spool.quantity_value` (one without a value counts
        but adds nothing; a unit with no valued figure has total 0 and no smallest or largest)."""
        acc = {unit: list(row) for unit, row in self._spooled[1].items()}
        for q in self.kb.quantities:
            _add_figure(acc, q.unit, quantity_value(q))
        return {unit: (row[0], row[1], row[2], row[3]) for unit, row in acc.items()}

    def statistics(self) -> None:
        """The statistics graph: one ``kg:UnitSummary`` per unit (figures, total, smallest, largest),
        so that a question about all figures of a corpus reads a few nodes, not every figure."""
        add = self.quads.append
        g = self.statistics_graph
        for unit, (count, total, smallest, largest) in sorted(self.unit_summaries().items()):
            s = f"<{unit_summary_iri(self.base, unit)}>"
            add((s, RDF.type, KG.UnitSummary, g))
            add((s, KG.unit, literal(unit), g))
            add((s, KG.figureCount, _int(count), g))
            add((s, KG.total, _decimal(total), g))
            if smallest is not None:
                add((s, KG.smallest, _decimal(smallest), g))
            if largest is not None:
                add((s, KG.largest, _decimal(largest), g))

    def entity(self, e: Entity) -> None:
        add = self.quads.append
        curated = e.attributes.get(CURATED_ATTRIBUTE) == "true"
        g, s = self.curated_graph if curated else self.entities_graph, self.entity_term(e.key)
        cls = KG.FunctionalZone if e.type == "AdministrativeArea" and e.subtype == FUNCTIONAL_ZONE else None
        add((s, RDF.type, cls or ENTITY_CLASSES[e.type], g))
        if e.attributes.get("newspaper") == "true":
            add((s, RDF.type, SCHEMA.NewsMediaOrganization, g))
        add((s, RDFS.label, literal(e.name, ZH), g))
        pinyin = pinyin_label(e.name)
        if pinyin:
            add((s, RDFS.label, literal(pinyin, PINYIN), g))
        for label in e.labels:
            if label and label != e.name:
                add((s, SKOS.altLabel, literal(label, ZH), g))
        if e.subtype:
            add((s, KG.level, literal(e.subtype), g))
        if e.code:
            add((s, KG.divisionCode, literal(e.code), g))
        add((s, KG.linked, literal("true" if e.linked else "false", datatype=XSD.boolean), g))
        counts = self.counts if self.counts is not None else self.article_counts
        add((s, KG.articleCount, _int(counts.get(e.key, 0)), g))
        qualified = e.attributes.get("qualified_name") or e.attributes.get("qualifiedName")
        if qualified:
            add((s, KG.qualifiedName, literal(qualified, ZH), g))
        if e.parent:
            parent = self.node(e.parent)
            if parent is not None:
                add((s, SCHEMA.containedInPlace, parent, g))

    def source(self, doc_id: str) -> None:
        add = self.quads.append
        doc = self.sources.get(doc_id)
        g, s = self.sources_graph, f"<{source_iri(self.base, doc_id)}>"
        add((s, RDF.type, SCHEMA.CreativeWork, g))
        if doc is not None:
            add((s, KG.sha256, literal(doc.sha256), g))
            add((s, KG.encoding, literal(doc.encoding), g))
            meta = doc.metadata
        else:
            meta = self.source_metadata[doc_id]
        if meta.newspaper:
            add((s, KG.newspaper, literal(meta.newspaper, ZH), g))
        if meta.date:
            add((s, SCHEMA.datePublished, literal(meta.date.isoformat(), datatype=XSD.date), g))
        if meta.page:
            add((s, SCHEMA.pagination, literal(meta.page), g))
        if meta.section:
            add((s, SCHEMA.articleSection, literal(meta.section, ZH), g))
        if meta.url:
            add((s, SCHEMA.url, literal(meta.url, datatype=XSD.anyURI), g))

    def article(self, a: Article) -> None:
        add = self.quads.append
        g = s = self.article_terms[a.id]
        add((s, RDF.type, SCHEMA.Photograph if a.kind == "photo" else SCHEMA.NewsArticle, g))
        if a.headline:
            add((s, SCHEMA.headline, literal(a.headline, ZH), g))
        if a.kicker:
            add((s, KG.kicker, literal(a.kicker, ZH), g))
        if a.dateline_place:
            add((s, KG.datelinePlace, literal(a.dateline_place, ZH), g))
        add((s, SCHEMA.text, literal(a.text, ZH), g))
        add((s, SCHEMA.position, _int(a.index), g))
        add((s, SCHEMA.isPartOf, f"<{source_iri(self.base, a.source_id)}>", g))
        add((s, KG.paragraphCount, _int(len(a.paragraphs)), g))
        add((s, KG.sourceLines, literal(f"{a.source_lines[0]}-{a.source_lines[1]}"), g))
        if a.metadata.date:
            add((s, SCHEMA.datePublished, literal(a.metadata.date.isoformat(), datatype=XSD.date), g))
        people = self.people
        for name in a.correspondents:
            if name in people:
                add((s, SCHEMA.author, self.entity_term(people[name]), g))
        for name in a.photographers:
            if name in people:
                add((s, SCHEMA.creator, self.entity_term(people[name]), g))

    def mention(self, rm: ResolvedMention) -> None:
        add = self.quads.append
        m = rm.mention
        if rm.entity not in self.kb.entities:
            self.problem(f"{m.article_id}: mention {m.surface!r} at {m.span.start}-{m.span.end} resolves "
                         f"to unknown entity {rm.entity!r}; skipped")
            return
        entity = self.entity_term(rm.entity)
        g = self.article_graph(m.article_id)
        article = self.article_term(m.article_id)
        s = mention_iri(self.base, m.article_id, m.span.start, m.span.end)
        node = f"<{s}>"
        if not self.full:
            start, end, exact = _nni(m.span.start), _nni(m.span.end), literal(m.surface)
            if m.rule:
                self.record(node, _MENTION_RULED, (entity, article, start, end, exact, literal(m.rule)), g)
            else:
                self.record(node, _MENTION, (entity, article, start, end, exact), g)
        else:
            add((node, RDF.type, KG.Mention, g))
            add((node, KG.mentionOf, entity, g))
            add((node, KG.inArticle, article, g))
            if m.rule:
                add((node, KG.rule, literal(m.rule), g))
            add((node, RDF.type, OA.Annotation, g))
            add((node, OA.motivatedBy, OA.identifying, g))
            add((node, OA.hasTarget, self.target(g, s, m.article_id, m.span, m.surface), g))
        if m.article_id in self.articles:
            add((article, SCHEMA.mentions, entity, g))

    def quantity(self, q: Quantity) -> None:
        g = self.article_graph(q.article_id)
        article = self.article_term(q.article_id)
        s = quantity_iri(self.base, q.article_id, q.span.start, q.span.end)
        node = f"<{s}>"
        predicates, values = [SCHEMA.QuantitativeValue], []
        for p, o in self.quantity_statements(q):
            predicates.append(p)
            values.append(o)
        predicates.append(KG.inArticle)
        values.append(article)
        if not self.full:
            predicates += (KG.start, KG.end, KG.exact)
            values += (_nni(q.span.start), _nni(q.span.end), literal(q.surface))
            recipients = [o for p, o in zip(predicates[1:], values, strict=True) if p == KG.recipient]
            self.record(node, predicates, values, g, recipients)
            return
        add = self.quads.append
        self.quads += row_quads((node, tuple(predicates), tuple(values)), g)
        target = self.target(g, s, q.article_id, q.span, q.surface)
        add((node, PROV.wasDerivedFrom, article, g))
        add((node, KG.evidence, target, g))
        add((node, PROV.wasDerivedFrom, target, g))

    def quantity_statements(self, q: Quantity) -> Iterator[tuple[str, str]]:
        """(predicate, object) of a figure's value, unit, qualifier, what it measures, what it is about
        and who receives it (distinct recipients, in term order)."""
        if q.value is not None:
            yield SCHEMA.value, _decimal(q.value)
        if q.min_value is not None:
            yield SCHEMA.minValue, _decimal(q.min_value)
        if q.max_value is not None:
            yield SCHEMA.maxValue, _decimal(q.max_value)
        yield SCHEMA.unitText, literal(q.unit)
        if q.unit in UNIT_CODES:
            yield SCHEMA.unitCode, literal(UNIT_CODES[q.unit])
        yield KG.qualifier, literal(q.qualifier)
        if q.measures:
            yield KG.measures, literal(q.measures, ZH)
        if q.subject:
            about = self.node(q.subject)
            if about is not None:
                yield KG.about, about
        recipients = [self.node(key) for key in getattr(q, "recipients", None) or []]
        for recipient in sorted({r for r in recipients if r is not None}):
            yield KG.recipient, recipient

    def records(self, mentions: Iterable[ResolvedMention], quantities: Iterable[Quantity],
                relations: Iterable[Relation]) -> None:
        for rm in mentions:
            self.mention(rm)
        for qv in quantities:
            self.quantity(qv)
        for r in relations:
            self.relation(r)

    def relation_graph(self, r: Relation) -> str:
        """The graph a relation's quads go to: curated, its article's, or the entities graph."""
        return self.curated_graph if r.rule.startswith(CURATED_RULE_PREFIX) else self.article_graph(r.article_id)

    def relation(self, r: Relation) -> None:
        add = self.quads.append
        ncname = _NCNAME
        subject, obj = self.node(r.subject), self.node(r.object)
        if subject is None or obj is None:
            return
        predicate = RELATION_TERMS.get(r.predicate)
        if predicate is None:
            if not ncname.fullmatch(r.predicate):
                self.problem(f"relation predicate {r.predicate!r} is not a name (letters, digits, _); skipped")
                return
            predicate = KG[r.predicate]
        curated = r.rule.startswith(CURATED_RULE_PREFIX)
        g = self.curated_graph if curated else self.article_graph(r.article_id)
        add((subject, predicate, obj, g))
        in_article = r.article_id is not None and r.article_id in self.articles
        merge = r.predicate == MERGE_CANDIDATE
        if not in_article and not curated and not merge:
            return
        start, end = (r.evidence.start, r.evidence.end) if r.evidence else (None, None)
        if r.article_id is not None and in_article:
            s = statement_iri(self.base, r.article_id, r.subject, r.predicate, r.object, start, end)
        else:
            s = graph_statement_iri(self.base, "curated" if curated else "entities", r.subject, r.predicate,
                                    r.object)
        node = f"<{s}>"
        if in_article and not self.full and not curated:  # read in its article: the common case
            self.relation_record(r, node, (subject, predicate, obj), g)
            return
        add((node, RDF.type, RDF.Statement, g))
        add((node, RDF.subject, subject, g))
        add((node, RDF.predicate, predicate, g))
        add((node, RDF.object, obj, g))
        if r.rule:
            add((node, KG.rule, literal(r.rule), g))
        if merge:
            add((node, KG.evidence, literal(self.merge_evidence(r)), g))
        if r.article_id is None or not in_article:
            if curated:
                add((node, PROV.wasDerivedFrom, self.curated_graph, g))
            return
        article = self.article_term(r.article_id)
        add((node, KG.inArticle, article, g))
        if self.full:
            add((node, PROV.wasDerivedFrom, article, g))
        if r.evidence is not None:
            target = self.span(g, s, r.article_id, r.evidence, None)
            if target is not None:
                add((node, KG.evidence, target, g))
                add((node, PROV.wasDerivedFrom, target, g))
            for mention in self.supporting_mentions(r.article_id, (r.subject, r.object), r.evidence):
                add((node, PROV.wasDerivedFrom, mention, g))

    def relation_record(self, r: Relation, node: str, spo: tuple[str, str, str], article: str) -> None:
        """The record (compact provenance) of a relation read in ``article``, its graph."""
        predicates, values = [RDF.Statement, RDF.subject, RDF.predicate, RDF.object], list(spo)
        if r.rule:
            predicates.append(KG.rule)
            values.append(literal(r.rule))
        if r.predicate == MERGE_CANDIDATE:
            predicates.append(KG.evidence)
            values.append(literal(self.merge_evidence(r)))
        predicates.append(KG.inArticle)
        values.append(article)
        support: list[str] = []
        if r.evidence is not None:
            span = r.evidence
            predicates += (KG.start, KG.end, KG.exact)
            text = self.article_text(r.article_id or "")
            assert text is not None  # a relation read in its article
            values += (_nni(span.start), _nni(span.end), literal(text[span.start : span.end]))
            support = sorted(set(self.supporting_mentions(r.article_id or "", (r.subject, r.object), span)))
            predicates += [PROV.wasDerivedFrom] * len(support)
            values += support
        self.record(node, predicates, values, article, support)

    def merge_evidence(self, r: Relation) -> str:
        rows = self.rows_given if self.rows_given is not None else self.merge_rows
        row = rows.get((r.subject, r.object))
        if row is not None:
            reason, where = row.get("reason", ""), row.get("evidence", "")
            return f"{reason}; mentions: {where}" if where else reason
        return r.rule.removeprefix("review:").strip() or "merge candidate"

    def supporting_mentions(self, article_id: str, keys: Iterable[str], evidence: Span) -> list[str]:
        found: list[str] = []
        for key in keys:
            for sp in self.mention_spans.get((article_id, key), []):
                if sp.start < evidence.end and evidence.start < sp.end:
                    found.append(f"<{mention_iri(self.base, article_id, sp.start, sp.end)}>")
        return found


def _add_figure(acc: dict[str, list[Any]], unit: str, value: Decimal | None) -> None:
    """Count a figure of ``unit`` into ``acc`` (unit → [figures, total, smallest, largest])."""
    row = acc.get(unit)
    if row is None:
        row = acc[unit] = [0, Decimal(0), None, None]
    row[0] += 1
    if value is not None:
        row[1] += value
        row[2] = value if row[2] is None or value < row[2] else row[2]
        row[3] = value if row[3] is None or value > row[3] else row[3]


TaskData = tuple[list[Entity], dict[str, int], list[Relation], dict[tuple[Any, Any], dict[str, str]]]
"""What a task of :meth:`GraphPieces.shared_items` reads (:meth:`GraphPieces.task_data`): entities,
their article counts, relations, the merge-candidate rows of those relations by (subject, object)."""


class GraphPieces:
    """The quads of a KnowledgeBase's graph in pieces, for streaming (and parallel) writers.

    A piece is a list of distinct quads of one graph sorted by (subject,
    predicate, object). :meth:`shared` yields the pieces of the graphs every
    article refers to: ``graph/entities`` (in pieces of :data:`CHUNK_NODES`
    entities, in key order, then its relations of no article, :data:`CHUNK_NODES` at a time), ``graph/curated`` (always
    present), ``graph/sources`` (in pieces) and ``graph/statistics``; :meth:`article` gives article
    ``i``'s graph (``kb.articles[i]``) as one piece, from any process that
    holds this object (a forked worker needs nothing else). Iterating gives
    all pieces in that order. ``provenance`` is one of
    :data:`PROVENANCE_MODES` (ValueError otherwise). References to unknown
    entity keys are skipped, never turned into dangling IRIs; each is logged
    and, when ``problems`` is given, appended to it.
    """

    def __init__(self, kb: KnowledgeBase, base: str = DEFAULT_BASE, *, problems: list[str] | None = None,
                 provenance: str = "compact") -> None:
        self.kb = kb
        e = self.emitter = _Emitter(kb, base.rstrip("/"), problems, provenance)
        # a spooled KnowledgeBase has the records of its articles in kb.spool (read per article)
        self.by_article: dict[str, tuple[list[ResolvedMention], list[Quantity], list[Relation]]] = {
            a: ([], [], []) for a in e.articles} if kb.spool is None else {}
        self.unplaced: tuple[list[ResolvedMention], list[Quantity], list[Relation]] = ([], [], [])
        for rm in kb.mentions:
            self.by_article.get(rm.mention.article_id, self.unplaced)[0].append(rm)
        for qv in kb.quantities:
            self.by_article.get(qv.article_id, self.unplaced)[1].append(qv)
        for r in kb.relations:
            g = e.relation_graph(r)
            if g != e.entities_graph and g != e.curated_graph and r.article_id in self.by_article:
                self.by_article[r.article_id][2].append(r)
            else:
                self.unplaced[2].append(r)

    def __len__(self) -> int:
        """The number of article graphs."""
        return len(self.kb.articles)

    def __iter__(self) -> Iterator[list[Quad]]:
        yield from self.shared()
        for i in range(len(self)):
            yield self.article(i)

    def shared(self) -> Iterator[list[Quad]]:
        """The pieces of the entities, curated and sources graphs (and of any graph of an unknown article)."""
        for item in self.shared_items():
            piece = self.shared_piece(item) if isinstance(item, tuple) else item
            if piece:
                yield piece

    def shared_items(self) -> Iterator[list[Quad] | tuple[str, int, int]]:
        """:meth:`shared`'s pieces in order, each either made here (a list of quads) or left as a task
        ``(kind, start, stop)`` that :meth:`shared_piece` makes in any process holding this object: the
        entities graph's quads of entities ``start:stop`` (in key order) or of relations of no article
        ``start:stop`` (a task's piece may be empty). What those entities and relations state in another
        graph (curated ones, the curated graph) is made here, as the tasks are handed out."""
        e, kb = self.emitter, self.kb
        held: dict[str, list[Quad]] = {}  # quads of other graphs met while writing the entities or sources graph

        def flush(graph: str) -> Iterator[list[Quad]]:
            mine = []
            for q in e.quads:
                if q[3] == graph:
                    mine.append(q)
                else:
                    held.setdefault(q[3], []).append(q)
            e.quads = []
            if mine:
                yield sorted(set(mine))

        e.quads = []
        e._curated_self()
        held[e.curated_graph] = e.quads
        e.quads = []
        keys = self._keys
        for i in range(0, len(keys), CHUNK_NODES):
            for key in keys[i : i + CHUNK_NODES]:  # a curated entity states everything in the curated graph
                if kb.entities[key].attributes.get(CURATED_ATTRIBUTE) == "true":
                    e.entity(kb.entities[key])
            yield from flush(e.entities_graph)
            yield ("entities", i, min(i + CHUNK_NODES, len(keys)))
        mentions, quantities, relations = self.unplaced
        e.records(mentions, quantities, [])  # of unknown articles: none in practice
        yield from flush(e.entities_graph)
        # the relations of no article (merge candidates: hundreds of thousands at 10⁵ articles, each with
        # its record) in pieces too, so that no piece holds millions of quads and their five renderings
        for i in range(0, len(relations), CHUNK_NODES):
            e.records([], [], [r for r in relations[i : i + CHUNK_NODES] if e.relation_graph(r) != e.entities_graph])
            yield from flush(e.entities_graph)
            yield ("relations", i, min(i + CHUNK_NODES, len(relations)))
        yield sorted(set(held.pop(e.curated_graph)))
        sources = sorted({a.source_id for a in kb.articles} | {d.id for d in kb.sources})
        for i in range(0, len(sources), CHUNK_NODES):
            for source_id in sources[i : i + CHUNK_NODES]:
                e.source(source_id)
            yield from flush(e.sources_graph)
        e.statistics()
        yield from flush(e.statistics_graph)
        for g in sorted(held):  # an article graph whose article is unknown: none in practice
            yield sorted(set(held[g]))

    @cached_property
    def _keys(self) -> list[str]:
        return sorted(self.kb.entities)

    def prepare(self) -> None:
        """Make now what every piece of the entities graph reads (the sorted entity keys, the article
        count of every entity: a pass over the spool), so that forked workers share it, not redo it."""
        _ = self._keys, self.emitter.article_counts

    def shared_piece(self, task: tuple[str, int, int], data: TaskData | None = None) -> list[Quad]:
        """The entities graph's quads (sorted, distinct) of a task of :meth:`shared_items`, made from
        ``data`` (:meth:`task_data` of the task, in a worker) when given, else from the KnowledgeBase."""
        e = self.emitter
        entities, e.counts, relations, e.rows_given = data if data is not None else self.task_data(task)
        e.quads = []
        try:
            for entity in entities:
                if entity.attributes.get(CURATED_ATTRIBUTE) != "true":
                    e.entity(entity)
            e.records([], [], [r for r in relations if e.relation_graph(r) == e.entities_graph])
        finally:
            e.counts = e.rows_given = None
        quads, e.quads = e.quads, []
        return sorted(set(quads))

    def task_data(self, task: tuple[str, int, int]) -> TaskData:
        """What a task of :meth:`shared_items` reads, to send to a worker process that does not hold the
        KnowledgeBase (:meth:`in_worker`; :mod:`kg.export` sends it as JSON text): entities
        ``start:stop`` (key order) and their article counts, or the relations of no article
        ``start:stop`` and the merge-candidate rows they name. Raises ValueError for another task."""
        kind, start, stop = task
        if kind == "entities":
            entities = [self.kb.entities[key] for key in self._keys[start:stop]]
            counts = self.emitter.article_counts
            return entities, {e.key: counts[e.key] for e in entities if e.key in counts}, [], {}
        if kind == "relations":
            relations = self.unplaced[2][start:stop]
            merge = self.emitter.merge_rows
            return [], {}, relations, {pair: merge[pair] for r in relations if (pair := (r.subject, r.object)) in merge}
        raise ValueError(f"unknown task {task!r}")

    def worker_setup(self) -> WorkerSetup:
        """What :meth:`in_worker` makes this object's article graphs and shared tasks from, in another
        process (pickled)."""
        e = self.emitter
        spool = self.kb.spool
        return WorkerSetup(e.base, "full" if e.full else "compact", self._keys, [a.id for a in self.kb.articles],
                           e.people, list(spool.fixes) if spool is not None else [], e.problems is not None)

    @classmethod
    def in_worker(cls, setup: WorkerSetup) -> GraphPieces:
        """A GraphPieces in a worker process without the KnowledgeBase (:meth:`worker_setup`): it makes
        :meth:`article_parts` given each article and its records, and :meth:`shared_piece` given each
        task's :meth:`task_data`; nothing else. ``emitter.problems`` collects the problems met."""
        self = cls.__new__(cls)
        self.emitter = _Emitter.in_worker(setup)
        self.kb = self.emitter.kb
        self.by_article, self.unplaced = {}, ([], [], [])
        return self

    def article(self, i: int) -> list[Quad]:
        """The graph of ``kb.articles[i]`` as one piece (its records read from ``kb.spool`` when the
        KnowledgeBase has one, else from its lists)."""
        quads, rows = self.article_parts(i)
        if rows:
            g = self.emitter.article_terms[self.kb.articles[i].id]
            quads = sorted(quads + [q for row in rows for q in row_quads(row, g)])
        return quads

    def article_parts(self, i: int, article: Article | None = None, records: ArticleRecords | None = None
                      ) -> tuple[list[Quad], list[RecordRow]]:
        """The graph of ``kb.articles[i]`` as :meth:`article`'s piece less its common records (mentions,
        figures, relation records), and those records as :data:`RecordRow` sorted by IRI. Rows that
        share an IRI (a span named twice) are given as quads: no subject is both in a row and in the piece.
        In a worker (:meth:`in_worker`) ``article`` is a copy of ``kb.articles[i]`` and ``records`` its
        records (:func:`kg.spool.decode_records`), read instead of the KnowledgeBase and its spool."""
        e = self.emitter
        article = article if article is not None else self.kb.articles[i]
        g = e.article_terms[article.id]
        e.rows, e.rows_graph, e.current = [], g, article
        try:
            quads = self._article_quads(i, article, records)
            rows = e.rows
        finally:
            e.rows, e.current = None, None
        rows.sort(key=itemgetter(0))
        twice = {rows[k][0] for k in range(len(rows) - 1) if rows[k][0] == rows[k + 1][0]}
        if twice:
            quads += [q for row in rows if row[0] in twice for q in row_quads(row, g)]
            rows = [row for row in rows if row[0] not in twice]
        return sorted(set(quads)), rows

    def _article_quads(self, i: int, article: Article, rec: ArticleRecords | None) -> list[Quad]:
        e = self.emitter
        e.quads = []
        e.article(article)
        spool = self.kb.spool
        if rec is None and spool is None:
            e.records(*self.by_article.get(article.id, ([], [], [])))
        else:
            rec = rec if rec is not None else spool.records(i)
            spans: dict[tuple[str, str], list[Span]] = {}  # for the relations' supporting mentions
            for rm in rec.mentions:
                spans.setdefault((rm.mention.article_id, rm.entity), []).append(rm.mention.span)
            kept, e.mention_spans = e.mention_spans, spans
            try:
                e.records(rec.mentions, rec.quantities, rec.relations)
            finally:
                e.mention_spans = kept
        quads, e.quads = e.quads, []
        return quads


def graph_chunks(kb: KnowledgeBase, base: str = DEFAULT_BASE, *, problems: list[str] | None = None,
                 provenance: str = "compact") -> Iterator[list[Quad]]:
    """Every piece of the KnowledgeBase's graph in order (:class:`GraphPieces`)."""
    return iter(GraphPieces(kb, base, problems=problems, provenance=provenance))


def kb_quads(kb: KnowledgeBase, base: str = DEFAULT_BASE, *, problems: list[str] | None = None,
             provenance: str = "compact") -> list[Quad]:
    """Every quad of the KnowledgeBase's graph, as N-Triples term strings, graph by graph
    (:func:`graph_chunks`; distinct within a graph)."""
    return [q for chunk in graph_chunks(kb, base, problems=problems, provenance=provenance) for q in chunk]


def sorted_quads(quads: Iterable[Quad]) -> list[Quad]:
    """Distinct quads sorted by (subject, predicate, object, graph): the order of sorted N-Quads lines."""
    return sorted(set(quads))


# ------------------------------------------------------------------ the Oxigraph store


def _chunks(quads: Sequence[Quad], size: int = 200_000) -> Iterator[bytes]:
    for i in range(0, len(quads), size):
        yield "".join(map(nquad_line, quads[i : i + size])).encode("utf-8")


def load_store(quads: Sequence[Quad], path: str | Path | None = None, *, union: bool = False,
               files: tuple[Path, Path] | None = None, count: int | None = None) -> ox.Store:
    """A :class:`pyoxigraph.Store` holding ``quads`` (sorted, as :class:`kg.rdf.QuadData` keeps them):
    in memory, or on disk in directory ``path`` (replacing a store kg wrote there before).

    With ``union`` the default graph also holds the distinct triples of all
    graphs, so that SPARQL over the default graph sees their *set* union (as
    ``kg query`` on an export does; Oxigraph's own union is a multiset).
    ``files`` are the build's ``graph.nq`` and ``graph.nt`` holding the same
    quads and triples: Oxigraph then reads them itself (faster than Python
    handing it lines), and ``quads`` may be empty (``count`` then gives
    their number for the store's marker file).
    """
    if path is not None:
        import shutil

        path = Path(path)
        if path.exists():
            if not (path / STORE_MARKER).exists() and any(path.iterdir()):
                from kg.errors import KgError

                raise KgError(f"{path}: not empty and not a kg store; give an empty or new folder to --store")
            shutil.rmtree(path)
        path.mkdir(parents=True)
        store = ox.Store(str(path))
    else:
        store = ox.Store()
    if files is not None:
        store.bulk_load(path=str(files[0]), format=ox.RdfFormat.N_QUADS, lenient=True)
        if union:
            store.bulk_load(path=str(files[1]), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    else:
        for chunk in _chunks(quads):
            store.bulk_load(input=chunk, format=ox.RdfFormat.N_QUADS, lenient=True)
    if union and files is None:
        triples = [q[:3] + ("",) for i, q in enumerate(quads) if i == 0 or quads[i - 1][:3] != q[:3]]
        for chunk in _chunks(triples):
            store.bulk_load(input=chunk, format=ox.RdfFormat.N_QUADS, lenient=True)
    if path is not None:
        store.flush()
        total = count if count is not None else len(quads)
        (Path(path) / STORE_MARKER).write_text(f"kg Oxigraph store: {total} quads\n", encoding="utf-8")
    return store


def open_store(path: str | Path) -> ox.Store:
    """Open a store directory kg wrote (read-only)."""
    return ox.Store.read_only(str(path))
