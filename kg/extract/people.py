"""People: bylines, officials named with their titles, and later bare mentions.

* Bylines: the layout stage parses ``本报鱼台讯（通讯员 李雷 刘创）`` and
  ``■通讯员 张雅 摄`` into :class:`kg.models.Byline` objects with spans.
* Officials: a title from ``kg/data/titles.csv`` (党委书记, 县长, 第一书记 …),
  possibly after a jurisdiction (镇, 该县, 某某村) or an organization, then a
  name: a surname from ``kg/data/surnames.txt`` and one or two more Han
  characters (a padding space allowed: ``县委书记：王 锐``). The name ends where
  punctuation or a following word (表示, 强调 … ``kg/data/name_followers.txt``)
  begins; a candidate that begins with such a word is no name (书记强调).
* Later mentions of an official's full name in the same article are mentions
  of the same person.

Each official gives a Person mention whose ``subtype`` is the title; the body
the title names (镇党委 in 镇党委书记) is an Organization mention with rule
``title-org`` whose span is the printed prefix and head.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract.lexicon import table, words
from kg.extract.names import is_han
from kg.extract.spans import BY_SPAN, mention
from kg.models import Article, Mention

_BOUNDARY = set("，。；：、！？”）)\n ,;:!?")
_JURISDICTION = re.compile(r"(?:该|本|全)?([县市区镇乡村])$")


@lru_cache(maxsize=1)
def _titles() -> dict[str, dict[str, str]]:
    return {r["title"]: r for r in table("titles.csv")}


@lru_cache(maxsize=1)
def _title_re() -> re.Pattern[str]:
    alts = "|".join(re.escape(t) for t in sorted(_titles(), key=lambda t: (-len(t), t)))
    return re.compile(rf"(?:{alts})")


def extract_bylines(article: Article) -> list[Mention]:
    """One Person mention per byline; ``subtype`` is the role (通讯员, 记者, 摄影)."""
    return [Mention(article_id=article.id, span=b.span, surface=article.text[b.span.start:b.span.end],
                    type="Person", subtype=b.role, name=b.name, rule="byline")
            for b in article.bylines if b.span is not None]


@lru_cache(maxsize=1)
def _followers_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words("name_followers.txt")))


@lru_cache(maxsize=1)
def _surnames_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words("surnames.txt")))


def _name_at(text: str, i: int) -> tuple[int, int] | None:
    """Span of a personal name starting at ``i`` (after optional ``：`` and spaces), or None."""
    while i < len(text) and text[i] in "：: \u3000":
        i += 1
    followers, surnames = _followers_re(), _surnames_re()
    if followers.match(text, i):
        return None
    sm = surnames.match(text, i)
    if sm is None:
        return None
    sur = sm.group()
    j = i + len(sur)
    if j < len(text) and text[j] in " \u3000":  # padded two-character name: 王 锐
        if j + 1 < len(text) and is_han(text[j + 1]) and (j + 2 >= len(text) or not is_han(text[j + 2])):
            return i, j + 2
        return None
    if j >= len(text) or not is_han(text[j]) or text[j] in _BOUNDARY:
        return None
    # most names have a two-character given name: take it unless its second character starts
    # the next word (李明积极 → 李明) or is not part of a name (punctuation, line end)
    k = j + 1
    second_ok = (k < len(text) and is_han(text[k]) and text[k] not in _BOUNDARY
                 and not followers.match(text, k))
    return (i, k + 1) if second_ok else (i, k)


def extract_officials(article: Article) -> list[Mention]:
    """Officials named with a title, their bodies, and later bare mentions of their names."""
    text = article.text
    titles = _titles()
    out: list[Mention] = []
    names: dict[str, str] = {}
    for m in _title_re().finditer(text):
        title = m.group()
        ts, te = m.span()
        row = titles[title]
        if row["org"]:
            pm = None if row["level"] else _JURISDICTION.search(text, max(0, ts - 2), ts)
            start = pm.start() if pm else ts
            org_text = text[start:ts] + row["org"]
            if text.startswith(org_text, start):
                kind = "党组织" if "党" in org_text or org_text.endswith("委") else "政府部门"
                out.append(mention(start, start + len(org_text), article_id=article.id,
                                   surface=org_text, type="Organization", subtype=kind, rule="title-org"))
        # a chain of titles (县委副书记、县长王某): the name follows the last one
        span = _name_at(text, te)
        if span is None:
            continue
        ns, ne = span
        name = text[ns:ne].replace(" ", "").replace("\u3000", "")
        names.setdefault(name, title)
        out.append(mention(ns, ne, article_id=article.id, surface=text[ns:ne],
                           type="Person", subtype=title, name=name, rule="title-name"))
    # later bare mentions of the same names
    taken_spans = [(m.span.start, m.span.end) for m in out]
    for name in sorted(names, key=lambda n: (-len(n), n)):  # a name is never empty (it starts with a surname)
        e = 0
        while (s := text.find(name, e)) >= 0:  # left to right, not overlapping (no regex compiled per name)
            e = s + len(name)
            if any(a <= s < b for a, b in taken_spans):
                continue
            taken_spans.append((s, e))
            out.append(mention(s, e, article_id=article.id, surface=name, type="Person",
                               subtype=names[name], name=name, rule="name-repeat"))
    return sorted(out, key=BY_SPAN)


_ROSTER_ENTRY = re.compile(r"(?P<title>[\u3400-\u9fff][\u3400-\u9fff \u3000]{0,10}?)[：:]")
_NAME_TOKEN = re.compile(r"[\u3400-\u9fff](?: ?[\u3400-\u9fff]){1,3}(?:[（(][^）)]{0,10}[）)])?")
_ROSTER_TITLE_ENDS = ("书记", "常委", "委员", "主任", "主席", "长", "秘书长", "巡视员", "调研员")


def _is_roster_title(title: str) -> bool:
    t = re.sub(r"[ \u3000]", "", title)
    return t in _titles() or t.endswith(_ROSTER_TITLE_ENDS)


def extract_roster(article: Article) -> list[Mention]:
    """People listed in a roster, one line per entry: ``县委副书记：刘志国　陈 静（女）``.

    Several titles may share a line (``党委书记：梁 伟　镇长：董玉洁``); a line of
    names only continues the entry above. Notes in brackets (（女）, （挂职）) and
    padding spaces are not part of a name; a name starts with a known surname.
    """
    text = article.text
    out: list[Mention] = []
    title = None
    pos = 0
    for line in text.split("\n"):
        has_colon = "：" in line or ":" in line
        entries = [m for m in _ROSTER_ENTRY.finditer(line)
                   if _is_roster_title(m.group("title"))] if has_colon else []
        segments: list[tuple[str, int, int]] = []
        if entries:
            for k, m in enumerate(entries):
                seg_end = entries[k + 1].start() if k + 1 < len(entries) else len(line)
                segments.append((re.sub(r"[ \u3000]", "", m.group("title")), m.end(), seg_end))
        elif title and line and all(_NAME_TOKEN.fullmatch(t) for t in re.split(r"[\u3000]+| {2,}", line.strip())):
            segments.append((title, 0, len(line)))
        else:
            title = None
        for t, a, b in segments:
            title = t
            for tok in _NAME_TOKEN.finditer(line, a, b):
                raw = re.sub(r"[（(].*$", "", tok.group())
                name = raw.replace(" ", "")
                if 2 <= len(name) <= 4 and any(name.startswith(sn) for sn in words("surnames.txt")):
                    st = pos + tok.start()
                    out.append(mention(st, st + len(raw), article_id=article.id,
                                       surface=raw, type="Person", subtype=t, name=name, rule="roster"))
        pos += len(line) + 1
    return out


_SAYS = re.compile(r"(?:高兴地|笑着|激动地|感慨地|动情地|自豪地|深有感触地)?(?:说|表示|介绍|告诉|坦言|感慨)")


@lru_cache(maxsize=1)
def _speaker_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words("speaker_roles.txt")))


def extract_speakers(article: Article) -> list[Mention]:
    """People quoted by role and name: 村民李秀兰说, 种植户王保林高兴地说 (``kg/data/speaker_roles.txt``).

    The name (a known surname and one or two characters) must be followed by a
    verb of saying, so 村民满是笑意 names nobody.
    """
    text = article.text
    out: list[Mention] = []
    for m in _speaker_re().finditer(text):
        i = m.end()
        sm = _surnames_re().match(text, i)
        if sm is None:
            continue
        for length in (2, 1):
            e = sm.end() + length
            if e <= len(text) and all(is_han(c) for c in text[sm.end():e]) and _SAYS.match(text, e):
                out.append(mention(i, e, article_id=article.id, surface=text[i:e],
                                   type="Person", subtype=m.group(), name=text[i:e], rule="speaker"))
                break
    return out


def extract_people(article: Article) -> list[Mention]:
    """Bylines, officials, roster entries and quoted speakers of one article, sorted by span (overlaps dropped)."""
    found = extract_bylines(article) + extract_officials(article)
    taken = [(m.span.start, m.span.end) for m in found]
    for extra in (extract_roster(article), extract_speakers(article)):
        for m in extra:
            if not any(a < m.span.end and m.span.start < b for a, b in taken):
                found.append(m)
                taken.append((m.span.start, m.span.end))
    return sorted(found, key=BY_SPAN)
