"""Curated overrides: ``sources/curated/*.yaml``, where a user's decisions win over extraction.

A curated file may hold any of these lists (all optional)::

    pages:          # page metadata for a source (its file stem or id)
      - source: jining-daily-page
        newspaper: 济宁日报
        date: 2024-06-20
        page: "3"
    aliases:        # another name of an entity: mentions of it resolve to that entity
      - alias: 省农科院
        name: 山东省农业科学院
    merges:         # two entities kg kept apart are one (keep the first)
      - keep: 西柳庄村
        merge: [西柳村]
        reason: NBS list has only 西柳庄村 under 杨柳镇
    splits:         # one entity kg merged is two: the mentions in these articles get their own entity
      - name: 王庄村
        articles: [lnrb-0612-a3]
        new_name: 王庄村（沂南县岸堤镇）
    not_entities:   # names that are not entities (of a type, or of any type)
      - name: 刨根问底
        type: Program
    facts:          # extra relations, by entity name or key
      - subject: 汶上县财政局
        predicate: operatesIn
        object: 汶上县

Entities are named by key (``place/370831``) or by name or label. Files are
validated by the Pydantic models below; an invalid file raises
:class:`kg.errors.CuratedError` with file, line and field, and the build goes
on without it (:func:`load_curated` collects problems).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from kg.errors import CuratedError
from kg.iris import slug
from kg.models import EntityType, KnowledgeBase, PageMetadata, Relation
from kg.spool import ArticleRecords, apply_fix


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CuratedPage(_Strict):
    """Metadata of one source page (``source`` is its file stem or id)."""

    source: str
    newspaper: str | None = None
    date: dt.date | None = None
    page: str | None = None
    section: str | None = None
    url: str | None = None


class CuratedAlias(_Strict):
    """``alias`` is another name of the entity called ``name``."""

    alias: str
    name: str


class CuratedMerge(_Strict):
    """Entities ``merge`` are the same as ``keep``."""

    keep: str
    merge: list[str] = Field(min_length=1)
    reason: str | None = None


class CuratedSplit(_Strict):
    """Mentions of ``name`` in ``articles`` are a different entity, ``new_name``."""

    name: str
    articles: list[str] = Field(min_length=1)
    new_name: str


class CuratedNotEntity(_Strict):
    """``name`` is not an entity (of ``type``, or of any type when ``type`` is empty)."""

    name: str
    type: EntityType | None = None


class CuratedFact(_Strict):
    """An extra relation between two entities named by key, name or label."""

    subject: str
    predicate: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    object: str


class CuratedFile(_Strict):
    """One curated YAML file."""

    pages: list[CuratedPage] = Field(default_factory=list)
    aliases: list[CuratedAlias] = Field(default_factory=list)
    merges: list[CuratedMerge] = Field(default_factory=list)
    splits: list[CuratedSplit] = Field(default_factory=list)
    not_entities: list[CuratedNotEntity] = Field(default_factory=list)
    facts: list[CuratedFact] = Field(default_factory=list)
    path: str = ""


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """1-based line of the YAML node at ``loc`` (keys and list indexes), as deep as it exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def read_curated(path: str | Path) -> CuratedFile:
    """Read and validate one curated file. Raises :class:`CuratedError` with file, line and field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CuratedError(str(p), f"cannot read: {exc}; save it as UTF-8") from exc
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CuratedError(str(p), f"not valid YAML: {getattr(exc, 'problem', exc)}",
                           mark.line + 1 if mark else None) from exc
    if not isinstance(data, dict):
        raise CuratedError(str(p), "must be a mapping with pages/aliases/merges/splits/not_entities/facts", 1)
    try:
        return CuratedFile.model_validate({**data, "path": str(p)})
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        loc = [x for x in err["loc"]]
        field = ".".join(str(x) for x in loc)
        raise CuratedError(str(p), f"field {field}: {err['msg']}; fix it or remove the entry",
                           _line_of(node, loc)) from exc


def curated_files(paths: Iterable[str | Path]) -> list[Path]:
    """The ``curated/*.yaml`` files under the given source folders, sorted."""
    found: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.update(f for f in p.rglob("*.yaml") if f.parent.name == "curated")
            found.update(f for f in p.rglob("*.yml") if f.parent.name == "curated")
    return sorted(found)


def load_curated(paths: Iterable[str | Path], problems: list[str] | None = None) -> list[CuratedFile]:
    """Every valid curated file under ``paths``; invalid ones are reported in ``problems`` and skipped."""
    out = []
    for f in curated_files(paths):
        try:
            out.append(read_curated(f))
        except CuratedError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    return out


def page_metadata(curated: list[CuratedFile], source_id: str, stem: str, base: PageMetadata) -> PageMetadata:
    """``base`` with the curated values for this source filled in (curated wins)."""
    meta = base.model_copy()
    for cf in curated:
        for page in cf.pages:
            if page.source in (source_id, stem):
                for k, v in page.model_dump(exclude={"source"}).items():
                    if v is not None:
                        setattr(meta, k, v)
    return meta


def _find(kb: KnowledgeBase, ref: str) -> list[str]:
    if ref in kb.entities:
        return [ref]
    exact = [k for k, e in kb.entities.items() if e.name == ref]
    return exact or [k for k, e in kb.entities.items() if ref in e.labels]


def _merge(kb: KnowledgeBase, keep: str, gone: str) -> None:
    if keep == gone or gone not in kb.entities:
        return
    k, g = kb.entities[keep], kb.entities.pop(gone)
    for lab in [g.name, *g.labels]:
        if lab != k.name and lab not in k.labels:
            k.labels.append(lab)
    k.attributes["curated"] = "true"
    for e in kb.entities.values():
        if e.parent == gone:
            e.parent = keep
    _fix(kb, ("merge", gone, keep))


def _fix(kb: KnowledgeBase, fix: tuple[object, ...]) -> None:
    """A decision on the records: on the KnowledgeBase's lists now, and logged for its spooled articles
    (:func:`kg.spool.apply_fix`, replayed when they are read)."""
    rec = ArticleRecords(kb.mentions, kb.quantities, kb.relations)
    apply_fix(fix, rec)
    kb.mentions, kb.quantities, kb.relations = rec.mentions, rec.quantities, rec.relations
    if kb.spool is not None:
        kb.spool.fixes.append(fix)


def apply_curated(kb: KnowledgeBase, curated: list[CuratedFile], problems: list[str] | None = None) -> None:
    """Apply aliases, merges, splits, not-entities and facts to ``kb`` in place (curated wins).

    A reference that names no entity is reported in ``problems`` with its file.
    """
    def missing(cf: CuratedFile, what: str) -> None:
        if problems is not None:
            problems.append(f"{cf.path}: {what} names no entity in this build; check the spelling or key")

    for cf in curated:
        for ne in cf.not_entities:
            doomed = {k for k in _find(kb, ne.name) if ne.type is None or kb.entities[k].type == ne.type}
            if not doomed:
                missing(cf, f"not_entities {ne.name!r}")
            for k in doomed:
                del kb.entities[k]
            if doomed:
                _fix(kb, ("drop", frozenset(doomed)))
        for al in cf.aliases:
            targets = _find(kb, al.name)
            if not targets:
                missing(cf, f"aliases name {al.name!r}")
                continue
            keep = targets[0]
            for other in _find(kb, al.alias):
                if kb.entities[other].type == kb.entities[keep].type:
                    _merge(kb, keep, other)
            if al.alias not in kb.entities[keep].labels and al.alias != kb.entities[keep].name:
                kb.entities[keep].labels.append(al.alias)
            kb.entities[keep].attributes["curated"] = "true"
        for mg in cf.merges:
            keeps = _find(kb, mg.keep)
            if not keeps:
                missing(cf, f"merges keep {mg.keep!r}")
                continue
            for ref in mg.merge:
                gone = _find(kb, ref)
                if not gone:
                    missing(cf, f"merges {ref!r}")
                for g in gone:
                    _merge(kb, keeps[0], g)
        for sp in cf.splits:
            olds = _find(kb, sp.name)
            if not olds:
                missing(cf, f"splits {sp.name!r}")
                continue
            old = kb.entities[olds[0]]
            new_key = f"{old.key}-{slug(sp.new_name)}"
            new = old.model_copy(update={"key": new_key, "name": sp.new_name, "labels": [old.name],
                                         "attributes": {**old.attributes, "curated": "true"}})
            kb.entities[new_key] = new
            _fix(kb, ("split", old.key, new_key, frozenset(sp.articles)))
        for fact in cf.facts:
            s, o = _find(kb, fact.subject), _find(kb, fact.object)
            if not s or not o:
                missing(cf, f"facts {fact.subject!r} {fact.predicate} {fact.object!r}")
                continue
            kb.relations.append(Relation(subject=s[0], predicate=fact.predicate, object=o[0],
                                         rule=f"curated:{Path(cf.path).name}"))
    kb.entities = dict(sorted(kb.entities.items()))
