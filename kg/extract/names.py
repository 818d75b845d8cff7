"""Shared rules for finding the left edge of a Chinese name before its head.

Chinese has no spaces, so a name such as 岳家岭村 or 区行政审批服务局 is found
from its head (村, 局 …) backwards: the name starts after the nearest
delimiter (punctuation, digits, a line break, the end of an earlier mention)
and after the last left-context word (在, 对, 组建, 依托 … in
``kg/data/left_context.txt``). A name made only of generic words
(``kg/data/generic_stems.txt``: 帮扶村, 小区党支部) is not a named entity.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.extract.lexicon import words

HAN = re.compile(r"[\u3400-\u9fff]")
# Characters that never occur inside a name of this genre (function words, particles).
STOP_CHARS = set("的了着过是在把被将从向对等每该这那其及并也就还又有无不很最更已曾个件类处本各每此全")
_STOP_RE = re.compile("[" + re.escape("".join(sorted(STOP_CHARS))) + "]")


# A numeral and a measure word before a name (一家, 两个, 3所): where a counted name begins.
_MEASURES = "个家所名处座条支批户位"
_COUNTED = re.compile(rf"[一二两三四五六七八九十百千0-9]+[{_MEASURES}]")


def is_han(c: str) -> bool:
    """Whether ``c`` is a Han character (CJK Unified Ideographs, including Extension A)."""
    return "\u3400" <= c[:1] <= "\u9fff"  # = HAN.match(c), without the regex call


def left_edge(text: str, end: int, floor: int, max_len: int, allow: str = "",
              context: tuple[str, ...] | None = None) -> int:
    """Start of the name that ends at ``end`` (exclusive), scanning back no further than ``floor``.

    Returns an index ``start`` with ``floor <= start <= end``; ``start == end``
    means no name. ``allow`` lists extra characters allowed inside the name
    (``“”·`` for quoted modifiers). The candidate is cut after the last
    left-context word it contains (``context``, default ``left_context.txt``),
    then after any stop character.
    """
    lo = max(floor, end - max_len - 12)
    i = end
    if end > lo:  # back over the Han (and allowed) characters before ``end``, not past ``lo``:
        n = len(text)  # a forward match in the reversed text
        i = end - _run_re(allow).match(_reversed(text), n - end, n - lo).end() + (n - end)  # type: ignore[union-attr]
    cand = text[i:end]
    n = len(cand)
    # inside “…” (the marks count as inside); None when the candidate has no quote, the usual case
    quoted = _inside_quotes(cand) if "“" in cand else None
    cut = 0
    # the context word that ends last: the first match in the reversed candidate
    rev = _default_context_re() if context is None else _context_re(context)
    rcand = cand[::-1]
    if quoted is None:  # the usual case: no quote, so the first match of each rule is the one
        if (mm := rev.search(rcand)) is not None:
            cut = n - mm.start()
        if (mm := _STOP_RE.search(rcand)) is not None:  # after the last stop character
            cut = max(cut, n - mm.start())
        for mm in _COUNTED.finditer(cand):  # 一家果业公司, 12家村级合作社: the count is not part of the name
            cut = max(cut, mm.end())
    else:
        pos = 0
        while (mm := rev.search(rcand, pos)) is not None:
            if quoted[n - mm.end()]:
                pos = mm.start() + 1
                continue
            cut = n - mm.start()
            break
        # after the last stop character outside quotes: the first one in the reversed candidate
        for mm in _STOP_RE.finditer(rcand):
            k = n - 1 - mm.start()
            if not quoted[k]:
                cut = max(cut, k + 1)
                break
        for mm in _COUNTED.finditer(cand):
            if mm.end() > cut and not quoted[mm.start()]:
                cut = mm.end()
    if cut == 0 and i > 0 and text[i - 1].isdigit() and cand[:1] in _MEASURES:
        cut = 1
    start = i + cut
    # a quoted modifier must be whole: drop unmatched quotes at the edge
    while start < end and (text[start] in "”’·" or (text[start] == "“" and "”" not in text[start:end])):
        start += 1
    if end - start > max_len:
        return end
    return start


@lru_cache(maxsize=16)
def _reversed(text: str) -> str:
    """``text[::-1]`` (cached: every name in an article is cut from the same text)."""
    return text[::-1]


@lru_cache(maxsize=8)
def _run_re(allow: str) -> re.Pattern[str]:
    """A run (possibly empty) of Han characters and ``allow`` characters."""
    return re.compile(f"[\u3400-\u9fff{re.escape(allow)}]*")


@lru_cache(maxsize=1)
def _default_context_re() -> re.Pattern[str]:
    return _context_re(words("left_context.txt"))


@lru_cache(maxsize=16)
def _context_re(context: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of the context words, each REVERSED, longest first."""
    return re.compile("|".join(re.escape(w[::-1]) for w in sorted(set(context), key=lambda w: (-len(w), w))))


def _inside_quotes(s: str) -> list[bool]:
    out, depth = [], 0
    for c in s:
        if c == "“":
            depth += 1
        out.append(depth > 0)
        if c == "”" and depth:
            depth -= 1
    return out


_QUOTE_MARKS = re.compile("[“《”》]")


@lru_cache(maxsize=64)
def quote_depth(text: str) -> tuple[int, ...]:
    """Nesting depth of “…” and 《…》 at each index of ``text`` (the brackets themselves count as inside)."""
    out = [0] * len(text)
    depth = last = 0
    for m in _QUOTE_MARKS.finditer(text):
        i = m.start()
        if depth:
            out[last:i] = [depth] * (i - last)
        if m.group() in "“《":
            depth += 1
            out[i] = depth
        else:
            out[i] = depth
            depth = max(0, depth - 1)
        last = i + 1
    if depth:
        out[last:] = [depth] * (len(text) - last)
    return tuple(out)


@lru_cache(maxsize=1)
def _generic_re() -> re.Pattern[str]:
    alts = "|".join(re.escape(w) for w in words("generic_stems.txt"))  # longest first
    return re.compile(f"(?:{alts})+")


def is_generic(stem: str) -> bool:
    """Whether ``stem`` is made only of generic words (帮扶, 小区, 各级 …), or is empty."""
    return not stem or _generic_re().fullmatch(stem) is not None
