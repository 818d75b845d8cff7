"""kg's own evaluation: score a built graph against a hand-annotated gold file.

    report = evaluate(Path("outputs/graph.ttl"), Path("tests/data/seed_gold.json"))
    print(report.format())

The graph is any RDF export kg writes (Turtle, TriG, N-Quads, N-Triples,
JSON-LD; a folder means its ``graph.ttl``). The gold file is JSON in the shape
of ``tests/data/seed_gold.json``: ``articles`` (headline, correspondents,
photographer, first_chars), ``entities`` (name, qualified_name, aliases,
mentions, type, parent), ``relations`` (subject, predicate, object: entity
ids) and ``quantities`` (value in base units, unit).

What is scored, and how:

- Entities, per type (AdministrativeArea, Organization, Program, Person,
  Place; gold ``Role`` entities are not scored). A node's type is the first of
  those five that one of its ``rdf:type`` classes is, or reaches through
  ``rdfs:subClassOf`` declared in the graph: kg's classes (``kg:FunctionalZone``
  is an AdministrativeArea) and their schema.org / W3C ORG / FOAF
  superclasses. A node *matches* a gold entity of the same type when one of its
  names (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``,
  ``schema:name``, ``schema:alternateName``, ``kg:qualifiedName``) equals one of
  the gold entity's name, qualified name, aliases or mentions, both compared
  after :func:`normalize_name` (NFKC, then white space, quotes and brackets
  removed). True positives are a maximum one-to-one matching between nodes
  and gold entities (augmenting paths), so a second node for the same gold
  entity is a false positive: one real thing is one node. Which node gets
  which gold entity follows a preference (a name only that gold entity has,
  then a parent place named like the gold parent, then IRI order), so that
  misses, spurious names and the hierarchy are read from the right pairs.
  Overall precision, recall and F1 are micro-averaged over the five types.
- Quantities: the multiset of ``(value, unit)`` pairs of the graph's
  ``schema:QuantitativeValue`` nodes against the gold's, over the whole page
  (not per article). The value is ``schema:value``, or ``schema:minValue``
  for a range; the unit ``schema:unitText`` or ``schema:unitCode``. Units are
  normalized to kg's base units: Chinese unit words through kg's unit table
  (``kg/data/units.csv``: 元 → CNY, 平方米 → m2, 亩 → mu, 公里 → km …),
  UN/CEFACT codes through :data:`kg.store.UNIT_CODES` (MTK → m2 …), then km →
  1000 m, km2 → 10⁶ m2, ha → 10⁴ m2; a measure word (场次, 名, 户 …) is its
  own unit.
- Articles: a gold article is aligned with the graph's ``schema:NewsArticle``
  or ``schema:Photograph`` whose ``schema:text`` starts with the gold
  ``first_chars`` (normalized). Headline recall counts gold headlines found as
  ``schema:headline`` of the aligned article; author recall counts gold
  correspondents and photographers found among the names of the aligned
  article's ``schema:author`` / ``schema:creator``. When alignment is
  impossible (the graph has no ``schema:text``, or the gold article no
  ``first_chars``) the gold article is looked up in all articles at once,
  each predicted headline or credit counting once.
- Place hierarchy: a gold ``locatedIn`` relation is correct when both ends
  matched nodes and the object's node is reachable from the subject's by
  ``schema:containedInPlace``+ (village → town → county → city → province).

Errors: a missing or unreadable graph raises :class:`kg.errors.SourceError`;
a gold file that is not JSON of this shape raises it too, naming the record.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError
from rdflib import RDF, RDFS, SKOS, Dataset, Graph, Literal, URIRef
from rdflib.term import Node
from rdflib.util import guess_format

from kg.errors import SourceError
from kg.iris import FOAF, KG, ORG, SCHEMA

__all__ = [
    "SCORED_TYPES",
    "EvalReport",
    "QuantityScore",
    "TypeScore",
    "evaluate",
    "normalize_name",
    "normalize_unit",
]

SCORED_TYPES: tuple[str, ...] = ("AdministrativeArea", "Organization", "Program", "Person", "Place")

# Classes whose instances count as each scored type; subclasses declared in the graph count too.
# Order matters: a node counts under the first type it falls under (a county is also a schema:Place).
_TYPE_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "AdministrativeArea": (KG.AdministrativeArea, KG.FunctionalZone, SCHEMA.AdministrativeArea),
    "Organization": (KG.Organization, ORG.Organization, SCHEMA.Organization),
    "Program": (KG.Program,),
    "Person": (KG.Person, SCHEMA.Person, FOAF.Person),
    "Place": (KG.Place, SCHEMA.Place),
}
_NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SCHEMA.name, SCHEMA.alternateName, KG.qualifiedName)
_ARTICLE_CLASSES = (SCHEMA.NewsArticle, SCHEMA.Photograph)
_CREDIT_PROPERTIES = (SCHEMA.author, SCHEMA.creator)

# Quotes and brackets dropped before names are compared (after NFKC, which folds full-width ASCII).
_IGNORED_IN_NAMES = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）\[\]【】〔〕<>{}]+")
# Units kg's base units are converted into before quantities are compared: unit → (base unit, factor).
_CONVERSIONS: dict[str, tuple[str, Decimal]] = {
    "km": ("m", Decimal(1000)),
    "km2": ("m2", Decimal(1000000)),
    "ha": ("m2", Decimal(10000)),
}
# RDF formats by file suffix, for suffixes rdflib.util.guess_format does not know.
_FORMATS = {".jsonld": "json-ld", ".json": "json-ld", ".nq": "nquads"}
_DATASET_FORMATS = {"trig", "nquads", "json-ld"}


# ----------------------------------------------------------------- the report


@dataclass
class Score:
    """Counts of one kind of item, P/R/F1, and the names behind the errors."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return _ratio(self.matched, self.predicted)

    @property
    def recall(self) -> float:
        return _ratio(self.matched, self.gold)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)


@dataclass
class TypeScore(Score):
    """Entity scores of one type (``type`` is AdministrativeArea, Organization …)."""

    type: str = ""


@dataclass
class QuantityScore(Score):
    """Quantity scores: multiset matching of ``(value, unit)`` in base units."""


@dataclass
class EvalReport:
    """The result of :func:`evaluate`; :meth:`format` renders it as a text table."""

    graph: str
    gold_file: str
    types: dict[str, TypeScore]
    quantities: QuantityScore
    articles_gold: int = 0
    articles_predicted: int = 0
    articles_aligned: int = 0
    headlines_found: int = 0
    headlines_gold: int = 0
    authors_found: int = 0
    authors_gold: int = 0
    hierarchy_correct: int = 0
    hierarchy_gold: int = 0

    @property
    def precision(self) -> float:
        """Micro-averaged entity precision over :data:`SCORED_TYPES`."""
        return _ratio(sum(t.matched for t in self.types.values()), sum(t.predicted for t in self.types.values()))

    @property
    def recall(self) -> float:
        """Micro-averaged entity recall over :data:`SCORED_TYPES`."""
        return _ratio(sum(t.matched for t in self.types.values()), sum(t.gold for t in self.types.values()))

    @property
    def f1(self) -> float:
        """Micro-averaged entity F1: the one-number summary, printed last by :meth:`format`."""
        return _f1(self.precision, self.recall)

    @property
    def headline_recall(self) -> float:
        return _ratio(self.headlines_found, self.headlines_gold)

    @property
    def author_recall(self) -> float:
        return _ratio(self.authors_found, self.authors_gold)

    @property
    def hierarchy_accuracy(self) -> float:
        return _ratio(self.hierarchy_correct, self.hierarchy_gold)

    def format(self) -> str:
        """A plain-text report: the score table, article and hierarchy lines, errors, overall F1 last."""
        head = f"{'':<20}{'gold':>6}{'pred':>6}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}"
        lines = [f"{self.graph} against {self.gold_file}", "", head]

        def row(name: str, gold: int, pred: int, tp: int, p: float, r: float, f: float) -> str:
            return f"{name:<20}{gold:>6}{pred:>6}{tp:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}"

        for t in self.types.values():
            lines.append(row(t.type, t.gold, t.predicted, t.matched, t.precision, t.recall, t.f1))
        ts = self.types.values()
        lines.append(row("entities (micro)", sum(t.gold for t in ts), sum(t.predicted for t in ts),
                         sum(t.matched for t in ts), self.precision, self.recall, self.f1))
        q = self.quantities
        lines.append(row("quantities", q.gold, q.predicted, q.matched, q.precision, q.recall, q.f1))
        lines += [
            "",
            f"articles: {self.articles_predicted} in graph, {self.articles_gold} in gold, "
            f"{self.articles_aligned} aligned by text",
            f"headline recall: {self.headlines_found}/{self.headlines_gold} = {self.headline_recall:.3f}",
            f"author recall: {self.authors_found}/{self.authors_gold} = {self.author_recall:.3f}",
            f"place hierarchy accuracy: {self.hierarchy_correct}/{self.hierarchy_gold} = "
            f"{self.hierarchy_accuracy:.3f}",
        ]
        errors = [(f"{kind} {t.type}", names) for t in self.types.values()
                  for kind, names in (("missed", t.missed), ("spurious", t.spurious))]
        errors += [("missed quantities", q.missed), ("spurious quantities", q.spurious)]
        if any(names for _, names in errors):
            lines.append("")
        lines += [f"{what} ({len(names)}): {'; '.join(names)}" for what, names in errors if names]
        lines += ["", f"overall F1 = {self.f1:.3f}"]
        return "\n".join(lines) + "\n"


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


# ------------------------------------------------------------------- the gold


class _Gold(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GoldArticle(_Gold):
    """A gold article or photo caption: its headline and credits, and how its text begins."""

    id: str
    headline: str | None = None
    correspondents: list[str] = Field(default_factory=list)
    photographer: str | None = None
    first_chars: str = ""


class GoldEntity(_Gold):
    """A gold entity: its type and every form it may be named by."""

    id: str
    name: str
    type: str
    qualified_name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    parent: str | None = None

    def keys(self) -> set[str]:
        """Every normalized form this entity may be printed or labelled as."""
        forms = [self.name, self.qualified_name or "", *self.aliases, *self.mentions]
        return {k for k in map(normalize_name, forms) if k}


class GoldRelation(_Gold):
    """A gold relation between two gold entity ids (``locatedIn`` is scored)."""

    subject: str
    predicate: str
    object: str


class GoldQuantity(_Gold):
    """A gold quantity: value (or range minimum) and unit, as printed or in base units."""

    value: Decimal | None = None
    min_value: Decimal | None = None
    unit: str
    text: str = ""

    @model_validator(mode="after")
    def _has_value(self) -> GoldQuantity:
        if self.value is None and self.min_value is None:
            raise ValueError("a quantity needs a value (or a min_value for a range)")
        return self

    def base(self) -> tuple[Decimal, str]:
        """``(value, unit)`` in base units; a range by its minimum."""
        value = self.value if self.value is not None else self.min_value
        assert value is not None  # checked by _has_value
        return normalize_unit(value, self.unit)


class GoldFile(_Gold):
    """The gold annotation file (``tests/data/seed_gold.json``); unknown keys are ignored."""

    articles: list[GoldArticle] = Field(default_factory=list)
    entities: list[GoldEntity]
    relations: list[GoldRelation] = Field(default_factory=list)
    quantities: list[GoldQuantity] = Field(default_factory=list)


def _load_gold(path: Path) -> GoldFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(str(path), "no such gold file; give a JSON file like tests/data/seed_gold.json") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SourceError(str(path), f"cannot read the gold file as UTF-8 JSON ({e})") from None
    try:
        return GoldFile.model_validate(data)
    except PydanticValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise SourceError(str(path), f"gold record {where}: {err['msg']}; see tests/data/seed_gold.json "
                                     "for the expected shape") from None


# ------------------------------------------------------------------ the graph


def _load_graph(path: Path) -> Graph:
    if path.is_dir():
        path = path / "graph.ttl"
    if not path.is_file():
        raise SourceError(str(path), "no such graph file; build one with `kg build SOURCES --out DIR`")
    fmt = _FORMATS.get(path.suffix.lower()) or guess_format(str(path)) or "turtle"
    from kg.rdf import quiet_rdflib, union_graph  # rdf pulls in the serializers; only needed here

    try:
        with quiet_rdflib():
            if fmt in _DATASET_FORMATS:
                ds = Dataset()
                ds.parse(path, format=fmt)
                return union_graph(ds)
            return Graph().parse(path, format=fmt)
    except Exception as e:  # rdflib raises many unrelated types for a bad file
        raise SourceError(str(path), f"cannot parse as {fmt} ({type(e).__name__}: {e}); "
                                     "give an RDF export of kg build (graph.ttl, .trig, .nq, .jsonld)") from None


def _classes_of(g: Graph) -> dict[Node, str]:
    """Every class in the graph (and kg's own) → the scored type it falls under first."""
    ranked: dict[Node, int] = {cls: i for i, t in enumerate(SCORED_TYPES) for cls in _TYPE_CLASSES[t]}
    found: dict[Node, str] = {}
    candidates = set(g.objects(None, RDF.type)) | set(ranked)
    for cls in candidates:
        supers = set(g.transitive_objects(cls, RDFS.subClassOf))  # includes cls itself
        ranks = [ranked[s] for s in supers if s in ranked]
        if ranks:
            found[cls] = SCORED_TYPES[min(ranks)]
    return found


def _typed_nodes(g: Graph) -> dict[str, list[Node]]:
    """Scored type → its nodes, in IRI order."""
    classes = _classes_of(g)
    nodes: dict[str, list[Node]] = {t: [] for t in SCORED_TYPES}
    for s in sorted(set(g.subjects(RDF.type, None)), key=str):
        types = [classes[c] for c in g.objects(s, RDF.type) if c in classes]
        if types:
            nodes[min(types, key=SCORED_TYPES.index)].append(s)
    return nodes


def _names(g: Graph, node: Node) -> list[Literal]:
    return [o for p in _NAME_PROPERTIES for o in g.objects(node, p) if isinstance(o, Literal)]


def _display_name(g: Graph, node: Node) -> str:
    """The label to show for a node: a Chinese (or untagged) rdfs:label first, else any name, else the IRI."""
    names = _names(g, node)
    for lit in names:
        if lit.language is None or lit.language.lower() == "zh":
            return str(lit)
    return str(names[0]) if names else str(node)


# ------------------------------------------------------------------- matching


def normalize_name(text: str) -> str:
    """The form names are compared in: NFKC, then white space, quotes and brackets removed.

    ``“四议两公开”`` → ``四议两公开``; ``楼长（单元长）`` → ``楼长单元长``.
    """
    return _IGNORED_IN_NAMES.sub("", unicodedata.normalize("NFKC", text))


def _max_matching(edges: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn's augmenting paths): left index → right index.

    Left vertices are tried in the order of ``edges`` and their edges in list
    order, so the result is deterministic and favours what comes first.
    """
    owner: dict[int, int] = {}  # right → left

    def augment(left: int, seen: set[int]) -> bool:
        for right in edges[left]:
            if right in seen:
                continue
            seen.add(right)
            if right not in owner or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    for left in edges:
        augment(left, set())
    return {left: right for right, left in owner.items()}


def _score_entities(g: Graph, gold: GoldFile) -> tuple[dict[str, TypeScore], dict[str, Node]]:
    """Per-type scores, and gold entity id → the node matched to it.

    The number of matches is that of a maximum matching; which node gets which
    gold entity is decided by preference, so that the misses, the spurious
    names and the place hierarchy are read from the right pairs: a node
    first takes a gold entity it shares a name with that no other gold entity of
    the type has (郓城县委, not the shared 县委), then one whose gold parent is
    named like the node's ``schema:containedInPlace`` (two 王庄村 in two towns).
    """
    nodes = _typed_nodes(g)
    by_id = {e.id: e for e in gold.entities}
    parents: dict[str, set[str]] = {e.id: {e.parent} if e.parent else set() for e in gold.entities}
    for r in gold.relations:
        if r.predicate == "locatedIn" and r.subject in parents:
            parents[r.subject].add(r.object)
    scores: dict[str, TypeScore] = {}
    matched_node: dict[str, Node] = {}
    for t in SCORED_TYPES:
        golds = [e for e in gold.entities if e.type == t]
        by_key: dict[str, list[int]] = {}
        for j, e in enumerate(golds):
            for k in sorted(e.keys()):
                by_key.setdefault(k, []).append(j)
        preds = nodes[t]
        ranked: list[tuple[int, int, list[int]]] = []  # (-best preference, node index, gold indexes)
        for i, node in enumerate(preds):
            keys = {normalize_name(str(lit)) for lit in _names(g, node)}
            unique = {by_key[k][0] for k in keys if len(by_key.get(k, [])) == 1}
            up = {normalize_name(str(lit)) for p in g.objects(node, SCHEMA.containedInPlace) for lit in _names(g, p)}
            pref = {j: 2 * (j in unique) + any(by_id[p].keys() & up for p in parents[golds[j].id] if p in by_id)
                    for k in keys for j in by_key.get(k, [])}
            cands = sorted(pref, key=lambda j: (-pref[j], j))
            ranked.append((-pref[cands[0]] if cands else 0, i, cands))
        pairs = _max_matching({i: cands for _, i, cands in sorted(ranked)})
        for i, j in pairs.items():
            matched_node[golds[j].id] = preds[i]
        taken = set(pairs.values())
        scores[t] = TypeScore(
            type=t, gold=len(golds), predicted=len(preds), matched=len(pairs),
            missed=[e.name for j, e in enumerate(golds) if j not in taken],
            spurious=sorted(_display_name(g, n) for i, n in enumerate(preds) if i not in pairs),
        )
    return scores, matched_node


# ----------------------------------------------------------------- quantities


def normalize_unit(value: Decimal, unit: str) -> tuple[Decimal, str]:
    """``(value, unit)`` in kg's base units: (2, "公里") → (2000, "m"); (3, "MTK") → (3, "m2").

    Chinese unit words go through kg's unit table, UN/CEFACT codes through
    :data:`kg.store.UNIT_CODES`; km, km2 and ha are then converted to m and m2.
    A unit found nowhere (a measure word: 场次, 名 …) is kept as printed.
    """
    from kg.extract.quantities import units
    from kg.store import UNIT_CODES

    unit = unicodedata.normalize("NFKC", unit).strip()
    codes = {code: base for base, code in UNIT_CODES.items()}
    table = units()
    row = table.get(unit)
    if row is None:  # a multiplier folded into the unit: 万元, 万平方米
        for mult in sorted((u for u in table.values() if u.kind == "multiplier"), key=lambda u: -len(u.surface)):
            rest = table.get(unit[len(mult.surface):]) if unit.startswith(mult.surface) else None
            if rest is not None and rest.unit:
                value, row = value * mult.factor, rest
                break
    if row is not None and row.unit:
        value, unit = value * row.factor, row.unit
    unit = codes.get(unit, unit)
    if unit in _CONVERSIONS:
        base, factor = _CONVERSIONS[unit]
        value, unit = value * factor, base
    return value.normalize(), unit


def _decimal(node: Node | None) -> Decimal | None:
    if not isinstance(node, Literal):
        return None
    try:
        return Decimal(str(node))
    except InvalidOperation:
        return None


def _graph_quantities(g: Graph) -> Iterator[tuple[Decimal, str]]:
    for q in sorted(set(g.subjects(RDF.type, SCHEMA.QuantitativeValue)), key=str):
        value = _decimal(g.value(q, SCHEMA.value))
        if value is None:
            value = _decimal(g.value(q, SCHEMA.minValue))
        unit = g.value(q, SCHEMA.unitText) or g.value(q, SCHEMA.unitCode)
        if value is not None and unit is not None:
            yield normalize_unit(value, str(unit))


def _show(pairs: Counter[tuple[Decimal, str]]) -> list[str]:
    return [f"{format(v, 'f')} {u}" for (v, u), n in sorted(pairs.items(), key=str) for _ in range(n)]


def _score_quantities(g: Graph, gold: GoldFile) -> QuantityScore:
    want = Counter(q.base() for q in gold.quantities)
    have = Counter(_graph_quantities(g))
    both = want & have
    return QuantityScore(gold=sum(want.values()), predicted=sum(have.values()), matched=sum(both.values()),
                         missed=_show(want - have), spurious=_show(have - want))


# ------------------------------------------------------- articles and places


@dataclass
class _ArticleScore:
    predicted: int = 0
    aligned: int = 0
    headlines: tuple[int, int] = (0, 0)
    authors: tuple[int, int] = (0, 0)


def _score_articles(g: Graph, gold: GoldFile) -> _ArticleScore:
    articles = sorted({a for cls in _ARTICLE_CLASSES for a in g.subjects(RDF.type, cls)}, key=str)
    texts = {a: normalize_name(str(g.value(a, SCHEMA.text) or "")) for a in articles}
    has_text = any(texts.values())
    headlines = {a: Counter(normalize_name(str(h)) for h in g.objects(a, SCHEMA.headline)) for a in articles}
    credits = {a: Counter(normalize_name(_display_name(g, p)) for prop in _CREDIT_PROPERTIES
                          for p in g.objects(a, prop)) for a in articles}
    pool_headlines: Counter[str] = sum(headlines.values(), Counter())
    pool_credits: Counter[str] = sum(credits.values(), Counter())
    out = _ArticleScore(predicted=len(articles))
    found_h = gold_h = found_a = gold_a = 0
    for ga in gold.articles:
        start = normalize_name(ga.first_chars)
        aligned = next((a for a in articles if start and texts[a].startswith(start)), None)
        out.aligned += aligned is not None
        # unaligned: searched across all articles when alignment was impossible, else found nowhere
        pooled = aligned is None and (not has_text or not start)
        h_pool = headlines[aligned] if aligned is not None else pool_headlines if pooled else Counter()
        c_pool = credits[aligned] if aligned is not None else pool_credits if pooled else Counter()
        if ga.headline:
            gold_h += 1
            key = normalize_name(ga.headline)
            if h_pool[key] > 0:
                found_h += 1
                h_pool[key] -= 1
        for name in [*ga.correspondents, *([ga.photographer] if ga.photographer else [])]:
            gold_a += 1
            key = normalize_name(name)
            if c_pool[key] > 0:
                found_a += 1
                c_pool[key] -= 1
    out.headlines, out.authors = (found_h, gold_h), (found_a, gold_a)
    return out


def _score_hierarchy(g: Graph, gold: GoldFile, matched: dict[str, Node]) -> tuple[int, int]:
    located = [r for r in gold.relations if r.predicate == "locatedIn"]
    correct = 0
    for r in located:
        child, parent = matched.get(r.subject), matched.get(r.object)
        if child is None or parent is None or child == parent:
            continue
        if parent in set(g.transitive_objects(child, SCHEMA.containedInPlace)):
            correct += 1
    return correct, len(located)


# ----------------------------------------------------------------------- API


def evaluate(graph_path: Path, gold_path: Path) -> EvalReport:
    """Score the graph at ``graph_path`` against the gold file at ``gold_path``.

    See the module docstring for the matching rules. Raises
    :class:`kg.errors.SourceError` naming the file when either cannot be read.
    """
    graph_path, gold_path = Path(graph_path), Path(gold_path)
    gold = _load_gold(gold_path)
    g = _load_graph(graph_path)
    types, matched = _score_entities(g, gold)
    arts = _score_articles(g, gold)
    correct, located = _score_hierarchy(g, gold, matched)
    return EvalReport(
        graph=str(graph_path), gold_file=str(gold_path), types=types, quantities=_score_quantities(g, gold),
        articles_gold=len(gold.articles), articles_predicted=arts.predicted, articles_aligned=arts.aligned,
        headlines_found=arts.headlines[0], headlines_gold=arts.headlines[1],
        authors_found=arts.authors[0], authors_gold=arts.authors[1],
        hierarchy_correct=correct, hierarchy_gold=located,
    )
