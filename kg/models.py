"""Pydantic models: the contracts between kg's stages.

Stages talk only through these models (see DESIGN.md):

    SourceDocument --layout--> Article --extract--> Mention / Quantity / RelationCandidate
    --resolve--> KnowledgeBase (Entity, Relation, Quantity) --rdf--> rdflib Dataset

Offsets are Python string indices (Unicode code points) into ``Article.text``;
a :class:`Span` is half-open, ``text[start:end]``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal, SupportsIndex

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

EntityType = Literal["AdministrativeArea", "Place", "Organization", "Program", "Person"]
Qualifier = Literal["exact", "approx", "more_than", "nearly", "at_most", "range"]


def _unpickle(cls: type[BaseModel], values: dict[str, Any], fields_set: set[str]) -> BaseModel:
    """A model from :meth:`_Model.__reduce_ex__`'s pickle, as pydantic's ``__setstate__`` makes it."""
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", fields_set)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        """Pickle as ``(class, field values, fields set)``: unpickling calls one function per model, not
        pydantic's ``__setstate__`` with its state dict (~20% less CPU to unpickle an extraction, which
        the parent process of a build does for every article, :mod:`kg.parallel`). A model with private
        attributes or extra fields pickles as pydantic pickles it."""
        if self.__pydantic_private__ is not None or self.__pydantic_extra__ is not None:
            return super().__reduce_ex__(protocol)
        return _unpickle, (type(self), self.__dict__, self.__pydantic_fields_set__)


SHARED_STRING_MAX = 40
"""Strings up to this many characters are interned by :func:`compact` (ids, types, rules, units, surfaces)."""

_ALL_FIELDS: dict[type, set[str]] = {}


def compact(models: Iterable[BaseModel], *, deep: bool = True) -> None:
    """Shrink ``models`` (and every model and list they contain) in place, without changing a value.

    A Pydantic instance keeps its own ``__pydantic_fields_set__`` (a set of
    200–700 bytes, more than the values of a small model) and every string it
    was given; an extraction repeats the same article id, type, rule and unit
    in each of its mentions. Here strings of at most :data:`SHARED_STRING_MAX`
    characters are interned (``sys.intern``), and each instance's fields-set
    becomes one set per model class naming every field, so ``model_fields_set``
    then lists all fields (kg never dumps with ``exclude_unset``); assigning a
    field afterwards adds a name already there, so the shared set never changes.
    A model compacted before is skipped with its contents; with ``deep=False``
    the models and lists they contain are left as they are (for records that
    wrap models compacted already, e.g. a ``ResolvedMention``'s ``Mention``).
    Pickling a compacted list keeps the sharing (pickle writes a shared object
    once), which is how worker processes hand extractions to the parent
    (:mod:`kg.parallel`). Measured on generated pages: ~90 → ~40 KB per
    extracted article. Raises nothing.
    """
    intern = sys.intern
    todo = list(models)
    while todo:
        m = todo.pop()
        cls = type(m)
        full = _ALL_FIELDS.get(cls)
        if full is None:
            full = _ALL_FIELDS[cls] = set(cls.model_fields)
        elif m.__pydantic_fields_set__ is full:
            continue  # compacted already, with what it held then
        object.__setattr__(m, "__pydantic_fields_set__", full)
        values = m.__dict__
        for key, v in values.items():
            t = type(v)
            if t is str:
                if len(v) <= SHARED_STRING_MAX:
                    values[key] = intern(v)
            elif t is list:
                for i, x in enumerate(v):
                    if type(x) is str:
                        if len(x) <= SHARED_STRING_MAX:
                            v[i] = intern(x)
                    elif deep and isinstance(x, BaseModel):
                        todo.append(x)
            elif deep and isinstance(v, BaseModel):
                todo.append(v)


class PageMetadata(_Model):
    """Metadata of one page, from its sidecar ``<stem>.meta.yaml`` or a curated file.

    Unknown values stay ``None``: kg never guesses a date that is not printed.
    """

    newspaper: str | None = None
    date: dt.date | None = None
    page: str | None = None
    section: str | None = None
    url: str | None = None

    @field_validator("page", "section", mode="before")
    @classmethod
    def _number_as_text(cls, v: object) -> object:
        """A page written as a number in YAML or JSON (``page: 3``) is the text "3"."""
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class SourceDocument(_Model):
    """One decoded input file.

    ``id`` is an ASCII slug of the file stem, unique within a build; ``sha256``
    is the digest of the raw bytes; ``encoding`` the codec the bytes were
    decoded with (``utf_8``, ``utf_8_sig``, ``gb18030`` ...).
    """

    id: str
    path: str
    sha256: str
    encoding: str
    text: str
    metadata: PageMetadata = Field(default_factory=PageMetadata)
    title: str | None = Field(default=None, description="an article's title given by a corpus record: "
                                                         "the text is then one article, not a page")
    record: int | None = Field(default=None, description="1-based line of the record in a JSON Lines file")


class Span(_Model):
    """A half-open character span ``[start, end)`` into an article's ``text``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} before start {self.start}")
        return self


class Byline(_Model):
    """A person credited on an article: a correspondent (通讯员), reporter (记者) or photographer."""

    name: str
    role: str = "通讯员"
    span: Span | None = None


class Article(_Model):
    """One article or photo caption laid out from a page.

    ``text`` is the body with hard line breaks removed: every character comes
    from the source, in order; paragraphs are separated by a single ``\\n``
    (see ``paragraphs``). ``source_lines`` is the 1-based inclusive line range
    of the body in the source file. Headline and kicker are not part of
    ``text``: they are printed after the body on this kind of page.
    """

    id: str
    source_id: str
    index: int = Field(ge=1, description="1-based position on the page")
    kind: Literal["article", "photo"] = "article"
    headline: str | None = None
    kicker: str | None = None
    dateline_place: str | None = None
    dateline: Span | None = None
    bylines: list[Byline] = Field(default_factory=list)
    text: str
    paragraphs: list[Span] = Field(default_factory=list)
    source_lines: tuple[int, int]
    metadata: PageMetadata = Field(default_factory=PageMetadata)

    @property
    def correspondents(self) -> list[str]:
        """Names credited as writers (not photographers), in printed order."""
        return [b.name for b in self.bylines if b.role != "摄影"]

    @property
    def photographers(self) -> list[str]:
        """Names credited for the photograph (``■通讯员 张雅 摄``)."""
        return [b.name for b in self.bylines if b.role == "摄影"]


class Mention(_Model):
    """A name found in an article: ``surface == article.text[span.start:span.end]``.

    ``subtype`` is the level for places (省/市/县/区/功能区/镇/乡/街道/村/社区 ...),
    the head for organizations (党支部, 局, 合作社 ...) and programs (模式, 活动 ...),
    and the role for people (通讯员, 记者, 摄影).
    """

    article_id: str
    span: Span
    surface: str
    type: EntityType
    subtype: str | None = None
    name: str | None = Field(default=None, description="the entity name if it differs from surface")
    rule: str = Field(description="the extraction rule that produced the mention")


class Quantity(_Model):
    """A number with its unit: 25.5万元 → value 255000, unit CNY, qualifier exact.

    ``value`` is in base units as a Decimal (never float): 万/亿 folded in,
    平方米 → m2, 米 → m, 元 → CNY; other measure words (场次, 名, 户 …) are
    kept as the unit. ``measures`` is the clause before the number, ``subject``
    the entity key the figure is about (filled in by resolution).
    """

    id: str = ""
    article_id: str
    span: Span
    surface: str
    value: Decimal | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    unit: str
    qualifier: Qualifier = "exact"
    measures: str | None = None
    subject: str | None = None
    recipients: list[str] = Field(default_factory=list, description="entity keys of places that received funds")


class RelationCandidate(_Model):
    """A relation between two mentions in one article, with its evidence span."""

    article_id: str
    subject: Span
    predicate: str
    object: Span
    evidence: Span
    rule: str


class ArticleExtraction(_Model):
    """Everything extracted from one article (the unit of parallel work)."""

    article: Article
    mentions: list[Mention] = Field(default_factory=list)
    quantities: list[Quantity] = Field(default_factory=list)
    relations: list[RelationCandidate] = Field(default_factory=list)


class Entity(_Model):
    """A resolved real-world entity.

    ``key`` is the stable identifier kg derives IRIs from (``place/370831``,
    ``org/wenshang-xianwei-zuzhibu`` ...). ``name`` is the qualified name
    (汶上县委组织部), ``labels`` every printed form seen. ``code`` is the
    GB/T 2260 (or NBS 12-digit) division code when one exists; ``linked`` says
    whether the entity was found in the gazetteer.
    """

    key: str
    type: EntityType
    subtype: str | None = None
    name: str
    labels: list[str] = Field(default_factory=list)
    code: str | None = None
    parent: str | None = Field(default=None, description="key of the containing place")
    linked: bool = False
    attributes: dict[str, str] = Field(default_factory=dict)


class Relation(_Model):
    """A resolved relation between two entity keys, with provenance."""

    subject: str
    predicate: str
    object: str
    article_id: str | None = None
    evidence: Span | None = None
    rule: str = ""


class ResolvedMention(_Model):
    """A mention and the entity it resolved to."""

    mention: Mention
    entity: str


class KnowledgeBase(_Model):
    """The resolved graph of a build: the input of every exporter.

    Lists are kept in a deterministic order (by key, then by article and offset).
    """

    articles: list[Article] = Field(default_factory=list)
    entities: dict[str, Entity] = Field(default_factory=dict)
    mentions: list[ResolvedMention] = Field(default_factory=list)
    quantities: list[Quantity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    sources: list[SourceDocument] = Field(default_factory=list)
    merge_candidates: list[dict[str, str]] = Field(
        default_factory=list, description="near-duplicate pairs for review (kg.review.COLUMNS)")
    _spool: Any = PrivateAttr(default=None)

    @property
    def spool(self) -> Any:
        """A :class:`kg.spool.RecordSpool` holding the mentions, quantities and relations of the
        articles (then not in the lists above; ``relations`` keeps those of no article), or None."""
        return self._spool

    @spool.setter
    def spool(self, value: Any) -> None:
        self._spool = value

    def record_counts(self) -> tuple[int, int, int]:
        """(mentions, quantities, relations), spooled ones included."""
        sp = self._spool
        extra = sp.totals() if sp is not None else (0, 0, 0)
        return len(self.mentions) + extra[0], len(self.quantities) + extra[1], len(self.relations) + extra[2]
