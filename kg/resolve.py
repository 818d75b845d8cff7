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

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kg.collector import collector_paused
from kg.extract.lexicon import table
from kg.gazetteer import Division, Gazetteer
from kg.iris import slug
from kg.models import (
    ArticleExtraction,
    Entity,
    KnowledgeBase,
    Mention,
    PageMetadata,
    Quantity,
    Relation,
    ResolvedMention,
    Span,
    compact,
)
from kg.normalize import matching_text
from kg.spool import ArticleRecords, RecordSpool

COUNTY_KINDS = ("县", "区", "县级市", "功能区", "旗")
TOWN_KINDS = ("镇", "乡", "街道")
VILLAGE_KINDS = ("村", "社区")
# Bodies that every town, street and county has: printed alone, they are the nearest jurisdiction's.
LOCAL_BODIES = ("党委", "党工委", "人民政府", "办事处", "政府")
# A place said to lie somewhere: 微山县地处微山湖与京杭大运河交汇处, 某县位于山东省西南部.
SITUATED = re.compile(r"(?:地处|位于|坐落于|地处于)")
# News agencies whose wire stories a paper prints under their own dateline (新华社济南5月28日电).
AGENCIES = ("新华社", "中新社", "人民网", "新华网", "中国新闻社")
SENTENCE_ENDS = "。！？；\n"
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_ENDS)}]")
_CLAUSE_END = re.compile(f"[{re.escape(SENTENCE_ENDS + '，：')}]")


class _Units:
    """An article's text cut into sentences (or clauses), with the mentions that start in each."""

    def __init__(self, text: str, ends: re.Pattern[str], mentions: list[ResolvedMention]) -> None:
        # where each unit starts: 0, after each end character, and a sentinel past the end
        self.bounds = [0] + [m.end() for m in ends.finditer(text)] + [len(text) + 1]
        self._members: dict[int, list[ResolvedMention]] = {}
        for rm in mentions:
            self._members.setdefault(self._unit(rm.mention.span.start), []).append(rm)

    def _unit(self, pos: int) -> int:
        return bisect.bisect_right(self.bounds, pos) - 1

    def start(self, pos: int) -> int:
        """Where the unit of ``pos`` starts."""
        return self.bounds[self._unit(pos)]

    def before(self, pos: int, types: tuple[str, ...]) -> list[ResolvedMention]:
        """The mentions of these types in the unit of ``pos`` that end by ``pos``, in order."""
        return [rm for rm in self._members.get(self._unit(pos), ())
                if rm.mention.type in types and rm.mention.span.end <= pos]


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((r["short"], r["full"]) for r in table("abbreviations.csv")), key=lambda t: -len(t[0])))


_PARTY_COMMITTEE = re.compile(r"^(?:中共)?(.+?[省市县区旗])委$")


def expand_abbreviations(name: str) -> str:
    """The full form of an organization name (``kg/data/abbreviations.csv``).

    山东省农科院 → 山东省农业科学院; a party committee's short form is its formal
    name (宁阳县委 → 中共宁阳县委员会, as in 《中国共产党地方委员会工作条例》).
    """
    m = _PARTY_COMMITTEE.match(name)
    if m:
        return f"中共{m.group(1)}委员会"
    for short, full in _abbreviations():
        if name.endswith(short) and not name.endswith(full):
            return name[: -len(short)] + full
    return name


@lru_cache(maxsize=1)
def _government_heads() -> tuple[str, ...]:
    return tuple(r["head"] for r in table("org_heads.csv") if r["government"] == "1")


# Heads of bodies made of other bodies (由A、B…成立X小组; 县老年大学 in 县老年大学教育联盟).
GROUP_HEADS = ("小组", "联盟", "专班", "委员会", "联合会", "工作队", "服务队", "总队")
# Verbs that make an amount of money a grant to the places named before it (争取资金25.5万元).
FUNDING_WORDS = ("争取", "获得", "落实", "筹措", "筹集", "投入", "拨付", "下达", "奖补", "补助")
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
    named: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, level) → key, this article
    first: dict[str, str] = field(default_factory=dict)  # 县/区/市/镇/乡 → the article's first such place
    first_county: str | None = None  # the article's own county: its first county-level place
    last_place: tuple[int, str] | None = None  # (end offset, key) of the place mention just resolved
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
        self._facts: set[tuple[str, str, str]] = set()
        self._located: set[str] = set()  # bodies whose place is known
        # indexes of the entities made so far, keys in creation order (an entity's name, level and parent
        # do not change during resolution)
        self._areas: dict[tuple[str, str | None], list[str]] = {}  # (name, level) → administrative areas
        self._areas_under: dict[tuple[str, str | None, str | None], list[str]] = {}  # (name, level, parent) → same
        self._officials: dict[str, list[str]] = {}  # name → people whose key is scoped by a division code
        # answers remembered for the whole build (a build asks the same questions many times over)
        self._slugs: dict[str, str] = {}
        self._views: dict[str, str] = {}
        self._inside: dict[tuple[Division, str], bool] = {}

    def _slug(self, text: str) -> str:
        """:func:`kg.iris.slug` of ``text`` (its own cache is bounded; a large build spells more names)."""
        spelled = self._slugs.get(text)
        if spelled is None:
            spelled = self._slugs[text] = slug(text)
        return spelled

    def _view(self, text: str) -> str:
        """:func:`kg.normalize.matching_text` of ``text``."""
        view = self._views.get(text)
        if view is None:
            view = self._views[text] = matching_text(text)
        return view

    def _within(self, div: Division, code: str) -> bool:
        """Whether ``div`` lies inside the division ``code`` (:meth:`Gazetteer.within`)."""
        inside = self._inside.get((div, code))
        if inside is None:
            inside = self._inside[(div, code)] = self.gaz.within(div, code)
        return inside

    # -- entities ---------------------------------------------------------
    def _entity(self, key: str, **kw: object) -> Entity:
        ent = self.kb.entities.get(key)
        if ent is None:
            ent = Entity(key=key, **kw)  # type: ignore[arg-type]
            self.kb.entities[key] = ent
            if ent.type == "AdministrativeArea":
                self._areas.setdefault((ent.name, ent.subtype), []).append(key)
                self._areas_under.setdefault((ent.name, ent.subtype, ent.parent), []).append(key)
            elif ent.type == "Person" and key.split("/", 1)[1].split("-", 1)[0].isdigit():
                self._officials.setdefault(ent.name, []).append(key)
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
                inside = [d for d in divs if d.code == code or self._within(d, code)]
                if inside:
                    return inside[0]
        return divs[0] if len(divs) == 1 else None

    def _page_namesake(self, name: str, level: str, town: str | None) -> str | None:
        """The one town or village of this name already resolved on the page (under ``town`` if given)."""
        same = self._areas.get((name, level), []) if town is None else self._areas_under.get((name, level, town), [])
        return same[0] if len(same) == 1 else None

    def _unlinked(self, name: str, level: str, parent: str | None, typ: str = "AdministrativeArea",
                  key_name: str | None = None) -> str:
        pcode = parent.split("/", 1)[1] if parent else ""
        tail = self._slug(key_name or name)
        key = f"place/{pcode}-{tail}" if pcode else f"place/{tail}"
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
        char = {"县": "县", "旗": "县", "区": "区", "功能区": "区", "县级市": "市", "市": "市",
                "镇": "镇", "乡": "乡", "街道": "镇"}.get(lvl)
        if char:
            ctx.first.setdefault(char, key)
        if lvl in COUNTY_KINDS and ctx.first_county is None:
            ctx.first_county = key

    def place(self, m: Mention, ctx: _Context) -> str | None:
        """Resolve a place mention in its article context; returns the entity key."""
        name = m.name or m.surface
        if m.type == "Place":
            key = f"place/{self._slug(name)}"
            self._entity(key, type="Place", subtype=m.subtype, name=name)
            return key
        if m.rule == "dateline-place" or m.subtype is None:
            div = self._pick(self.gaz.lookup_short(name) or self.gaz.lookup(name), ctx)
            return self.division(div) if div else None
        level = m.subtype
        divs = self.gaz.lookup(name)
        if level in TOWN_KINDS + VILLAGE_KINDS and ctx.county is None:
            # no county in this article (a photo caption): the page's own town or village of that name
            same = self._page_namesake(name, level, ctx.town if level in VILLAGE_KINDS else None)
            if same:
                return same
        if level == "组":  # a villagers' group: named after its village (梅湾村3组)
            if ctx.village is None:
                return None
            village_key: str = ctx.village
            village = self.kb.entities[village_key].name
            short = name[len(village):] if name.startswith(village) else name
            return self._unlinked(village + short, level, village_key, key_name=short)
        if level in TOWN_KINDS + VILLAGE_KINDS and (name, level) in ctx.named:
            return ctx.named[(name, level)]  # named again in the same article: the same place
        parent: str | None
        adjacent = (ctx.last_place[1] if ctx.last_place and ctx.last_place[0] == m.span.start else None)
        if level in TOWN_KINDS:
            # right after its county (郓城县黄安镇), else the article's own county, not a neighbour named since
            if adjacent and self.kb.entities[adjacent].subtype in COUNTY_KINDS:
                parent = adjacent
            else:
                parent = ctx.first_county or ctx.county or ctx.city
        elif level in VILLAGE_KINDS:
            parent = ctx.town or ctx.county
        elif level == "功能区":
            parent = ctx.city or ctx.province
        else:
            parent = None
        if divs:
            div = self._pick(divs, ctx) if level not in TOWN_KINDS + VILLAGE_KINDS else next(
                (d for d in divs if parent and d.parent_code and
                 (f"place/{d.parent_code}" == parent or self._within(d, parent.split("/")[-1]))), None)
            if div:
                return self.division(div)
        if level in ("省", "市", "县", "区", "县级市") and not divs:
            return None
        return self._unlinked(name, level, parent)

    def _context_from(self, ex: ArticleExtraction) -> tuple[_Context, str | None]:
        """The article's places before its body is read (page region, dateline, kicker), and the
        organization its kicker names, if any (泗水县杨柳镇第一书记工作队: the article's main actor).

        The kicker is printed outside the article text, so its names are found here, on its
        matching view, and give context but no mentions.
        """
        from kg.extract.orgs import extract_orgs
        from kg.extract.places import extract_places

        ctx = _Context()
        a = ex.article
        if self.region:
            self._set(ctx, self.division(self.gaz.get(self.region)))  # type: ignore[arg-type]
        for m in ex.mentions:
            if m.rule == "dateline-place":
                key = self.place(m, ctx)
                if key:
                    self._set(ctx, key)
        if not a.kicker:
            return ctx, None
        view = self._view(a.kicker)
        pseudo = a.model_copy(update={"text": view, "dateline": None, "dateline_place": None})
        places: list[tuple[Span, str]] = []
        for m in extract_places(pseudo, self.gaz):
            key = self.place(m, ctx)
            if key:
                self._set(ctx, key)
                places.append((m.span, key))
        whole = [m for m in extract_orgs(pseudo) if m.span.start == 0 and m.span.end == len(view)]
        return ctx, (self.org(whole[0], ctx, places) if whole else None)

    # -- organizations, programs, people -----------------------------------
    def org(self, m: Mention, ctx: _Context, places_in: list[tuple[Span, str]]) -> str:
        """Resolve an organization mention, qualifying a generic name by its jurisdiction.

        The place a name fixes (an administrative area it starts with, or the
        jurisdiction of a 县/区/镇… prefix or of a bare department name) becomes
        its ``operatesIn``; other bodies get theirs from the sentence
        (:meth:`_attribute`). Keys of unqualified names carry the home place's
        code, so two counties' 老年书画学会 stay two bodies.
        """
        printed = m.name or self._view(m.surface)
        inner = [k for sp, k in places_in if m.span.start <= sp.start and sp.end <= m.span.end
                 and self.kb.entities[k].type == "AdministrativeArea"]
        if not any(sp.start == m.span.start for sp, k in places_in if k in inner):
            inner = []  # a place inside the name qualifies it only when the name starts with it
        qualified = printed
        fixed: str | None = None  # the place the name itself fixes
        government = printed.endswith(_government_heads())
        rest = printed.lstrip("该本")
        named = [k for k in (ctx.town, ctx.county, ctx.city, ctx.province)
                 if k and printed.removeprefix("中共").removeprefix("政协").startswith(self.kb.entities[k].name)]
        if inner or named:
            fixed = inner[-1] if inner else named[0]
        elif rest[:1] in "县区市省镇乡村" and not printed.startswith(("市场", "区域", "村级")):
            # 县委组织部 is the article's county's: the first place of that kind in the article
            fixed = ctx.first.get(rest[0]) or {"县": ctx.county, "区": ctx.county, "市": ctx.city,
                                                "省": ctx.province, "镇": ctx.town, "乡": ctx.town,
                                                "村": ctx.village}[rest[0]]
            if fixed:
                qualified = self.kb.entities[fixed].name + rest[1:]
        elif printed in LOCAL_BODIES:
            fixed = ctx.town or ctx.county or ctx.city  # 党委 or 办事处 alone: the town's or street's own
            if fixed:
                qualified = self.kb.entities[fixed].name + printed
        elif government:
            fixed = ctx.county or ctx.city
            if fixed:
                qualified = self.kb.entities[fixed].name + printed
        canonical = expand_abbreviations(qualified)
        if qualified != printed or inner or named:
            key = f"org/{self._slug(canonical)}"
        else:
            home = ctx.home()
            code = home.split("/", 1)[1] if home else ""
            key = f"org/{code}-{self._slug(printed)}" if code else f"org/{self._slug(printed)}"
        self._entity(key, type="Organization", subtype=m.subtype, name=qualified)
        self._label(key, printed, printed.replace("“", "").replace("”", ""), m.surface, canonical)
        if fixed:
            self._relation(key, "operatesIn", fixed, m)
        return key

    def program(self, m: Mention, ctx: _Context) -> str:
        """Resolve a program by its name (one node per name: 三会一课 is one system everywhere)."""
        surface = self._view(m.surface)
        content = m.name or surface
        whole = surface.replace("“", "").replace("”", "")
        name = content if surface in (f"“{content}”", content, f"《{content}》") else surface
        key = f"program/{self._slug(name.replace('“', '').replace('”', ''))}"
        self._entity(key, type="Program", subtype=m.subtype, name=name)
        self._label(key, content, whole, m.surface)
        return key

    def person(self, m: Mention, meta: PageMetadata, ctx: _Context) -> str:
        """Resolve a person: correspondents one per name per newspaper, officials one per name per jurisdiction.

        An official (rule ``title-name``) is a member of the body the title
        names (镇党委 in 镇党委书记) and a 第一书记 serves the village in context.
        """
        name = m.name or m.surface
        if m.rule in ("title-name", "name-repeat", "roster", "speaker"):
            same = self._officials.get(name, []) if ctx.county is None else []
            where = ctx.county or ctx.city or ctx.province
            scope = where.split("/", 1)[1] + "-" if where else ""
            if len(same) == 1:  # an official of this page named again where no county is in context
                scope = same[0].split("/", 1)[1].rsplit("-", 1)[0] + "-"
        else:
            scope = self._slug(self._view(meta.newspaper)) + "-" if meta.newspaper else ""
        key = f"person/{scope}{self._slug(self._view(name))}"
        ent = self._entity(key, type="Person", subtype=m.subtype, name=name)
        self._label(key, self._view(name))
        if m.rule in ("title-name", "roster") and m.subtype:
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
        key = f"org/{self._slug(self._view(meta.newspaper))}"
        self._entity(key, type="Organization", subtype="媒体", name=meta.newspaper, labels=["本报"])
        if self.region and self.gaz.get(self.region):
            self._relation(key, "operatesIn", self.division(self.gaz.get(self.region)))  # type: ignore[arg-type]
        return key

    def _relation(self, s: str, p: str, o: str, m: Mention | None = None) -> None:
        """Add the relation once (the first evidence for a fact is kept)."""
        if (s, p, o) in self._facts:
            return
        self._facts.add((s, p, o))
        if p == "operatesIn":
            self._located.add(s)
        self.kb.relations.append(Relation(subject=s, predicate=p, object=o, article_id=m.article_id if m else None,
                                          evidence=m.span if m else None, rule=m.rule if m else "context"))

    def _attribute(self, text: str, home: str | None, topic: str | None,
                   mentions: list[ResolvedMention], quantities: list[Quantity]) -> None:
        """Relations read from the sentence around each mention (SENTENCE_ENDS bound a sentence).

        * A program is run by the nearest organization before it in its
          sentence, else the nearest administrative area there, else the
          article's topic (an organization in the kicker, else its home place).
        * An organization whose name does not fix its place operates in the
          places listed in its clause before it (建立京津冀、长三角3个驻点招商专班),
          else the nearest place before it in its sentence, else the home place.
        * Bodies listed with 、 before a group body in the same sentence (由A、B
          分别…成立X小组) are its members; a body whose name continues an earlier
          group's head (专班党支部 after 驻点招商专班) is part of it; a body nested
          in a longer name (县老年大学 in 县老年大学教育联盟) is a member of it.
        * A quantity is about the nearest actor before it in its sentence (else
          the topic); money that is 争取/获得/投入 … goes to every town, village
          or community named before it in the sentence (``recipients``).
        """
        known = [rm for rm in mentions if rm.entity in self.kb.entities]
        sentences = _Units(text, _SENTENCE_END, known)
        clauses = _Units(text, _CLAUSE_END, known)
        before = sentences.before

        located = self._located
        orgs_seen: list[tuple[ResolvedMention, str]] = []  # with the group head its name ends with, or ""
        for rm in mentions:
            m = rm.mention
            if m.type == "Program":
                runner = before(m.span.start, ("Organization",)) or before(m.span.start, ("AdministrativeArea",))
                who = runner[-1].entity if runner else topic
                if who:
                    self._relation(who, "runs", rm.entity, m)
            elif m.type == "Organization" and m.rule != "title-org":
                name = self.kb.entities[rm.entity].name
                if rm.entity not in located:
                    listed = clauses.before(m.span.start, ("AdministrativeArea", "Place"))
                    near = before(m.span.start, ("AdministrativeArea", "Place"))
                    for place in ({p.entity for p in listed} or {near[-1].entity} if (listed or near) else
                                  ({home} if home else set())):
                        self._relation(rm.entity, "operatesIn", place, m)
                    located.add(rm.entity)
                if name.endswith(GROUP_HEADS):
                    listed_orgs = before(m.span.start, ("Organization",))
                    for a_rm, b_rm in zip(listed_orgs, listed_orgs[1:], strict=False):
                        if text[a_rm.mention.span.end:b_rm.mention.span.start] == "、":
                            for member in (a_rm, b_rm):  # 由A、B、C…成立X小组: an enumeration of bodies
                                if member.entity != rm.entity:
                                    self._relation(member.entity, "memberOf", rm.entity, m)
                stem = m.name or m.surface
                for earlier, head in orgs_seen:
                    if earlier.entity == rm.entity:
                        continue
                    if m.span.start <= earlier.mention.span.start and earlier.mention.span.end <= m.span.end:
                        continue  # nested names are members (below), not parts
                    if head and stem.startswith(head) and len(stem) > len(head):
                        self._relation(rm.entity, "partOf", earlier.entity, m)
                for inner in [o for o, _ in orgs_seen if m.span.start <= o.mention.span.start
                              and o.mention.span.end <= m.span.end and o.entity != rm.entity]:
                    self._relation(inner.entity, "memberOf", rm.entity, m)
                orgs_seen.append((rm, next((h for h in GROUP_HEADS if name.endswith(h)), "")))
        self._situated(text, mentions, clauses.bounds)
        for q in quantities:
            actors = before(q.span.start, ("Organization", "AdministrativeArea"))
            q.subject = q.subject or (actors[-1].entity if actors else topic)
            if q.unit == "CNY":  # the verb must be in the figure's own clause: 争取资金25.5万元, not 增加收入5万元
                clause = text[clauses.start(q.span.start):q.span.start]
                if any(w in clause for w in FUNDING_WORDS):
                    q.recipients = sorted({rm.entity for rm in before(q.span.start, ("AdministrativeArea",))
                                           if self.kb.entities[rm.entity].subtype in TOWN_KINDS + VILLAGE_KINDS})

    def _situated(self, text: str, mentions: list[ResolvedMention], clause_bounds: list[int]) -> None:
        """``A地处B`` / ``A位于B与C交汇处``: the place A lies in the places B, C named in that clause
        (``locatedIn``, written as schema:containedInPlace), when they are water bodies, regions or
        larger divisions."""
        places = [rm for rm in mentions if rm.mention.type in ("AdministrativeArea", "Place")]
        for k, a in enumerate(places):
            if a.mention.type != "AdministrativeArea":
                continue
            m = SITUATED.match(text, a.mention.span.end)
            if not m:
                continue
            end = clause_bounds[bisect.bisect_right(clause_bounds, m.end())] - 1
            for b in places[k + 1:]:
                if b.mention.span.start >= end:
                    break
                target = self.kb.entities[b.entity]
                if b.entity != a.entity and (target.type == "Place" or target.subtype in ("省", "市")):
                    self._relation(a.entity, "locatedIn", b.entity, b.mention)

    # -- driver -------------------------------------------------------------
    def _page_region(self, ex: ArticleExtraction) -> bool:
        """Set the build's region from ``ex``'s newspaper (济宁日报 → 济宁市) if it names exactly one
        division; True once it did. The first article that does decides, for every article."""
        paper = ex.article.metadata.newspaper or ""
        for suffix in ("日报", "晚报", "都市报", "年鉴", "报", "志"):
            if paper.endswith(suffix):
                divs = self.gaz.lookup_short(paper[: -len(suffix)]) or self.gaz.lookup(paper[: -len(suffix)])
                if len(divs) == 1:
                    self.region = divs[0].code
                    return True
                break
        return False

    def resolve(self, extractions: Iterable[ArticleExtraction], spool: RecordSpool | None = None) -> KnowledgeBase:
        """Resolve every article's mentions and quantities; returns the knowledge base.

        ``extractions`` is consumed as it comes (a generator of a running extraction is fine): articles
        are resolved in order once the region is known (:meth:`_page_region`: until an article's
        newspaper names it, the articles read are held). With ``spool``, each article's mentions,
        quantities and relations go to it once the article is resolved (:class:`kg.spool.RecordSpool`,
        attached as ``kb.spool``), and the KnowledgeBase keeps articles, entities and the relations of
        no article; without, they stay in ``kb.mentions``, ``kb.quantities`` and ``kb.relations``.
        """
        kb = self.kb
        kb.spool = spool
        held: list[ArticleExtraction] = []
        found = False
        with collector_paused():
            for ex in extractions:
                if not found:
                    held.append(ex)
                    found = self._page_region(ex)
                    if not found:
                        continue
                    for early in held:
                        self._one(early)
                    held = []
                    continue
                self._one(ex)
            for early in held:  # no newspaper named a region
                self._one(early)
            compact(kb.entities.values())
            kb.entities = dict(sorted(kb.entities.items()))
        if spool is not None:
            spool.seal()
        return kb

    def _one(self, ex: ArticleExtraction) -> None:
        """Resolve one article; move its new records to the spool, or shrink them in memory
        (:func:`kg.models.compact`: values unchanged, later assignments stay safe). The relations of no
        article stay in memory, shrunk, either way."""
        kb, spool = self.kb, self.kb.spool
        counts = len(kb.mentions), len(kb.quantities), len(kb.relations)
        self._article(ex)
        if spool is None:
            compact(kb.mentions[counts[0]:], deep=False)  # their Mentions come compacted (kg.parallel)
            compact(kb.relations[counts[2]:])
            return
        a = ex.article.id
        mine: list[Relation] = []
        others: list[Relation] = []
        for r in kb.relations[counts[2]:]:
            (mine if r.article_id == a else others).append(r)
        spool.append(a, ArticleRecords(kb.mentions[counts[0]:], kb.quantities[counts[1]:], mine))
        del kb.mentions[counts[0]:], kb.quantities[counts[1]:], kb.relations[counts[2]:]
        compact(others)
        kb.relations.extend(others)

    def _article(self, ex: ArticleExtraction) -> None:
        """Resolve one article's mentions and quantities into the knowledge base, in order."""
        a = ex.article
        self.kb.articles.append(a)
        ctx, kicker_org = self._context_from(ex)
        agency = next((w for w in AGENCIES if a.dateline and a.text.startswith(w, a.dateline.start)), None)
        paper = self.newspaper(a.metadata) if a.dateline and not agency else None
        if agency and a.dateline:  # a wire story: 新华社济南5月28日电 is reported by the agency, not the paper
            paper = f"org/{self._slug(agency)}"
            self._entity(paper, type="Organization", subtype="媒体", name=agency)
            span = Span(start=a.dateline.start, end=a.dateline.start + len(agency))
            self.kb.mentions.append(ResolvedMention(entity=paper, mention=Mention(
                article_id=a.id, span=span, surface=agency, type="Organization", subtype="媒体",
                rule="dateline-agency")))
        if paper:
            self.kb.relations.append(Relation(subject=a.id, predicate="reportedBy", object=paper,
                                              article_id=a.id, evidence=a.dateline, rule="dateline"))
        home = ctx.home()
        topic = kicker_org or home
        places_in: list[tuple[Span, str]] = []
        resolved: list[ResolvedMention] = []
        # an organization is resolved after the places inside its name (泗水县杨柳镇第一书记工作队)
        ordered = sorted(ex.mentions, key=lambda m: ((m.span.end, 1) if m.type == "Organization"
                                                      else (m.span.start, 0)))
        for m in ordered:
            key: str | None
            if m.type in ("AdministrativeArea", "Place"):
                key = self.place(m, ctx)
                ctx.last_place = (m.span.end, key) if key else None
                if key and m.subtype in TOWN_KINDS + VILLAGE_KINDS:
                    ctx.named.setdefault((m.name or self._view(m.surface), m.subtype), key)
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
            resolved.append(ResolvedMention(mention=m, entity=key))
        resolved.sort(key=lambda rm: (rm.mention.span.start, rm.mention.span.end, rm.mention.type))
        self.kb.mentions.extend(resolved)
        if home:
            self.kb.relations.append(Relation(subject=a.id, predicate="about", object=home, article_id=a.id,
                                              rule="context"))
        for q in ex.quantities:
            q.id = f"{a.id}-q{q.span.start}"
            self.kb.quantities.append(q)
        self._attribute(a.text, home, topic, resolved, ex.quantities)


def resolve(extractions: Iterable[ArticleExtraction], gazetteer: Gazetteer | None = None,
            spool: RecordSpool | None = None) -> KnowledgeBase:
    """Resolve extractions into a :class:`KnowledgeBase` (see :class:`Resolver` and its ``resolve``)."""
    return Resolver(gazetteer).resolve(extractions, spool)
