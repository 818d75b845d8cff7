"""Administrative areas and other places in an article.

Rules (suffixes and their limits in ``kg/data/place_suffixes.csv``):

* 省/市/县/区/旗 names are taken only when the gazetteer knows them (GB/T 2260),
  so 城市, 全县 or 县镇两级 never become places.
* Functional zones (新区, 高新区, 开发区 …), towns (镇, 乡, 街道), villages and
  communities (村, 社区), and water bodies (湖, 河, 运河 …) are found from their
  suffix backwards (:mod:`kg.extract.names`), or from the gazetteer when a
  town/village table was added; a stem made of generic words (帮扶村, 各镇) is
  not a name; some suffixes start longer words (村民, 镇街, 乡村) and are skipped
  there (``_NOT_AFTER``).
* Economic regions come from ``kg/data/regions.csv``.
* The dateline's short place (本报泗水讯 → 泗水) is a mention resolved later.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract.lexicon import table
from kg.extract.names import is_generic, is_han, left_edge
from kg.extract.spans import BY_SPAN, mention
from kg.gazetteer import Gazetteer
from kg.models import Article, Mention
from kg.normalize import matching_text

# Characters that, right after a suffix, show the suffix starts a longer word (村民, 镇街, 乡村 …).
_INSIDE_NAME = re.compile(r"[\u3400-\u9fff]{0,2}?(?:新区|镇|乡|村|街道|社区|县|区)(?![\u3400-\u9fff]{0,1}[长])")
_NOT_AFTER: dict[str, tuple[str, ...]] = {
    "村": ("民", "级", "委", "集", "干", "两委", "务", "规", "居", "庄", "落", "容", "貌", "情", "史", "内", "里",
          "外", "中", "口"),
    "乡": tuple("村镇土亲贤愁情音风间下里"),
    "镇": tuple("街级域"),
    "河": tuple("口道"),
}
# Characters that, right before a suffix, make a common word with it (下乡, 城乡, 乡村, 农村 …).
_NOT_BEFORE = {
    "乡": set("下城返还家故老水侨栗柿茶果花瓜米酒桑渔菜梨桃橘枣蒜椒药"),
    "村": set("乡农山渔"),
    "镇": set("强名重古"),
}


@lru_cache(maxsize=1)
def _suffixes() -> tuple[tuple[str, str, str, int, int, bool], ...]:
    rows = table("place_suffixes.csv")
    out = [(r["suffix"], r["type"], r["level"], int(r["min_stem"]), int(r["max_stem"]),
            r["needs_gazetteer"] == "1") for r in rows]
    return tuple(sorted(out, key=lambda r: -len(r[0])))


@lru_cache(maxsize=1)
def _suffix_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(s[0]) for s in _suffixes()))


@lru_cache(maxsize=1)
def _suffix_info() -> dict[str, tuple[str, str, str, int, int, bool]]:
    return {s[0]: s for s in _suffixes()}


@lru_cache(maxsize=1)
def _not_after_res() -> dict[str, re.Pattern[str]]:
    """``_NOT_AFTER`` as one alternation per suffix: a match right after the suffix is one of its words."""
    return {k: re.compile("|".join(map(re.escape, v))) for k, v in _NOT_AFTER.items()}


@lru_cache(maxsize=1)
def _regions() -> tuple[tuple[str, str, str], ...]:
    out = []
    for r in table("regions.csv"):
        out.append((r["name"], r["name"], r["kind"]))
        for alias in filter(None, (r.get("aliases") or "").split(";")):
            out.append((alias, r["name"], r["kind"]))
    return tuple(sorted(out, key=lambda t: -len(t[0])))


def _level_of(div_kind: str, level: str) -> str:
    if level == "province":
        return "省"
    if level == "city":
        return "市"
    return {"市辖区": "区", "县级市": "县级市", "自治县": "县", "旗": "县", "自治旗": "县"}.get(div_kind, div_kind)


def extract_places(article: Article, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """Find place mentions in ``article.text``.

    Returns mentions sorted by span, non-overlapping; ``subtype`` is the level
    (省, 市, 县, 县级市, 区, 功能区, 镇, 乡, 街道, 村, 社区, 水域, 经济区域).
    """
    gaz = gazetteer or Gazetteer.default()
    text = article.text
    out: list[Mention] = []
    floor = 0  # no name may start before the end of the previous one
    info = _suffix_info()
    not_after = _not_after_res()
    for m in _suffix_re().finditer(text):
        if m.start() < floor:
            continue
        suffix = m.group()
        _, typ, level, min_stem, max_stem, needs_gaz = info[suffix]
        end = m.end()
        word_after = not_after.get(suffix)
        if word_after is not None and word_after.match(text, end):
            continue
        prev = text[m.start() - 1:m.start()]
        if prev and prev in _NOT_BEFORE.get(suffix, ()):
            continue
        if article.dateline and m.start() < article.dateline.end:
            continue  # the dateline's place is taken whole below
        # a water-body suffix followed closely by a division suffix is part of its name (太白湖新区, 大河岸镇)
        if typ == "Place" and _INSIDE_NAME.match(text, end):
            continue
        found: tuple[int, str, str] | None = None  # start, level, name
        if needs_gaz:
            for n in range(max_stem, min_stem - 1, -1):
                s = m.start() - n
                if s < floor or s < 0:
                    continue
                divs = gaz.lookup(text[s:end])
                if divs:
                    found = (s, _level_of(divs[0].kind, divs[0].level), text[s:end])
                    break
        else:
            s = left_edge(text, m.start(), floor, max_stem)
            stem = text[s:m.start()]
            if min_stem <= len(stem) <= max_stem and not is_generic(stem):
                found = (s, level, text[s:end])
            elif level in ("镇", "乡", "街道", "村", "社区"):
                # the gazetteer may know a town or village that the delimiter rule cannot cut out
                for n in range(max_stem, min_stem - 1, -1):
                    s = m.start() - n
                    if s >= floor and s >= 0 and is_han(text[s]) and gaz.lookup(text[s:end]):
                        found = (s, level, text[s:end])
                        break
        if found is None:
            continue
        s, lvl, name = found
        out.append(mention(s, end, article_id=article.id, surface=name,
                           type="AdministrativeArea" if typ == "AdministrativeArea" else "Place",
                           subtype=lvl, rule=f"place-suffix:{suffix}" + (":gazetteer" if needs_gaz else "")))
        floor = end
    out.extend(_enumerated(article, out))
    out.extend(_groups(article, out))
    out.extend(_regions_in(article, out))
    if article.dateline and article.dateline_place:
        place = matching_text(article.dateline_place)
        i = text.find(place, article.dateline.start, article.dateline.end)
        if i >= 0:
            out.append(mention(i, i + len(place), article_id=article.id,
                               surface=place, type="AdministrativeArea", subtype=None, rule="dateline-place"))
    return sorted(out, key=BY_SPAN)


_ENUM = re.compile(r"((?:[\u3400-\u9fff]{2,4}、)+[\u3400-\u9fff]{2,4})(?:等)?"
                   r"([0-9]+|[一二两三四五六七八九十]+)个(镇|乡|街道|村|社区)")
# Where an enumeration can end (3个村, 两个街道), and the characters it is made of (Han, 、, digits).
_ENUM_TAIL = re.compile(r"个(?:镇|乡|街道|村|社区)")
_ENUM_RUN = re.compile(r"[\u3400-\u9fff、0-9]*")
_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


def _enum_matches(text: str) -> list[re.Match[str]]:
    """``list(_ENUM.finditer(text))``, searching only the runs that end in a count and a level.

    A match is one run of Han characters, 、 and digits ending in 个 + level, and its items are
    fixed by the 、 between them, so from a given start it can only end at one 个 + level: the
    search for each such tail starts where its run does and stops at its end.
    """
    out: list[re.Match[str]] = []
    pos = 0
    n = len(text)
    rev = ""
    for t in _ENUM_TAIL.finditer(text):
        k = t.start()
        if k < pos:
            continue
        rev = rev or text[::-1]
        run = _ENUM_RUN.match(rev, n - k).end() - (n - k)  # type: ignore[union-attr]  # * always matches
        m = _ENUM.search(text, max(pos, k - run), t.end())
        if m is not None:
            out.append(m)
            pos = m.end()
    return out


def _count(s: str) -> int:
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _NUMERALS.get(s, -1)
    if s[0] == "十":
        return 10 + _NUMERALS.get(s[1], 0)
    return _NUMERALS.get(s[0], 0) * 10 + (_NUMERALS.get(s[2], 0) if len(s) > 2 else 0)


def _enumerated(article: Article, taken: list[Mention]) -> list[Mention]:
    """Short names listed before a count and a level: 辖文庙、八仙桥2个街道 → 文庙街道, 八仙桥街道.

    Taken only when the number of names equals the count printed after them.
    """
    text = article.text
    busy = [(t.span.start, t.span.end) for t in taken]
    out: list[Mention] = []
    for m in _enum_matches(text):
        items = m.group(1).split("、")
        if len(items) != _count(m.group(2)):
            continue
        level = m.group(3)
        pos = m.start(1)
        first = items[0]
        cut = left_edge(text, pos + len(first), pos, 4) - pos
        items[0] = first[cut:]
        pos += cut
        for item in items:
            s, e = pos, pos + len(item)
            pos = e + 1
            if len(item) < 2 or any(a < e and s < b for a, b in busy):
                continue
            out.append(mention(s, e, article_id=article.id, surface=item,
                               type="AdministrativeArea", subtype=level, name=item + level, rule="place-enumerated"))
    return out


# (?<![0-9])([0-9]{1,2}|[一二三四五六七八九十]{1,3})组(?![长织建通员件成合委]), written to open with a
# character class, which the regex engine scans for quickly; the lookbehind after the first numeral
# is the one before it (no digit before the number).
_GROUP = re.compile(r"[0-9一二三四五六七八九十](?<![0-9][0-9一二三四五六七八九十])"
                    r"(?:(?<=[0-9])[0-9]?|(?<=[一二三四五六七八九十])[一二三四五六七八九十]{0,2})"
                    r"组(?![长织建通员件成合委])")


def _groups(article: Article, taken: list[Mention]) -> list[Mention]:
    """Villagers' groups (村民小组) printed as 3组, 梅湾村3组, 红岩村二组: right after a village,
    or in a list of groups (3组、5组和6组) once a village is named. Their name is completed in
    resolution (the village in context + 3组)."""
    text = article.text
    out: list[Mention] = []
    villages = sorted((t for t in taken if t.subtype in ("村", "社区")), key=lambda t: t.span.end)
    for m in _GROUP.finditer(text):
        s, e = m.span()
        after_village = any(v.span.end == s for v in villages)
        listed = s == 0 or text[s - 1] in "、和与及，。；\n" or text[s - 2:s] in ("其中",)
        if not after_village and not (listed and any(v.span.end <= s for v in villages)):
            continue
        out.append(mention(s, e, article_id=article.id, surface=m.group(),
                           type="AdministrativeArea", subtype="组", rule="place-group"))
    return out


@lru_cache(maxsize=1)
def _regions_re() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    names = {surface: (name, kind) for surface, name, kind in _regions()}
    return re.compile("|".join(re.escape(s) for s in sorted(names, key=lambda x: (-len(x), x)))), names


def _regions_in(article: Article, taken: list[Mention]) -> list[Mention]:
    text = article.text
    busy = [(t.span.start, t.span.end) for t in taken]
    pattern, names = _regions_re()
    out: list[Mention] = []
    for m in pattern.finditer(text):
        s, e = m.span()
        if any(a < e and s < b for a, b in busy):
            continue
        name, kind = names[m.group()]
        out.append(mention(s, e, article_id=article.id, surface=m.group(),
                           type="Place", subtype=kind, name=name, rule="region-lexicon"))
    return out
