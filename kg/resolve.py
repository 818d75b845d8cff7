"""Stage 4: entity resolution — mentions across articles → one entity per real thing.

Rules:

* **Page region.** The newspaper's name (济宁日报 → 济宁) and the unambiguous
  county-level names on the page fix the region used to pick among same-named
  divisions (GB/T 2260 has several 新华区, 城区 …).
* **Jurisdiction.** Each article has a context of places by level, taken from
  its dateline (本报泗水讯 → 泗水县), its kicker (泗水县杨柳镇第一书记工作队 →
  泗水县, 杨柳镇) and the places named before a mention. A town's parent is the
  county in context, a village's the town in context: two 杨柳村 under two
  towns are two entities.
* **Gazetteer.** County-level and larger places carry their GB/T 2260 code and
  are linked up to the province; towns and villages carry NBS codes when a
  table was added (``--gazetteer``). A name not in the gazetteer (太白湖新区) is
  kept, typed by its suffix, attached to the nearest known parent and marked
  ``linked = False``; functional zones never get an invented code.
* **Qualified names.** A generic body is qualified by its jurisdiction:
  县委组织部 in a 汶上县 article is 汶上县委组织部, 财政局 there 汶上县财政局,
  区… in a 新区 article that 新区's body.
* **Keys** are stable and ASCII (``place/370831``, ``place/370831-yangliu-zhen``,
  ``org/wenshang-xian-caizheng-ju``), the source of every IRI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.extract.lexicon import table
from kg.gazetteer import Division, Gazetteer
from kg.iris import slug
from kg.models import (
    ArticleExtraction,
    Entity,
    KnowledgeBase,
    Mention,
    PageMetadata,
    Relation,
    ResolvedMention,
    Span,
)
from kg.normalize import matching_text

COUNTY_KINDS = ("县", "区", "县级市", "功能区", "旗")
TOWN_KINDS = ("镇", "乡", "街道")
VILLAGE_KINDS = ("村", "社区")
_LEVEL_OF_KIND = {"province": "省", "city": "市"}


def _level(div: Division) -> str:
    if div.level in _LEVEL_OF_KIND:
        return _LEVEL_OF_KIND[div.level]
    return {"市辖区": "区", "自治县": "县", "旗": "县", "自治旗": "县"}.get(div.kind, div.kind)


@dataclass
class _Context:
    """Places in force while reading one article, by level."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    town: str | None = None
    village: str | None = None
    org: str | None = None  # the body named by the last title (镇党委 in 镇党委书记)
    seen: list[str] = field(default_factory=list)

    def home(self) -> str | None:
        return self.town or self.county or self.city or self.province


class Resolver:
    """Resolve the extractions of a build into a :class:`KnowledgeBase`.

    Use: ``Resolver(gazetteer).resolve(extractions)``. Deterministic: the same
    extractions in the same order give the same entities, keys and order.
    """

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gaz = gazetteer or Gazetteer.default()
        self.kb = KnowledgeBase()
        self.region: str | None = None  # a prefecture or province code

    # -- entities ---------------------------------------------------------
    def _entity(self, key: str, **kw: object) -> Entity:
        ent = self.kb.entities.get(key)
        if ent is None:
            ent = Entity(key=key, **kw)  # type: ignore[arg-type]
            self.kb.entities[key] = ent
        return ent

    def _label(self, key: str, *labels: str) -> None:
        ent = self.kb.entities[key]
        for lab in labels:
            if lab and lab != ent.name and lab not in ent.labels:
                ent.labels.append(lab)

    def division(self, div: Division) -> str:
        """The entity key of a gazetteer division, creating it and its ancestors."""
        key = f"place/{div.code}"
        if key not in self.kb.entities:
            parent = self.gaz.parent(div)
            pkey = self.division(parent) if parent else None
            self._entity(key, type="AdministrativeArea", subtype=_level(div), name=div.name, code=div.code,
                         parent=pkey, linked=True)
        return key

    def _pick(self, divs: list[Division], ctx: _Context | None = None) -> Division | None:
        """Choose among same-named divisions: inside the article's context, then the page region."""
        if not divs:
            return None
        for anchor in ([ctx.county, ctx.city, ctx.province] if ctx else []) + [self.region]:
            code = anchor.split("/")[-1] if anchor and anchor.startswith("place/") else anchor
            if code and code.isdigit():
                inside = [d for d in divs if d.code == code or self.gaz.within(d, code)]
                if inside:
                    return inside[0]
        return divs[0] if len(divs) == 1 else None

    def _unlinked(self, name: str, level: str, parent: str | None, typ: str = "AdministrativeArea") -> str:
        pcode = parent.split("/", 1)[1] if parent else ""
        key = f"place/{pcode}-{slug(name)}" if pcode else f"place/{slug(name)}"
        self._entity(key, type=typ, subtype=level, name=name, parent=parent, linked=False)  # type: ignore[arg-type]
        return key

    # -- context ----------------------------------------------------------
    def _set(self, ctx: _Context, key: str) -> None:
        ent = self.kb.entities[key]
        lvl = ent.subtype or ""
        if lvl == "省":
            ctx.province = key
        elif lvl == "市":
            ctx.city, ctx.county, ctx.town = key, None, None
        elif lvl in COUNTY_KINDS:
            ctx.county, ctx.town = key, None
        elif lvl in TOWN_KINDS:
            ctx.town, ctx.village = key, None
        elif lvl in VILLAGE_KINDS:
            ctx.village = key
        if lvl in ("市",) + COUNTY_KINDS:
            # fill the levels above from the tree
            p = ent.parent
            while p:
                pe = self.kb.entities[p]
                if pe.subtype == "市" and ctx.city is None:
                    ctx.city = p
                if pe.subtype == "省" and ctx.province is None:
                    ctx.province = p
                p = pe.parent

    def place(self, m: Mention, ctx: _Context) -> str | None:
        """Resolve a place mention in its article context; returns the entity key."""
        name = m.name or m.surface
        if m.type == "Place":
            key = f"place/{slug(name)}"
            self._entity(key, type="Place", subtype=m.subtype, name=name)
            return key
        if m.rule == "dateline-place" or m.subtype is None:
            div = self._pick(self.gaz.lookup_short(name) or self.gaz.lookup(name), ctx)
            return self.division(div) if div else None
        level = m.subtype
        divs = self.gaz.lookup(name)
        if level in TOWN_KINDS:
            parent = ctx.county or ctx.city
        elif level in VILLAGE_KINDS:
            parent = ctx.town or ctx.county
        elif level == "功能区":
            parent = ctx.city or ctx.province
        else:
            parent = None
        if divs:
            div = self._pick(divs, ctx) if level not in TOWN_KINDS + VILLAGE_KINDS else next(
                (d for d in divs if parent and d.parent_code and
                 (f"place/{d.parent_code}" == parent or self.gaz.within(d, parent.split("/")[-1]))), None)
            if div:
                return self.division(div)
        if level in ("省", "市", "县", "区", "县级市") and not divs:
            return None
        return self._unlinked(name, level, parent)

    def _context_from(self, ex: ArticleExtraction) -> _Context:
        ctx = _Context()
        a = ex.article
        if self.region:
            self._set(ctx, self.division(self.gaz.get(self.region)))  # type: ignore[arg-type]
        for m in ex.mentions:
            if m.rule == "dateline-place":
                key = self.place(m, ctx)
                if key:
                    self._set(ctx, key)
        if a.kicker:
            from kg.extract.places import extract_places

            pseudo = a.model_copy(update={"text": a.kicker, "dateline": None, "dateline_place": None})
            for m in extract_places(pseudo, self.gaz):
                key = self.place(m, ctx)
                if key:
                    self._set(ctx, key)
        return ctx

    # -- organizations, programs, people -----------------------------------
    def org(self, m: Mention, ctx: _Context, places_in: list[tuple[Span, str]]) -> str:
        """Resolve an organization mention, qualifying a generic name by its jurisdiction."""
        printed = m.name or matching_text(m.surface)
        inner = [k for sp, k in places_in if m.span.start <= sp.start and sp.end <= m.span.end]
        if not any(sp.start == m.span.start for sp, _ in places_in):
            inner = []  # a place inside the name (微山湖党建网) qualifies it only when the name starts with it
        qualified = printed
        base = None
        heads = {r["head"]: r["government"] == "1" for r in table("org_heads.csv")}
        government = any(printed.endswith(h) and g for h, g in heads.items())
        if inner:
            base = inner[-1]
        elif printed.lstrip("该本")[:1] in "县区市省镇乡村" and not printed.startswith(("市场", "区域", "村级")):
            rest = printed.lstrip("该本")
            lvl = rest[0]
            base = {"县": ctx.county, "区": ctx.county, "市": ctx.city if ctx.county is None or
                    self.kb.entities[ctx.county].subtype != "县级市" else ctx.county,
                    "省": ctx.province, "镇": ctx.town, "乡": ctx.town, "村": ctx.village}[lvl]
            if base:
                qualified = self.kb.entities[base].name + rest[1:]
        elif government:
            base = ctx.county or ctx.city
            if base:
                qualified = self.kb.entities[base].name + printed
        else:
            base = ctx.home()
        if qualified != printed or inner:
            key = f"org/{slug(qualified)}"
        else:
            code = base.split("/", 1)[1] if base else ""
            key = f"org/{code}-{slug(printed)}" if code else f"org/{slug(printed)}"
        self._entity(key, type="Organization", subtype=m.subtype, name=qualified)
        self._label(key, printed, printed.replace("“", "").replace("”", ""), m.surface)
        if base:
            self._relation(key, "operatesIn", base, m)
        return key

    def program(self, m: Mention, ctx: _Context) -> str:
        """Resolve a program by its name (one node per name: 三会一课 is one system everywhere)."""
        surface = matching_text(m.surface)
        content = m.name or surface
        whole = surface.replace("“", "").replace("”", "")
        name = content if surface in (f"“{content}”", content, f"《{content}》") else surface
        key = f"program/{slug(name.replace('“', '').replace('”', ''))}"
        self._entity(key, type="Program", subtype=m.subtype, name=name)
        self._label(key, content, whole, m.surface)
        home = ctx.home()
        if home:
            self._relation(home, "runs", key, m)
        return key

    def person(self, m: Mention, meta: PageMetadata, ctx: _Context) -> str:
        """Resolve a person: correspondents one per name per newspaper, officials one per name per jurisdiction.

        An official (rule ``title-name``) is a member of the body the title
        names (镇党委 in 镇党委书记) and a 第一书记 serves the village in context.
        """
        name = m.name or m.surface
        if m.rule in ("title-name", "name-repeat"):
            where = ctx.county or ctx.city or ctx.province
            scope = where.split("/", 1)[1] + "-" if where else ""
        else:
            scope = slug(matching_text(meta.newspaper)) + "-" if meta.newspaper else ""
        key = f"person/{scope}{slug(matching_text(name))}"
        ent = self._entity(key, type="Person", subtype=m.subtype, name=name)
        self._label(key, matching_text(name))
        if m.rule == "title-name" and m.subtype:
            roles = [r for r in ent.attributes.get("roles", "").split(";") if r]
            if m.subtype not in roles:
                ent.attributes["roles"] = ";".join(roles + [m.subtype])
            if ctx.org:
                self._relation(key, "memberOf", ctx.org, m)
                ctx.org = None
            if "第一书记" in m.subtype and ctx.village:
                self._relation(key, "servesIn", ctx.village, m)
        return key

    def newspaper(self, meta: PageMetadata) -> str | None:
        if not meta.newspaper:
            return None
        key = f"org/{slug(meta.newspaper)}"
        self._entity(key, type="Organization", subtype="媒体", name=meta.newspaper, labels=["本报"])
        return key

    def _relation(self, s: str, p: str, o: str, m: Mention | None = None) -> None:
        rel = Relation(subject=s, predicate=p, object=o, article_id=m.article_id if m else None,
                       evidence=m.span if m else None, rule=m.rule if m else "context")
        if not any(r.subject == s and r.predicate == p and r.object == o for r in self.kb.relations):
            self.kb.relations.append(rel)

    # -- driver -------------------------------------------------------------
    def _page_region(self, extractions: list[ArticleExtraction]) -> None:
        metas = [ex.article.metadata for ex in extractions if ex.article.metadata.newspaper]
        for meta in metas:
            paper = meta.newspaper or ""
            for suffix in ("日报", "晚报", "都市报", "报"):
                if paper.endswith(suffix):
                    divs = self.gaz.lookup_short(paper[: -len(suffix)]) or self.gaz.lookup(paper[: -len(suffix)])
                    if len(divs) == 1:
                        self.region = divs[0].code
                        return
                    break

    def resolve(self, extractions: Iterable[ArticleExtraction]) -> KnowledgeBase:
        """Resolve every article's mentions and quantities; returns the knowledge base."""
        exs = list(extractions)
        self._page_region(exs)
        for ex in exs:
            a = ex.article
            self.kb.articles.append(a)
            ctx = self._context_from(ex)
            paper = self.newspaper(a.metadata) if a.dateline else None
            if paper:
                self.kb.relations.append(Relation(subject=a.id, predicate="reportedBy", object=paper,
                                                  article_id=a.id, evidence=a.dateline, rule="dateline"))
            places_in: list[tuple[Span, str]] = []
            for m in ex.mentions:
                key: str | None
                if m.type in ("AdministrativeArea", "Place"):
                    key = self.place(m, ctx)
                    if key and m.type == "AdministrativeArea":
                        self._set(ctx, key)
                    if key:
                        places_in.append((m.span, key))
                elif m.type == "Organization":
                    key = self.org(m, ctx, places_in)
                    ctx.org = key if m.rule == "title-org" else None
                elif m.type == "Program":
                    key = self.program(m, ctx)
                else:
                    key = self.person(m, a.metadata, ctx)
                    if m.rule == "byline":
                        pred = "creator" if m.subtype == "摄影" else "author"
                        self.kb.relations.append(Relation(subject=a.id, predicate=pred, object=key,
                                                          article_id=a.id, evidence=m.span, rule="byline"))
                if key is None:
                    continue
                if m.type in ("AdministrativeArea", "Place") and key:
                    self._label(key, m.surface)
                self.kb.mentions.append(ResolvedMention(mention=m, entity=key))
            home = ctx.home()
            if home:
                self.kb.relations.append(Relation(subject=a.id, predicate="about", object=home, article_id=a.id,
                                                  rule="context"))
            for q in ex.quantities:
                q.id = f"{a.id}-q{q.span.start}"
                q.subject = q.subject or home
                self.kb.quantities.append(q)
        self.kb.entities = dict(sorted(self.kb.entities.items()))
        return self.kb


def resolve(extractions: Iterable[ArticleExtraction], gazetteer: Gazetteer | None = None) -> KnowledgeBase:
    """Resolve extractions into a :class:`KnowledgeBase` (see :class:`Resolver`)."""
    return Resolver(gazetteer).resolve(extractions)
