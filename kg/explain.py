"""Why is this in the graph? The sentences that support an entity or a fact.

    explanation = explain("outputs/graph.ttl", "https://kg.example.org/id/place/370831-yuejia-lingcun")
    print(explanation.format())

Accepted nodes: an entity (its mentions), a relation record (an
``rdf:Statement``: its evidence span and the mentions it was derived from), a
quantity (``schema:QuantitativeValue``: its span) or a mention. Instead of an
IRI a name may be given (``岳家岭村``): every entity with that rdfs:label or
skos:altLabel is explained.

Each supporting span is located in the article's ``schema:text`` by
``kg:start``/``kg:end`` on the mention, quantity or relation record itself
(compact provenance, kg build's default) or by the ``oa:TextPositionSelector``
of its Web Annotation target (``--provenance full``: ``oa:hasTarget`` of a
mention, ``kg:evidence`` of a quantity or record). The sentence around it is
the text between the nearest sentence ends (。！？ or a line break) before and
after the span, the closing 。！？ included. Offsets are Python string indices (code points).

Errors are :class:`kg.errors.KgError` (nothing by that IRI or name) or
:class:`kg.errors.QueryError` (the graph file cannot be read).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import KgError
from kg.iris import KG, OA, PROV, SCHEMA
from kg.rdf import union_graph

__all__ = ["SENTENCE_ENDS", "Explanation", "Support", "explain", "explain_graph", "sentence_around"]

SENTENCE_ENDS = "。！？\n"
ENTITY_TYPES: dict[URIRef, str] = {
    KG.AdministrativeArea: "AdministrativeArea",
    KG.FunctionalZone: "FunctionalZone",
    KG.Place: "Place",
    KG.Organization: "Organization",
    KG.Program: "Program",
    KG.Person: "Person",
}


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding ``text[start:end]`` as ``(first, last + 1)``.

    It starts after the last 。！？ or line break before ``start`` and ends
    with the first 。！？ at or after ``end`` (included), or just before the
    next line break, or at the end of the text.
    """
    first = max(text.rfind(c, 0, start) for c in SENTENCE_ENDS) + 1
    stops = [i for c in SENTENCE_ENDS if (i := text.find(c, max(end, first))) != -1]
    last = min(stops, default=len(text))
    if last < len(text) and text[last] != "\n":
        last += 1
    while first < last and text[first] in " \u3000":
        first += 1
    return first, last


@dataclass(frozen=True, order=True)
class Support:
    """One span of article text that supports the node, with the sentence around it."""

    article: str
    start: int
    end: int
    exact: str
    sentence_start: int
    sentence_end: int
    sentence: str
    headline: str | None = None
    via: str = "mention"  # mention, evidence (a relation's span) or quantity


@dataclass
class Explanation:
    """What a node is and the sentences that support it."""

    iri: str
    kind: str  # entity, relation, quantity or mention
    label: str | None = None
    types: list[str] = field(default_factory=list)
    fact: str | None = None  # "岳家岭村 containedInPlace 杨柳镇", "25.5万元 = 255000 CNY"
    supports: list[Support] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def format(self) -> str:
        """Readable text: the node, then each article with its sentences and the spans in them."""
        head = " ".join(x for x in (self.label, f"<{self.iri}>", "/".join(self.types) or self.kind) if x)
        lines = [head]
        if self.fact:
            lines.append(f"  {self.fact}")
        n_articles = len({s.article for s in self.supports})
        lines.append(f"  {len(self.supports)} supporting span(s) in {n_articles} article(s)")
        lines.extend(f"  note: {note}" for note in self.notes)
        by_article: dict[str, list[Support]] = defaultdict(list)
        for s in self.supports:
            by_article[s.article].append(s)
        for i, (article, spans) in enumerate(sorted(by_article.items()), 1):
            headline = spans[0].headline or "(no headline)"
            lines.append("")
            lines.append(f"[{i}] {headline}  <{article}>")
            by_sentence: dict[tuple[int, int, str], list[Support]] = defaultdict(list)
            for s in spans:
                by_sentence[(s.sentence_start, s.sentence_end, s.sentence)].append(s)
            for (first, last, sentence), inside in sorted(by_sentence.items()):
                where = ", ".join(f"{s.exact} {s.start}-{s.end}" + ("" if s.via == "mention" else f" ({s.via})")
                                  for s in sorted(inside))
                lines.append(f"    chars {first}-{last}: {where}")
                lines.append(f"    {sentence}")
        return "\n".join(lines) + "\n"


def _zh(g: Graph, node: Node) -> str | None:
    labels = sorted(str(o) for o in g.objects(node, RDFS.label)
                    if isinstance(o, Literal) and (o.language or "").lower() == "zh")
    return labels[0] if labels else None


def _int(node: Node | None) -> int | None:
    try:
        return int(str(node)) if node is not None else None
    except ValueError:
        return None


class _Explainer:
    def __init__(self, g: Graph) -> None:
        self.g = g
        self.texts: dict[Node, str] = {}

    def text(self, article: Node) -> str | None:
        if article not in self.texts:
            value = self.g.value(article, SCHEMA.text)
            if value is None:
                return None
            self.texts[article] = str(value)
        return self.texts[article]

    def headline(self, article: Node) -> str | None:
        for p in (SCHEMA.headline, KG.kicker):
            value = self.g.value(article, p)
            if value is not None:
                return str(value)
        return None

    def locate(self, article: Node | None, start: int | None, end: int | None, exact: str | None,
               via: str) -> Support | None:
        """The span ``start``-``end`` of the article's text, with its sentence; None if it cannot be located."""
        if article is None or start is None or end is None:
            return None
        text = self.text(article)
        if text is None or not 0 <= start <= end <= len(text):
            return None
        first, last = sentence_around(text, start, end)
        return Support(article=str(article), start=start, end=end, exact=exact or text[start:end],
                       sentence_start=first, sentence_end=last, sentence=text[first:last],
                       headline=self.headline(article), via=via)

    def support(self, target: Node, via: str) -> Support | None:
        """The span an ``oa:SpecificResource`` selects (full provenance), with its sentence, or None."""
        g = self.g
        article = g.value(target, OA.hasSource)
        if article is None:
            return None
        start = end = None
        exact: str | None = None
        for selector in g.objects(target, OA.hasSelector):
            if (selector, RDF.type, OA.TextPositionSelector) in g:
                start, end = _int(g.value(selector, OA.start)), _int(g.value(selector, OA.end))
            elif (selector, RDF.type, OA.TextQuoteSelector) in g:
                value = g.value(selector, OA.exact)
                exact = str(value) if value is not None else None
        return self.locate(article, start, end, exact, via)

    def own_span(self, node: Node, via: str) -> Support | None:
        """The span written on the node itself (compact provenance: kg:start, kg:end, kg:exact), or None."""
        g = self.g
        start = _int(g.value(node, KG.start))
        if start is None:
            return None
        exact = g.value(node, KG.exact)
        return self.locate(g.value(node, KG.inArticle), start, _int(g.value(node, KG.end)),
                           str(exact) if exact is not None else None, via)

    def spans(self, node: Node, target: URIRef, via: str) -> list[Support]:
        """Every span of a mention, quantity or record: its own (compact) and its targets' (full)."""
        found = [self.own_span(node, via)]
        found += [self.support(t, via) for t in self.g.objects(node, target) if not isinstance(t, Literal)]
        return [s for s in found if s is not None]

    def mention(self, mention: Node) -> list[Support]:
        return self.spans(mention, OA.hasTarget, "mention")

    def explain(self, node: URIRef) -> Explanation:
        g = self.g
        types = set(g.objects(node, RDF.type))
        if KG.Mention in types:
            out = Explanation(str(node), "mention", label=_zh(g, g.value(node, KG.mentionOf) or node))
            out.supports = sorted(set(self.mention(node)))
            return out
        if RDF.Statement in types:
            return self.relation(node)
        if SCHEMA.QuantitativeValue in types:
            return self.quantity(node)
        return self.entity(node, types)

    def entity(self, node: URIRef, types: set[Node]) -> Explanation:
        g = self.g
        out = Explanation(str(node), "entity", label=_zh(g, node),
                          types=sorted(name for cls, name in ENTITY_TYPES.items() if cls in types))
        out.supports = sorted({s for m in g.subjects(KG.mentionOf, node) for s in self.mention(m)})
        if not out.supports:
            linked = g.value(node, KG.linked)
            children = sorted(filter(None, (_zh(g, c) for c in g.subjects(SCHEMA.containedInPlace, node))))
            if isinstance(linked, Literal) and linked.toPython() is True:
                why = "no mention: taken from the gazetteer (kg:linked true)"
                out.notes.append(why + (f" as the parent of {', '.join(children[:5])}" if children else ""))
            else:
                out.notes.append("no mention in any article")
        return out

    def relation(self, node: URIRef) -> Explanation:
        g = self.g
        s, p, o = g.value(node, RDF.subject), g.value(node, RDF.predicate), g.value(node, RDF.object)
        names = [(_zh(g, x) or str(x)) if x is not None else "?" for x in (s, o)]
        predicate = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1] if p is not None else "?"
        out = Explanation(str(node), "relation", label=None, fact=f"{names[0]} {predicate} {names[1]}")
        supports = set(self.spans(node, KG.evidence, "evidence"))
        out.notes.extend(sorted(f"evidence: {e}" for e in g.objects(node, KG.evidence) if isinstance(e, Literal)))
        for source in g.objects(node, PROV.wasDerivedFrom):
            if (source, RDF.type, KG.Mention) in g:
                supports.update(self.mention(source))
        rule = g.value(node, KG.rule)
        if rule is not None:
            out.notes.append(f"rule: {rule}")
        out.supports = sorted(supports)
        return out

    def quantity(self, node: URIRef) -> Explanation:
        g = self.g
        value = g.value(node, SCHEMA.value) or g.value(node, SCHEMA.minValue)
        unit = g.value(node, SCHEMA.unitText)
        measures = g.value(node, KG.measures)
        fact = f"{value} {unit}" + (f" ({measures})" if measures is not None else "")
        out = Explanation(str(node), "quantity", fact=fact)
        out.supports = sorted(set(self.spans(node, KG.evidence, "quantity")))
        return out


def _find(g: Graph, name: str) -> list[URIRef]:
    """Entities whose rdfs:label or skos:altLabel is ``name`` (any language tag)."""
    found = {s for p in (RDFS.label, SKOS.altLabel) for s, o in g.subject_objects(p)
             if isinstance(s, URIRef) and isinstance(o, Literal) and str(o) == name
             and any((s, RDF.type, cls) in g for cls in ENTITY_TYPES)}
    return sorted(found, key=str)


def explain_graph(g: Graph | Dataset, iri_or_name: str) -> list[Explanation]:
    """Explain a node of an in-memory graph: an IRI (``<…>`` optional) or an entity's name."""
    graph = union_graph(g) if isinstance(g, Dataset) else g
    key = iri_or_name.strip()
    if key.startswith("<") and key.endswith(">"):
        key = key[1:-1]
    node = URIRef(key)
    explainer = _Explainer(graph)
    if (node, None, None) in graph:
        return [explainer.explain(node)]
    found = _find(graph, key)
    if not found:
        raise KgError(f"nothing in the graph is {iri_or_name!r}: give an IRI (as kg query prints it) or an "
                      "entity's name as printed")
    return [explainer.explain(n) for n in found]


def explain(graph_path: str | Path, iri_or_name: str) -> list[Explanation]:
    """Read an export (any format :func:`kg.query.load_graph` reads) and explain a node of it."""
    from kg.query import load_graph

    return explain_graph(load_graph(graph_path), iri_or_name)
