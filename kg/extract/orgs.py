"""Organizations in an article: party bodies, departments, public bodies, social organizations,
cooperatives, volunteer teams and work teams.

Rules:

* a name ends in a head from ``kg/data/org_heads.csv`` (党支部, 局, 合作社,
  服务队 …); its left edge is found by :func:`kg.extract.names.left_edge`,
  keeping a quoted modifier (“和事佬”老党员服务队);
* a department stem from ``kg/data/departments.txt`` cuts the name
  (通知财政局 → 财政局), keeping a level prefix right before it (区行政审批服务局);
* a name whose stem is only generic words is a class of bodies, not one body
  (小区党支部, 镇街老年学校) — unless it starts with 县/市/区/省, which in a
  county article names that county's single body (县老年大学, 县委组织部);
* a head directly followed by a program head (合作社模式) belongs to a program;
* a name that directly continues an earlier one contains it (县老年大学教育联盟).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract.lexicon import table, words
from kg.extract.names import is_generic, left_edge, quote_depth
from kg.extract.spans import BY_SPAN, mention
from kg.models import Article, Mention

UNIQUE_LEVELS = ("省", "市", "县", "区")
# A town, street or village has one of each of these: 镇党委 or 村党支部 printed alone is the local one.
LOCAL_LEVELS = ("镇", "乡", "村", "街道", "社区", "该镇", "该村", "该乡")
LOCAL_HEADS = ("党委", "党工委", "党支部", "党总支", "人民政府", "村委会", "居委会")
# Heads of bodies made of other bodies: a name right before one belongs to it (县老年大学教育联盟).
CONTAINER_HEADS = ("联盟", "联合会", "协会", "学会", "研究会", "促进会", "联合体", "工会")
_NOT_BEFORE = {"局": set("格布结大当全开战出入变定残时饭"), "厅": set("大客餐展门"), "社": set("公结村报"),
               "院": set("庭大宅合书剧影戏寺"),
               "办": set("举创开主承督交帮代领兴筹申包操协查快好难么上要去来就在合联")}
_NOT_AFTER = {"社": set("会区团保工科交群员情火局厅"), "院": set("士长子内落校线"), "党组": set("织"),
              "工会": set("议"), "局": set("面势限"), "组织部": set("门"), "宣传部": set("门"), "统战部": set("门"),
              "事务部": set("门"), "服务部": set("门"), "办": set("理法事好公实结学"), "中心": set("任工环城"),
              "中学": set("习生会期"), "小学": set("习生")}
_NUMERALS = set("一二三四五六七八九十两百千万")
_PROGRAM_AFTER = ("模式", "机制", "制度", "工作法", "体系")
_PROGRAM_AFTER_RE = re.compile("|".join(map(re.escape, _PROGRAM_AFTER)))


@lru_cache(maxsize=1)
def _heads() -> dict[str, tuple[str, bool]]:
    return {r["head"]: (r["subtype"], r["government"] == "1") for r in table("org_heads.csv")}


@lru_cache(maxsize=1)
def _head_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(h) for h in sorted(_heads(), key=lambda h: (-len(h), h))))


def _department_start(text: str, hs: int, floor: int) -> int:
    """Where a known department stem (``kg/data/departments.txt``) ending at ``hs`` starts,
    with its level prefix (县, 市, 区 …); -1 if none."""
    stems, lengths = _departments()
    for n in lengths:  # the longest stem first, as words() lists them
        k = hs - n
        if k >= floor and text[k:hs] in stems:
            while k > floor and text[k - 1] in "县市区省镇乡委":
                k -= 1
            return k
    return -1


@lru_cache(maxsize=1)
def _departments() -> tuple[frozenset[str], tuple[int, ...]]:
    """The department stems as a set, and their lengths, longest first."""
    stems = words("departments.txt")
    return frozenset(stems), tuple(sorted({len(d) for d in stems}, reverse=True))


def _level_prefix(stem: str) -> str:
    """The unique-level prefix of a stem: 县委组织 → 县委, 区农业农村事务 → 区, 县老年 → 县."""
    if stem[:1] in UNIQUE_LEVELS:
        return stem[:2] if stem[1:2] == "委" else stem[:1]
    return ""


def extract_orgs(article: Article) -> list[Mention]:
    """Find organization mentions in ``article.text``; ``subtype`` is the head's type (党组织, 政府部门 …).

    Returns mentions sorted by span; nested names (县老年大学 in 县老年大学教育联盟)
    are both returned.
    """
    text = article.text
    heads = _heads()
    out: list[Mention] = []
    floor = article.dateline.end if article.dateline else 0
    depth = quote_depth(text)
    for m in _head_re().finditer(text):
        head = m.group()
        hs, he = m.span()
        if hs < floor:
            continue
        if text[hs - 1:hs] in _NOT_BEFORE.get(head, ()) or text[he:he + 1] in _NOT_AFTER.get(head, ()):
            continue
        if _PROGRAM_AFTER_RE.match(text, he):
            continue
        if depth[hs] and text[he:he + 1] not in "”’":
            continue  # the head lies inside a quoted or titled phrase that goes on: “民情日报告周会审”
        subtype, government = heads[head]
        start = left_edge(text, hs, floor, 20, allow="“”·")
        dept = _department_start(text, hs, floor) if government else -1
        if dept >= 0:
            # the department's own words decide its left edge (人力资源和社会保障局 keeps its 和);
            # a place or level written before it stays (济宁市人力资源和社会保障局)
            start = left_edge(text, dept, floor, 14) if dept > floor else dept
            start = start if start < dept else dept
        stem = text[start:hs]
        prefix = _level_prefix(stem)
        rest = stem[len(prefix):].replace("“", "").replace("”", "")
        if not stem and subtype != "群团组织" and not (government and len(head) >= 3):
            continue  # a bare head (党支部) names a kind of body; mass organizations (工会) and party
            # departments (组织部, 宣传部) are the jurisdiction's own
        if stem in LOCAL_LEVELS and head in LOCAL_HEADS:
            pass  # 镇党委, 村党支部: the town's or village's own body, resolved by context
        elif stem and "“" not in stem and ((is_generic(rest) and not prefix) or (rest and set(rest) <= _NUMERALS)):
            continue  # (a quoted modifier makes a name: “红色物业”联盟)
        if out and out[-1].span.end == start and head in CONTAINER_HEADS:
            start = out[-1].span.start  # 县老年大学 + 教育联盟
        out.append(mention(start, he, article_id=article.id, surface=text[start:he],
                           type="Organization", subtype=subtype, rule=f"org-head:{head}"))
        floor = he
    return _short_forms(article, out)


_SHORT_FORM = re.compile(r"[（(]\s*(?:以下)?简称[：:]?\s*[“\"]?([\u3400-\u9fff]{2,12})[”\"]?\s*[）)]")


def _short_forms(article: Article, orgs: list[Mention]) -> list[Mention]:
    """Give later uses of a defined short form the full name: 济宁市人力资源和社会保障局（以下简称“市人社局”）.

    A use is an existing mention with that surface, or a new mention where the
    extractor missed it; its ``name`` is the full name, so it resolves to the same body.
    """
    text = article.text
    out = list(orgs)
    for m in orgs:
        d = _SHORT_FORM.match(text, m.span.end)
        if not d:
            continue
        short, full = d.group(1), m.name or m.surface
        for use in re.finditer(re.escape(short), text[d.end():]):
            s, e = d.end() + use.start(), d.end() + use.end()
            same = [o for o in out if o.span.start == s and o.span.end == e]
            if same:
                same[0].name, same[0].rule = full, "org-short-form"
            elif not any(o.span.start < e and s < o.span.end for o in out):
                out.append(mention(s, e, article_id=article.id, surface=short,
                                   type="Organization", subtype=m.subtype, name=full, rule="org-short-form"))
        out = [o for o in out if not (d.start() <= o.span.start < d.end())]  # the definition itself
    return sorted(out, key=BY_SPAN)
