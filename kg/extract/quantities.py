"""Stage 3 (extract): quantities — a numeral with a unit or measure word — from article text.

``extract_quantities(article)`` finds every figure such as ``54场次``, ``25.5万元``, ``近3万元``,
``超过3名``, ``3—5个`` or ``五份`` in ``article.text`` and returns :class:`kg.models.Quantity`
objects: value in base units as a ``Decimal`` (万/亿 folded in: 25.5万元 → 255000 CNY), the unit
(``CNY``, ``m2``, ``m``, ``km`` ... or the measure word itself: 场次, 名, 户 ...), a qualifier and
the clause the figure measures. ``parse_quantity(surface)`` is the same grammar on one surface.

Grammar (one compiled regular expression, built from ``kg/data/units.csv``)::

    [prefix] [low [unit] 至|到|—|-|~] numeral [余|多] [十|百|千|万|亿…] [余|多] unit [/unit] [suffix]

* numerals: Arabic (``1,200``, ``25.5``, full-width ``３０``) or Chinese (``三十``, ``两千``,
  ``一千二百万``, ``万余``, converted with ``cn2an``); a numeral never starts inside another one
  (``1名`` is not found in ``11名``, ``5万元`` not in ``25.5万元``);
* a range (``3至5年``, ``3—5万元`` = 30000 to 50000) has min/max, no value, qualifier ``range``;
  a rate (``2万元/亩``) has the unit ``CNY/mu``;
* prefixes 近/将近/接近 (nearly), 约/大约 (approx), 超过/超/逾/至少/不少于 (more_than),
  不超过/不到/不足/最多/至多 (at_most); suffixes 余/多/以上 (more_than), 以内/之内/以下 (at_most),
  左右 (approx). A bare 内 (``3日内``) is left out of the surface and the figure stays exact,
  as in the gold annotation; 近 before a duration is "the last" (``近3年来``), not "nearly".

What is not a quantity (rules observed on 济宁日报-style pages, none tied to one page):

* dates: a 4-digit year (``2024年``), ``年``/``日`` unless the context makes them a duration
  (``3年来``, ``3日内``; a Chinese numeral + 年 as in ``三年行动`` only then), ``月`` unless ``个月``;
* ordinals (``第一``, and a lone ``二``: ``二期工程``; a count of two is ``两``), vague numerals
  (``几十``, ``数百``, ``上千``, ``三四个``, ``一两个``), a lone ``一`` (``一批``, ``一个``: a
  determiner, not a count), formulas of two numerals (``三番五次``, ``三位一体``, ``二十届三中全会``;
  but ``一式五份`` is a count of copies), place names (``三家店``, ``七台河``), measure words that
  start another word (``一次性``, ``名单``: the ``not_before`` column of the unit table), and the
  set phrases listed as ``fixed`` in the unit table (``八项规定``, ``两个维护``);
* anything inside a label quote “…” / ‘…’ / 「…」 or a title 《…》 (“三会一课”, “十四五”,
  “两份文书”); a quote holding a whole sentence (with 。！？) is reported speech and is searched;
* a figure broken by OCR corruption (``3�00名``, ``3 0余次``: digits interrupted by a stray
  character) is skipped, not guessed; so are figures glued to ``+``/``×``/``/`` (``1+5``).

``measures`` is the clause before the figure back to the previous ，。；：！？ or line start
(delimiters inside label quotes do not count; 、 only right after another figure), without
leading connectives (并, 同时, 其中 …); when words follow the figure in its clause (the counted
noun: ``引导11名老干部加入业委会``) they are added after ``…``: ``引导…老干部加入业委会``.
"""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import cn2an

from kg.models import Article, Qualifier, Quantity

__all__ = ["Unit", "extract_quantities", "parse_quantity", "quantities_in", "units"]

UNITS_FILE = "units.csv"

_D = "0-9０-９"
_ARABIC = rf"(?:[{_D}]{{1,3}}(?:,[{_D}]{{3}})+(?![{_D}])|[{_D}]+)(?:[.．][{_D}]+)?"
# Chinese numerals start with a digit or 十; 百/千/万 alone only before 余/多 (not 千家万户, 百姓);
# 千 before 米/克/瓦 belongs to the unit (三千米 is read 3 km).
_CN_DIGITS = "一二三四五六七八九两"
_CN = (
    rf"(?:[{_CN_DIGITS}十](?:[零〇{_CN_DIGITS}十百万亿]|千(?![米克瓦]))*"
    r"(?:点[零〇一二三四五六七八九]+)?|[百千万](?=[余多]))"  # 万余人, 千余名, 百余家
)
# What may not stand right before a numeral: another digit, a decimal point or thousands comma,
# Latin letters (G20, 5G), 第 (ordinal), and operators (1+5, 7×24). For Chinese numerals also the
# vague heads 几/数/上/成/好 (几十个, 数百名, 上千人).
_ARABIC_NOT_AFTER = rf"{_D}A-Za-zＡ-Ｚａ-ｚ第+＋×*/／"
_CN_NOT_AFTER = rf"零〇○{_CN_DIGITS}十百千万亿几数上成好第+＋×*/／"

_PREFIXES: dict[str, Qualifier] = {
    "将近": "nearly", "接近": "nearly", "近": "nearly",
    "大约": "approx", "约": "approx",
    "不超过": "at_most", "不到": "at_most", "不足": "at_most", "最多": "at_most", "至多": "at_most",
    "超过": "more_than", "不少于": "more_than", "不低于": "more_than", "至少": "more_than",
    "多于": "more_than", "逾": "more_than", "超": "more_than",
}
# 近 and 约 only as qualifiers, not as the end of a word (附近3公里, 签约3个项目).
_PREFIX_NOT_AFTER = {"近": "附最邻靠亲就贴", "约": "签合公预节制协条履违特邀婚践守契相赴誓租"}
_SUFFIXES: dict[str, Qualifier] = {
    "以上": "more_than", "以内": "at_most", "之内": "at_most", "以下": "at_most", "左右": "approx",
}
_RANGE_SEP = r"(?:至|到|—{1,2}|–|-|~|～|〜|－)"
# After 年/日 these make the figure a duration, not a date (3年来, 3日内, 五年间).
_DURATION_AFTER = re.compile(r"来|以来|内|以内|之内|间|后|前|多|以上|左右")
# After an Arabic numeral + 年 these make it a year (24年底, 2年级 is a grade).
_YEAR_AFTER = re.compile(r"[月底初末中度级代春夏秋冬份期]")
# A Chinese-numeral count glued to a place-name suffix is a name (三家店, 七台河, 五棵松).
_TOPONYM_UNITS = frozenset("家户间台棵株块座")
_TOPONYM_AFTER = frozenset("村庄屯铺寺堡营湾沟店河峡山湖江岛州城桥镇乡街路里松房")
_LEADING_CONNECTIVES = re.compile(r"^(?:并且|并|而且|同时|其中|此外|另外|以及|从而|进而|先后|还|也|又)+")
_TRAILING_CONJUNCTION = re.compile(r"(?:以及|和|及|与|并)$")
_DELIMITERS = re.compile(r"[，。；：、！？,;:!?\n]")
# Label quotes and titles; a “…” holding 。！？ is reported speech (see _label_regions).
_QUOTED = re.compile(
    r"《[^《》\n]{0,200}》|“[^“”\n]{0,200}”|‘[^‘’\n]{0,200}’|「[^「」\n]{0,200}」|『[^『』\n]{0,200}』"
    r"|\"[^\"\n]{0,200}\""
)
_SPEECH = re.compile(r"[。！？!?]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ADJACENT_CN_DIGITS = re.compile(rf"[{_CN_DIGITS}]{{2}}")
_CN_PLACE = re.compile(r"[十百千万亿]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.", ",")
_CN_FRACTION = str.maketrans("零〇一二三四五六七八九", "00123456789")


@dataclass(frozen=True)
class Unit:
    """One row of ``kg/data/units.csv``: a printed unit or multiplier and what it means.

    ``unit`` is the normalized unit (``CNY``, ``m2``, or the measure word itself), ``factor`` the
    number of ``unit`` in one ``surface`` (厘米 → m, 0.01; a multiplier's value: 万 → 10000),
    ``kind`` its dimension (``count``, ``area``, ``calendar``, ``multiplier`` ...), and
    ``not_before`` the characters that, following ``surface``, make it part of another word.
    """

    surface: str
    unit: str
    factor: Decimal
    kind: str
    not_before: str = ""


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    """The unit table ``kg/data/units.csv`` keyed by surface (``#`` lines are its header)."""
    text = resources.files("kg.data").joinpath(UNITS_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))
    table: dict[str, Unit] = {}
    for row in rows:
        surface = row["surface"].strip()
        table[surface] = Unit(
            surface=surface,
            unit=row["unit"].strip(),
            factor=Decimal(row["factor"].strip() or "1"),
            kind=row["kind"].strip(),
            not_before=(row.get("not_before") or "").replace("|", "").strip(),
        )
    return table


def _alternation(surfaces: list[tuple[str, str]]) -> str:
    """Regex alternation of (surface, not_before) pairs, longest surface first."""
    parts = []
    for surface, not_before in sorted(surfaces, key=lambda p: (-len(p[0]), p[0])):
        part = re.escape(surface)
        if not_before:
            part += f"(?![{re.escape(not_before)}])"
        parts.append(part)
    return "|".join(parts)


@dataclass(frozen=True)
class _Grammar:
    quantity: re.Pattern[str]
    percent: re.Pattern[str]
    labels: re.Pattern[str]  # quotes, titles and the fixed expressions of the unit table


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    table = units()
    unit_alt = _alternation(
        [(u.surface, u.not_before) for u in table.values() if u.kind not in ("multiplier", "fixed")]
    )
    # 千/百 before 米, 克, 瓦 belong to the unit (3千米 = 3 km, 5千克 = 5 kg).
    mult_alt = _alternation(
        [(u.surface, "米克瓦" if u.surface[-1] in "千百" else "") for u in table.values()
         if u.kind == "multiplier"]
    )
    prefix_alt = "|".join(
        (f"(?<![{_PREFIX_NOT_AFTER[p]}])" if p in _PREFIX_NOT_AFTER else "") + re.escape(p)
        for p in sorted(_PREFIXES, key=len, reverse=True)
    )
    suffix_alt = "|".join(map(re.escape, _SUFFIXES))
    # 1,200 and 25.5 are read whole: no numeral starts after "digit," or "digit.".
    num = rf"(?:(?<![{_ARABIC_NOT_AFTER}])(?<![{_D}][,.．]){_ARABIC}|(?<![{_CN_NOT_AFTER}]){_CN})"

    def number(p: str) -> str:
        return rf"(?P<{p}num>{num})(?P<{p}q1>余|多)?(?P<{p}mult>{mult_alt})?(?P<{p}q2>余|多)?"

    # a quantity starts with a digit, a Chinese numeral or a qualifier: test that first, so the
    # engine leaves every other position after one character-class check
    digits = "0123456789０１２３４５６７８９零〇一二两三四五六七八九十百千万亿"
    first = "".join(sorted({p[0] for p in _PREFIXES} | set(digits)))
    quantity = re.compile(
        rf"(?=[{re.escape(first)}])(?P<pre>{prefix_alt})?"
        rf"(?:{number('lo')}(?P<lounit>{unit_alt})?\s?{_RANGE_SEP}\s?)?"
        rf"{number('')}(?P<unit>{unit_alt})(?:[/／](?P<per>{unit_alt}))?(?P<post>{suffix_alt})?"
    )
    percent = re.compile(
        rf"(?P<pre>{prefix_alt})?百分之(?P<num>{_ARABIC}|{_CN}|百)(?P<post>{suffix_alt})?"
    )
    fixed = [re.escape(u.surface) for u in table.values() if u.kind == "fixed"]
    labels = re.compile("|".join([_QUOTED.pattern, *fixed]))
    return _Grammar(quantity, percent, labels)


def _arabic(s: str) -> Decimal:
    return Decimal(s.translate(_FULLWIDTH))


def _chinese(s: str) -> Decimal | None:
    """A Chinese numeral as a Decimal, or None when it is not one number (三四, 二〇二四, 十几)."""
    whole, _, frac = s.partition("点")
    if len(whole) > 1 and (_ADJACENT_CN_DIGITS.search(whole) or not _CN_PLACE.search(whole)):
        return None  # 三四个 (3 or 4), 一两个, 二〇二四 (a year spelt digit by digit)
    try:
        n = cn2an.cn2an(whole, "normal")
    except ValueError:
        return None
    value = Decimal(int(n))
    if frac:
        value += Decimal("0." + frac.translate(_CN_FRACTION))
    return value


@lru_cache(maxsize=4096)
def _numeral(s: str) -> Decimal | None:
    """The value of a printed numeral (Decimals are immutable, so one value serves every use)."""
    if s in ("百", "千", "万"):  # 百分之百, 万余人
        return units()[s].factor
    if s[0] in "0123456789０１２３４５６７８９":
        return _arabic(s)
    return _chinese(s)


def _tidy(d: Decimal) -> Decimal:
    """25.5 × 10000 = 255000.0 → 255000; 0.50 → 0.5 (never exponent notation for integers)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


@dataclass
class _Parsed:
    start: int
    end: int
    value: Decimal | None
    min_value: Decimal | None
    max_value: Decimal | None
    unit: Unit
    qualifier: Qualifier
    code: str  # the unit of the value: unit.unit, or a rate such as CNY/mu for 元/亩


@lru_cache(maxsize=4096)
def _scaled(num: str, mult: str | None, unit: str, per: str | None) -> tuple[Decimal, Decimal, Decimal, str] | None:
    """``(value, multiplier, factor, code)`` of a numeral, multiplier, unit and per-unit as printed:
    the value in base units, the multiplier's value (1 without one), the unit's factor to base units
    (divided by the per-unit's for a rate) and the unit code (``CNY``, ``CNY/mu``); None when the
    numeral is not a number. Cached: the same figures recur (Decimals are immutable)."""
    n = _numeral(num)
    if n is None:
        return None
    table = units()
    u = table[unit]
    mult_value = table[mult].factor if mult else Decimal(1)
    factor, code = u.factor, u.unit
    if per:  # 2万元/亩: a rate
        per_unit = table[per]
        factor, code = factor / per_unit.factor, f"{u.unit}/{per_unit.unit}"
    return _tidy(n * mult_value * factor), mult_value, factor, code


def _interpret(m: re.Match[str]) -> _Parsed | None:
    """Values of a match of the quantity grammar, or None when a numeral is not a number."""
    table = units()
    scaled = _scaled(*m.group("num", "mult", "unit", "per"))
    if scaled is None:
        return None
    unit = table[m["unit"]]
    start, end = m.start(), m.end()
    value: Decimal | None
    value, mult, factor, code = scaled
    low: Decimal | None = None
    high: Decimal | None = None
    prefix = m["pre"]
    if m["lonum"]:
        lo = _numeral(m["lonum"])
        lo_unit = table[m["lounit"]] if m["lounit"] else unit
        if lo is not None and lo_unit.unit == unit.unit:
            lo_mult = table[m["lomult"]].factor if m["lomult"] else mult  # 3—5万元 = 3万 to 5万
            low = _tidy(lo * lo_mult * lo_unit.factor * factor / unit.factor)
            if value is not None and low < value:
                high, value = value, None
            else:
                low = None
        if low is None:  # not a range: the figure is the part after the separator
            start, prefix = m.start("num"), None
    qualifier: Qualifier = "exact"
    if m["q1"] or m["q2"]:
        qualifier = "more_than"
    if m["post"]:
        qualifier = _SUFFIXES[m["post"]]
    if prefix:
        if prefix == "近" and unit.kind in ("duration", "calendar"):
            start = m.start("pre") + len(prefix)  # 近3年 = the last 3 years, not nearly 3
        else:
            qualifier = _PREFIXES[prefix]
    if high is not None:
        qualifier = "range"
    return _Parsed(start, end, value, low, high, unit, qualifier, code)


def _interpret_percent(m: re.Match[str]) -> _Parsed | None:
    n = _numeral(m["num"])
    if n is None:
        return None
    qualifier: Qualifier = "exact"
    if m["post"]:
        qualifier = _SUFFIXES[m["post"]]
    if m["pre"]:
        qualifier = _PREFIXES[m["pre"]]
    return _Parsed(m.start(), m.end(), _tidy(n), None, None, units()["%"], qualifier, "%")


def parse_quantity(
    surface: str,
) -> tuple[Decimal | None, Decimal | None, Decimal | None, str, Qualifier]:
    """Parse one quantity surface: ``"近3万元"`` → ``(Decimal('30000'), None, None, 'CNY', 'nearly')``.

    Returns ``(value, min_value, max_value, unit, qualifier)``; a range (``3至5年``) has value
    None and qualifier ``range``. Values are Decimals in base units. Only the grammar is checked,
    not the context (``2024年`` parses as 2024 年; :func:`extract_quantities` knows it is a date).
    Raises ``ValueError`` when ``surface`` is not a numeral with a unit from ``kg/data/units.csv``.
    """
    g = _grammar()
    s = surface.strip()
    parsed: _Parsed | None = None
    if m := g.quantity.fullmatch(s):
        parsed = _interpret(m)
    elif m := g.percent.fullmatch(s):
        parsed = _interpret_percent(m)
    if parsed is None:
        raise ValueError(f"not a quantity (numeral + unit from kg/data/{UNITS_FILE}): {surface!r}")
    return parsed.value, parsed.min_value, parsed.max_value, parsed.code, parsed.qualifier


class _Regions:
    """Sorted, non-overlapping half-open character regions with an O(log n) membership test."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end) - 1
        return i >= 0 and self.ends[i] > start


def _label_regions(text: str) -> _Regions:
    spans = []
    for m in _grammar().labels.finditer(text):
        if m.group()[0] in "“‘「『\"" and _SPEECH.search(m.group()):
            continue  # reported speech: its figures are facts, not labels
        spans.append(m.span())
    return _Regions(spans)


def _ocr_broken(text: str, start: int) -> bool:
    """Digits interrupted by one stray character (3�00名, 3 0余次, 1?7万平方米): skip, do not guess."""
    return start >= 2 and (text[start - 2].isdigit() or text[start - 2] in ".．") \
        and not _CJK.match(text[start - 1])


def _is_cn(numeral: str) -> bool:
    return numeral[0] not in "0123456789０１２３４５６７８９"


def _acceptable(text: str, m: re.Match[str], p: _Parsed) -> bool:
    """Context rules that tell a quantity from a date, a name or a formula."""
    num = m["num"]
    unit = p.unit
    after = text[m.end("unit"):m.end("unit") + 2]
    if unit.kind == "calendar":
        if m["post"] or _DURATION_AFTER.match(after):
            pass  # 3日内, 3年来, 五年间: a duration
        elif unit.surface == "日" or _is_cn(num):
            return False  # 5日 / 三年行动: a date or a name
        if unit.surface == "日" and m.start("num") > 0 and text[m.start("num") - 1] in "月号":
            return False  # 3月5日后
        if unit.surface == "年" and not _is_cn(num):
            vague = m["q1"] or m["q2"] or m["pre"]  # 2000余年 is a duration
            if not vague and (re.fullmatch(r"[0-9０-９]{4}", num) or (m["lonum"] and len(m["lonum"]) == 4)):
                return False  # 2024年, 2023—2025年
            if _YEAR_AFTER.match(after):
                return False
    if _is_cn(num):
        bare = len(num) == 1 and not (m["q1"] or m["q2"] or m["mult"] or m["lonum"])
        if bare and (num == "二" or num == "一" and not m["pre"]):
            return False  # 一批, 一个: a determiner; 二期, 二楼: a name (a count of two is 两)
        s = m.start("num")
        nxt = text[m.end("unit"):m.end("unit") + 1]
        if nxt and nxt in _CN_DIGITS + "十":
            return False  # 三位一体, 两个一百年
        if (not m["lonum"] and s >= 2 and text[s - 2] in _CN_DIGITS + "十" and _CJK.match(text[s - 1])
                and text[s - 2:s] != "一式"):
            return False  # 三番五次, 四议两公开 (but 一式五份, 三至五名)
        if bare and unit.surface in _TOPONYM_UNITS and nxt in _TOPONYM_AFTER:
            return False  # 三家店, 七台河, 五棵松
    return True


def quantities_in(text: str, article_id: str = "") -> list[Quantity]:
    """Every quantity in ``text`` (an article body), in text order; spans index ``text``."""
    g = _grammar()
    labels = _label_regions(text)
    found: list[_Parsed] = []
    for m in g.quantity.finditer(text):
        p = _interpret(m)
        if p is not None and _acceptable(text, m, p):
            found.append(p)
    if "百分之" in text:  # the percent grammar's one literal: without it the scan finds nothing
        taken = _Regions([(p.start, p.end) for p in found])
        for m in g.percent.finditer(text):
            p = _interpret_percent(m)
            if p is not None and not taken.overlaps(p.start, p.end):
                found.append(p)
    found = sorted(
        (p for p in found if not labels.overlaps(p.start, p.end) and not _ocr_broken(text, p.start)),
        key=lambda p: p.start,
    )
    # Clause boundaries outside label quotes; 、 separates clauses only after a figure
    # (镇街老年学校13所、村老年学校25所), not inside a list of nouns (党员、群众代表…谈心谈话260余次).
    delims = _clause_delimiters(text, labels, {p.end for p in found})
    starts = [p.start for p in found]
    # validated as Quantity(span=Span(...), ...) would be, in one pass (the span as a dict)
    return [
        Quantity.model_validate({
            "article_id": article_id,
            "span": {"start": p.start, "end": p.end},
            "surface": text[p.start:p.end],
            "value": p.value,
            "min_value": p.min_value,
            "max_value": p.max_value,
            "unit": p.code,
            "qualifier": p.qualifier,
            "measures": _measures(text, delims, starts, p.start, p.end),
        })
        for p in found
    ]


def _clause_delimiters(text: str, labels: _Regions, ends: set[int]) -> list[int]:
    """Sorted offsets of the clause delimiters of ``text`` outside ``labels``; a 、 only at one of ``ends``.

    Label regions are blanked out first (same length, no delimiter), so one regex scan finds the rest.
    """
    if labels.starts:
        pieces: list[str] = []
        last = 0
        for s, e in zip(labels.starts, labels.ends, strict=True):
            pieces += (text[last:s], "\0" * (e - s))
            last = e
        pieces.append(text[last:])
        text = "".join(pieces)
    return [i for i in map(_MATCH_START, _DELIMITERS.finditer(text)) if text[i] != "、" or i in ends]


_MATCH_START = re.Match.start


def _measures(text: str, delims: list[int], starts: list[int], start: int, end: int) -> str | None:
    """What a figure measures: its clause before the figure, then ``…`` and the words after it.

    ``组织政策理论宣讲54场次，`` → ``组织政策理论宣讲``; ``每年增加9万元的村集体收入`` →
    ``每年增加…村集体收入``; ``6所基层校被评为…`` → ``基层校被评为…``. The words after stop at
    the next clause boundary or the next figure.
    """
    i = bisect.bisect_left(delims, start)
    clause_start = delims[i - 1] + 1 if i > 0 else 0
    before = _LEADING_CONNECTIVES.sub("", text[clause_start:start].strip()).strip()
    if before.count("“") > before.count("”"):  # the figure is inside reported speech
        before = before.replace("“", "", 1)
    j = bisect.bisect_left(delims, end)
    k = bisect.bisect_left(starts, end)
    clause_end = min(delims[j] if j < len(delims) else len(text), starts[k] if k < len(starts) else len(text))
    after = _TRAILING_CONJUNCTION.sub("", text[end:clause_end].strip().removeprefix("的").strip())
    if before and after:
        return f"{before}…{after}"
    return before or after or None


def extract_quantities(article: Article) -> list[Quantity]:
    """Quantities in ``article.text``: value (Decimal, base units), unit, qualifier, what it measures.

    ``id`` and ``subject`` are left for resolution. See the module docstring for the rules.
    """
    return quantities_in(article.text, article.id)
