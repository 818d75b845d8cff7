"""Programs: campaigns, mechanisms, brands, models and documents.

Rules (word lists in ``kg/data/program_heads.csv`` and ``program_context.csv``):

* ``《…》`` is a document title: always a program (subtype 文件).
* ``“…”`` names a program unless the context marks it as rhetoric:
  reported speech (a sentence inside the quotes); a stock phrase (``kg/data/rhetoric.txt``: “最后一公里”, “头疼事”);
  a question (“交什么”); a contrast (由“单人行动”向“集体联动”); a following
  problem/strength/group word (“交什么”难题, “…”优势, “一老一小”群体); an
  enumeration of bare nouns (“社区、物业、居民”); a run of three or more short
  quotes (“需求端”“供给端”“要素端”); or a short phrase (≤ 3 characters) with
  neither a program head after it nor a trigger verb (开展, 实施 …) before it.
* A program head right after the quote (模式, 制度, 实施方案 …, up to 16
  characters away) makes the long name; the quoted words are kept as an alias.
* An unquoted name ending in a head marked ``unquoted`` (…模式, …机制, …体系, …项目) after a
  trigger or a delimiter is a program when its stem is specific (≥ 3 characters,
  not generic); a bare activity type (…活动) needs a long stem (≥ 8).
* An unquoted item listed after a quoted program and closed by 等 is one too
  (“三会一课”、主题党日等活动).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract.lexicon import table, words
from kg.extract.names import STOP_CHARS, is_generic, is_han, left_edge, quote_depth
from kg.extract.spans import BY_SPAN, Spans, mention
from kg.models import Article, Mention

MAX_HEAD_DISTANCE = 16
# Function words that may follow an unquoted program name (…物流园项目由某公司投资, …项目总投资6.8亿元).
_AFTER_NAME = set("由的和与及等在已将于是为总共")
# Heads of generic activity types (健康知识讲座, 送文艺下乡活动): unquoted, only a long stem names a program.
WEAK_HEADS = ("活动", "讲座", "培训")
# Words that end the left context of an unquoted program name, besides the trigger verbs.
_FUNCTION_WORDS = ("在", "对", "为", "与", "和", "及", "由", "把", "将", "以", "于", "通过", "同时", "还", "并")


@lru_cache(maxsize=1)
def _heads() -> dict[str, str]:
    return {r["head"]: r["subtype"] for r in table("program_heads.csv")}


@lru_cache(maxsize=1)
def _context() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for r in table("program_context.csv"):
        out.setdefault(r["kind"], []).append(r["word"])
    return {k: tuple(sorted(v, key=lambda w: -len(w))) for k, v in out.items()}


@lru_cache(maxsize=1)
def _name_context() -> tuple[str, ...]:
    """Words that end the left context of an unquoted program name: the triggers and function words
    (one tuple, so left_edge finds its compiled pattern without rebuilding the key)."""
    return _context()["trigger"] + _FUNCTION_WORDS


@lru_cache(maxsize=1)
def _context_res() -> dict[str, re.Pattern[str]]:
    """Each kind of context word as one alternation, longest first (a match is one of the words)."""
    return {k: re.compile("|".join(map(re.escape, v))) for k, v in _context().items()}


@lru_cache(maxsize=1)
def _rhetoric() -> frozenset[str]:
    return frozenset(words("rhetoric.txt"))


@lru_cache(maxsize=8)
def _word_index(ws: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    """``ws`` as a set and its word lengths, longest first."""
    return frozenset(ws), tuple(sorted({len(w) for w in ws}, reverse=True))


_QUOTE_EVENTS = re.compile("[“《”》\n]")
_CLAUSE_MARKS = re.compile("[，。！？；]")
_LIST_SEPARATORS = re.compile(r"[、，]")


def quotes(text: str) -> list[tuple[int, int, str]]:
    """Top-level quoted spans: ``(open, close_end, kind)`` with kind ``“`` or ``《``.

    ``text[open]`` is the opening mark and ``text[close_end - 1]`` the closing one;
    unclosed marks and quotes across paragraphs are ignored.
    """
    out: list[tuple[int, int, str]] = []
    stack: list[tuple[int, str]] = []
    pairs = {"”": "“", "》": "《"}
    for m in _QUOTE_EVENTS.finditer(text):  # only marks and line breaks change the state
        c, i = m.group(), m.start()
        if c == "“" or c == "《":
            stack.append((i, c))
        elif c == "\n":
            stack.clear()
        else:
            opener = pairs[c]
            while stack and stack[-1][1] != opener:
                stack.pop()
            if stack:
                s, k = stack.pop()
                if not stack:
                    out.append((s, i + 1, k))
    return out


@lru_cache(maxsize=1)
def _head_index() -> tuple[frozenset[str], tuple[int, ...]]:
    heads = frozenset(_heads())
    return heads, tuple(sorted({len(h) for h in heads}, reverse=True))


@lru_cache(maxsize=1)
def _run_re() -> re.Pattern[str]:
    """A run of Han characters without a stop character or 和/与/及 (where a head search stops)."""
    excluded = re.escape("".join(sorted(STOP_CHARS)) + "和与及")
    return re.compile(rf"(?:(?![{excluded}])[\u3400-\u9fff])*")


def _head_subtype(h: str) -> str | None:
    """The subtype of the longest program head ``h`` ends with (None if it ends with none)."""
    heads, lengths = _head_index()
    for n in lengths:
        if n <= len(h) and h[-n:] in heads:
            return _heads()[h[-n:]]
    return None


@lru_cache(maxsize=1)
def _unquoted_re() -> re.Pattern[str]:
    strong = [r["head"] for r in table("program_heads.csv") if r["unquoted"] == "1"]
    return re.compile("|".join(re.escape(h) for h in sorted(strong, key=lambda h: -len(h))))


def _head_after(text: str, pos: int) -> str:
    """The longest run after ``pos`` (≤ 16 Han characters, no delimiter) that ends in a program head."""
    heads, lengths = _head_index()
    run = _run_re().match(text, pos, pos + MAX_HEAD_DISTANCE).group()  # type: ignore[union-attr]  # * always matches
    for k in range(len(run), 0, -1):
        for n in lengths:
            if n <= k and run[k - n:k] in heads:
                return run[:k]
    return ""


def _before(text: str, pos: int, words: tuple[str, ...]) -> bool:
    """Whether one of ``words`` ends right before ``pos``."""
    ws, lengths = _word_index(words)
    return any(n <= pos and text[pos - n:pos] in ws for n in lengths)


def _is_rhetoric(text: str, group: list[tuple[int, int, str]], idx: int, head: str) -> bool:
    ctx = _context()
    s, e, _ = group[idx]
    res = _context_res()
    content = text[s + 1:e - 1]
    if res["question"].search(content) or content in _rhetoric():
        return True
    if len(content) > 30 or _CLAUSE_MARKS.search(content):
        return True  # reported speech (“过去一下雨，村口那段土路就没法走。”), not a name
    if _before(text, s, ctx["rhetoric_before"]) or res["rhetoric_after"].match(text, group[-1][1]):
        return True
    items = _LIST_SEPARATORS.split(content)
    if len(items) > 1 and all(len(i) <= 2 for i in items):
        return True
    if head:
        return False
    if len(group) >= 3 and all(g[1] - g[0] - 2 <= 3 for g in group):
        return True
    if len(content) <= 2:
        return True
    return len(content) <= 3 and not _before(text, group[0][0], ctx["trigger"])


def extract_programs(article: Article, taken: list[Mention] | None = None) -> list[Mention]:
    """Find program mentions in ``article.text``.

    ``taken`` are mentions already found (organizations, places): a quote
    inside one of them (“和事佬”老党员服务队) is not a program. Returns mentions
    whose ``surface`` is the printed span (quotes and head included) and whose
    ``name`` is the quoted words, or the whole name for unquoted programs.
    """
    text = article.text
    busy = [(m.span.start, m.span.end) for m in taken or []]
    inside_taken = Spans(busy).contains
    out: list[Mention] = []
    qs = quotes(text)
    groups: list[list[tuple[int, int, str]]] = []
    for q in qs:
        if groups and groups[-1][-1][1] == q[0] and q[2] == groups[-1][-1][2]:
            groups[-1].append(q)
        else:
            groups.append([q])
    for group in groups:
        head = _head_after(text, group[-1][1])
        for i, (s, e, kind) in enumerate(group):
            if inside_taken(s, e):
                continue
            content = text[s + 1:e - 1]
            if kind == "《":
                out.append(mention(s, e, article_id=article.id, surface=text[s:e],
                                   type="Program", subtype="文件", name=content, rule="program-title"))
                continue
            h = head if i == len(group) - 1 else ""
            if _is_rhetoric(text, group, i, head):
                continue
            end = e + len(h)
            subtype = _head_subtype(h) if h else None
            out.append(mention(s, end, article_id=article.id, surface=text[s:end],
                               type="Program", subtype=subtype, name=content, rule="program-quote"))
        out.extend(_listed_after(article, group, out))
    out.extend(_unquoted(article, busy + [(m.span.start, m.span.end) for m in out]))
    return sorted(out, key=BY_SPAN)


def _listed_after(article: Article, group: list[tuple[int, int, str]], found: list[Mention]) -> list[Mention]:
    """“三会一课”、主题党日等 → 主题党日, when the quote before it is a program."""
    text = article.text
    e = group[-1][1]
    if not found or found[-1].span.start != group[-1][0]:
        return []
    e = found[-1].span.end
    if text[e:e + 1] != "、":
        return []
    m = re.match(r"[\u3400-\u9fff]{2,10}(?=等)", text[e + 1:])
    if not m:
        return []
    s = e + 1
    return [mention(s, s + m.end(), article_id=article.id, surface=m.group(),
                    type="Program", subtype=None, rule="program-listed")]


def _unquoted(article: Article, busy: list[tuple[int, int]]) -> list[Mention]:
    text = article.text
    depth = quote_depth(text)
    heads = _heads()
    overlaps_busy = Spans(busy).overlaps
    out: list[Mention] = []
    for m in _unquoted_re().finditer(text):
        hs, he = m.span()
        if depth[hs] or overlaps_busy(hs, he):
            continue
        if he < len(text) and is_han(text[he]) and text[he] not in _AFTER_NAME:
            continue  # the head must end the name: not 活动室, 项目建设, 方案确定后

        start = left_edge(text, hs, article.dateline.end if article.dateline else 0, 24,
                          context=_name_context())
        if text[start:start + 1] == "年":  # 2024年高考志愿填报公益讲座: the year is part of the name
            while start > 0 and text[start - 1].isdigit():
                start -= 1
        stem = text[start:hs]
        min_stem = 8 if m.group() in WEAK_HEADS else 3
        if len(stem) < min_stem or is_generic(stem) or depth[start]:
            continue
        name = text[start:he]
        subtype = heads.get(m.group())
        out.append(mention(start, he, article_id=article.id, surface=name,
                           type="Program", subtype=subtype, rule=f"program-head:{m.group()}"))
    return out
