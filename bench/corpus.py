"""A deterministic benchmark corpus: the real pages' paragraphs recombined, with places and people redrawn.

    .venv/bin/python bench/corpus.py --articles 100000 --out bench/work/corpus-100000
    .venv/bin/python bench/corpus.py --articles 200 --out /tmp/pages --format txt

How it is made:

1. The real pages (``sources/*.txt`` and ``tests/pages/*.txt``, not the held-out
   evaluation pages ``holdout_*``) are laid out with
   :func:`kg.layout.layout` and extracted with :func:`kg.extract.extract`, once.
   In every article, each place kg found (province, city, county, town,
   village) and each byline name becomes a *slot*: a paragraph is then a
   template of literal text and slots. Organizations are not slots of their
   own: their names carry the places they belong to (泗水县委组织部,
   前王庄村党支部), which are redrawn, so organizations multiply with places.
2. A new article takes the first paragraph of one real article (its dateline
   ``本报泗水讯（通讯员 …）``) with that article's headline, kicker and kind,
   then 2–7 body paragraphs drawn from any article (about 800 characters an article: 100k
   articles are 8·10⁷ characters, near the 10⁸ of issue 5's user). About one record in
   twenty is a photo caption (text ending ``■通讯员 … 摄``, no title).
3. The article is set in a county drawn from the gazetteer
   (:meth:`kg.gazetteer.Gazetteer.default`, counties under a prefecture) with
   Zipf-like weights, so a few counties are frequent and most are rare, as in
   a real paper's coverage. Its slots are filled consistently within the
   article: the first county slot is that county, the first city and province
   slots its prefecture and province (in short form where the original was
   short, as in datelines: 泗水 → 邹平), other county/city slots siblings.
   Towns, villages and correspondents are invented per county from syllable
   lists (张庄村, 李家洼村, 东岭镇), from a generator seeded by the county code,
   so every county has its own stable set and the number of distinct
   entities grows with the corpus, sublinearly, as in a real one.

Everything comes from one seeded ``random.Random`` (and per-county generators
seeded with strings, which ``random`` hashes with SHA-512): no clock, no
``hash()``, no set iteration, so the same arguments give byte-identical files.

Output: JSON Lines shards of ``--shard-size`` records (``corpus-00001.jsonl.gz``
…), one article per line with ``text`` (paragraphs separated by ``\\n``),
``title`` (the headline; absent for captions), ``newspaper`` (the prefecture's
日报) and ``date``; gzip members carry no time stamp. ``--format txt`` writes
newspaper pages instead (hard-wrapped bodies with kicker and headline after
them, a ``.meta.yaml`` sidecar each), as in ``sources/``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gzip
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.extract import extract  # noqa: E402
from kg.gazetteer import Division, Gazetteer  # noqa: E402
from kg.layout import layout  # noqa: E402
from kg.models import Article  # noqa: E402
from kg.sources import read_source  # noqa: E402

PAGE_DIRS = (ROOT / "sources", ROOT / "tests" / "pages")
TOWN_LEVELS = {"镇": "镇", "乡": "乡", "街道": "街道"}
VILLAGE_LEVELS = {"村", "社区"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文海燕鹏飞云峰雪梅晓东立新春林宏"
TOWN_STEMS = ("东岭 西河 南湖 北关 龙泉 青山 白马 石桥 柳林 杨庄 马集 高庄 红旗 凤凰 金山 桃园 梨园 沙河 "
              "黄岗 双庙 三里 王楼 孙集 大屯 新安 永安 太平 长兴 兴隆 安乐 福山 仁和 清水 松林 卧龙 河口").split()
VILLAGE_LEFT = "东西南北前后大小上下"
VILLAGE_RIGHT = "庄洼屯营寨岭沟集店楼桥湾坡园口岗台铺"

Slot = tuple[str, str, str]
"""``(kind, key, form)``: kind province/city/county/town/village/person, key the original name
(or division code), form ``full`` or ``short``."""
Template = tuple[str | Slot, ...]
T = TypeVar("T")


@dataclass
class Lead:
    """A real article's opening: its first paragraph, headline, kicker and remaining kind."""

    first: Template
    headline: Template | None
    kicker: Template | None


@dataclass
class Pool:
    """Templates taken from the real pages."""

    leads: list[Lead] = field(default_factory=list)
    body: list[Template] = field(default_factory=list)
    photos: list[Template] = field(default_factory=list)


def _slots(art: Article, gaz: Gazetteer) -> dict[str, Slot]:
    """``{surface as printed: slot}`` for the places and byline names of one article."""
    found: dict[str, Slot] = {}
    for m in extract(art, gaz).mentions:
        if m.type != "AdministrativeArea":
            continue
        name = m.name or m.surface
        if m.subtype in TOWN_LEVELS:
            found[m.surface] = ("town", name, "short" if m.rule == "place-enumerated" else "full")
        elif m.subtype in VILLAGE_LEVELS:
            found[m.surface] = ("village", name, "full")
        else:
            divs = gaz.lookup(name) or gaz.lookup_short(name)
            if divs and divs[0].level in ("province", "city", "county"):
                div = divs[0]
                found[m.surface] = (div.level, div.code, "full" if name == div.name else "short")
    for b in art.bylines:
        if b.span is not None:
            found[art.text[b.span.start:b.span.end]] = ("person", b.name, "full")
    return found


def _template(text: str, pattern: re.Pattern[str] | None, slots: dict[str, Slot]) -> Template:
    if pattern is None:
        return (text,)
    parts: list[str | Slot] = []
    for i, piece in enumerate(pattern.split(text)):
        if i % 2:
            parts.append(slots[piece])
        elif piece:
            parts.append(piece)
    return tuple(parts)


def load_pool(gaz: Gazetteer, dirs: tuple[Path, ...] = PAGE_DIRS) -> Pool:
    """Lay out and extract the real pages once; turn their paragraphs into templates."""
    pool = Pool()
    for path in sorted(p for d in dirs for p in d.glob("*.txt") if not p.name.startswith("holdout")):
        for art in layout(read_source(path)):
            slots = _slots(art, gaz)
            alts = sorted(slots, key=lambda s: (-len(s), s))
            pattern = re.compile("(" + "|".join(map(re.escape, alts)) + ")") if alts else None
            paras = [art.text[p.start:p.end] for p in art.paragraphs] or [art.text]
            tpl = [_template(p, pattern, slots) for p in paras]
            if art.kind == "photo":
                pool.photos.append(_template(art.text, pattern, slots))
                continue
            head = _template(art.headline, pattern, slots) if art.headline else None
            kick = _template(art.kicker, pattern, slots) if art.kicker else None
            pool.leads.append(Lead(tpl[0], head, kick))
            pool.body.extend(t for t, p in zip(tpl[1:], paras[1:], strict=True) if len(p) >= 30)
    return pool


@dataclass
class County:
    """A county with its invented towns, villages and correspondents (stable per county code)."""

    div: Division
    city: Division
    province: Division
    towns: list[str]
    villages: list[str]
    people: list[str]


def _unique(make: object, n: int, rng: random.Random) -> list[str]:
    out: dict[str, None] = {}
    for _ in range(n * 4):
        out[make(rng)] = None  # type: ignore[operator]
        if len(out) == n:
            break
    return list(out)


def _town(rng: random.Random) -> str:
    return rng.choice(TOWN_STEMS) + rng.choices(("镇", "乡", "街道"), (8, 2, 1))[0]


def _village(rng: random.Random) -> str:
    left = rng.choice(VILLAGE_LEFT) if rng.random() < 0.3 else ""
    mid = rng.choice(SURNAMES) + ("家" if rng.random() < 0.3 else "")
    return left + mid + rng.choice(VILLAGE_RIGHT) + "村"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))


class World:
    """The gazetteer's counties under a prefecture, Zipf-weighted, and their invented contents."""

    def __init__(self, gaz: Gazetteer, rng: random.Random, seed: int, zipf: float = 0.9) -> None:
        self.gaz = gaz
        self.seed = seed
        self.rng = rng
        every = sorted({d.code: d for name in gaz.names() for d in gaz.lookup(name)}.values(), key=lambda d: d.code)
        self.counties = [d for d in every
                         if d.level == "county" and (p := gaz.parent(d)) is not None and p.level == "city"]
        rng.shuffle(self.counties)
        self.cum = list(itertools.accumulate(1 / (r + 1) ** zipf for r in range(len(self.counties))))
        self.provinces = [d for d in every if d.level == "province"]
        self._made: dict[str, County] = {}

    def pick(self) -> County:
        """A county, frequent ones more often."""
        i = bisect.bisect(self.cum, self.rng.random() * self.cum[-1])
        return self.county(self.counties[min(i, len(self.counties) - 1)])

    def county(self, div: Division) -> County:
        if div.code not in self._made:
            rng = random.Random(f"{self.seed}/{div.code}")
            towns = _unique(_town, rng.randint(8, 20), rng)
            city = self.gaz.parent(div)
            assert city is not None
            province = self.gaz.parent(city) or city
            self._made[div.code] = County(div, city, province, towns, _unique(_village, 12 * len(towns), rng),
                                          _unique(_person, 6, rng))
        return self._made[div.code]

    def sibling(self, div: Division, level: str) -> Division:
        """Another division of ``level`` under the same parent as ``div`` (or ``div`` if it has none)."""
        parent = div.parent_code
        kids = [d for d in self.gaz.children(parent) if d.level == level and d.code != div.code] if parent else []
        if level == "province":
            kids = [d for d in self.provinces if d.code != div.code]
        return self.rng.choice(kids) if kids else div


def _short_town(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class Filler:
    """Fills one article's slots consistently: the same original name gets the same new name."""

    def __init__(self, world: World, county: County) -> None:
        self.world, self.county, self.rng = world, county, world.rng
        self.names: dict[tuple[str, str], Division | str] = {}
        self.first = {"county": county.div, "city": county.city, "province": county.province}

    def _new(self, kind: str) -> Division | str:
        c = self.county
        if kind in ("county", "city", "province"):
            div = self.first.pop(kind, None)
            if div is not None:
                return div
            anchor = {"county": c.div, "city": c.city, "province": c.province}[kind]
            return self.world.sibling(anchor, kind)
        used = set(self.names.values())
        choices = {"town": c.towns, "village": c.villages, "person": c.people}[kind]
        for _ in range(8):
            name = self.rng.choice(choices)
            if name not in used:
                return name
        return name

    def fill(self, tpl: Template) -> str:
        out: list[str] = []
        for part in tpl:
            if isinstance(part, str):
                out.append(part)
                continue
            kind, key, form = part
            new = self.names.get((kind, key))
            if new is None:
                new = self.names[(kind, key)] = self._new(kind)
            if isinstance(new, Division):
                out.append(new.short if form == "short" else new.name)
            else:
                out.append(_short_town(new) if form == "short" else new)
        return "".join(out)


def generate(articles: int, seed: int = 5, gaz: Gazetteer | None = None) -> Iterator[dict[str, str]]:
    """``articles`` records ``{text, title?, newspaper, date, kicker?}``; the same arguments give the same records."""
    gaz = gaz or Gazetteer.default()
    pool = load_pool(gaz)
    rng = random.Random(seed)
    world = World(gaz, rng, seed)
    day0 = dt.date(2019, 1, 1)
    for _ in range(articles):
        county = world.pick()
        filler = Filler(world, county)
        rec: dict[str, str] = {}
        if rng.random() < 0.05:
            rec["text"] = filler.fill(rng.choice(pool.photos))
        else:
            lead = rng.choice(pool.leads)
            paras = [lead.first, *(rng.choice(pool.body) for _ in range(rng.randint(2, 7)))]
            rec["text"] = "\n".join(filler.fill(p) for p in paras)
            if lead.headline:
                rec["title"] = filler.fill(lead.headline)
            if lead.kicker:
                rec["kicker"] = filler.fill(lead.kicker)
        rec["newspaper"] = county.city.short + "日报"
        rec["date"] = (day0 + dt.timedelta(days=rng.randrange(6 * 365))).isoformat()
        yield rec


def write_jsonl(records: Iterator[dict[str, str]], out: Path, shard_size: int = 1000, gz: bool = True) -> list[Path]:
    """Write ``records`` as JSON Lines shards ``corpus-00001.jsonl[.gz]`` …; the ``kicker`` is left out
    (kg's records have none). Returns the shard paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for n, batch in enumerate(batched(records, shard_size), start=1):
        path = out / f"corpus-{n:05d}.jsonl{'.gz' if gz else ''}"
        lines = (json.dumps({k: v for k, v in r.items() if k != "kicker"}, ensure_ascii=False) + "\n"
                 for r in batch)
        data = "".join(lines).encode("utf-8")
        with path.open("wb") as raw:
            if gz:  # no file name or time stamp in the header: the same records give the same bytes
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) as fh:
                    fh.write(data)
            else:
                raw.write(data)
        paths.append(path)
    return paths


def batched(items: Iterator[T], n: int) -> Iterator[list[T]]:
    """Lists of ``n`` consecutive items (the last may be shorter): ``itertools.batched`` before Python 3.12."""
    while batch := list(itertools.islice(items, n)):
        yield batch


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)]


def write_pages(records: Iterator[dict[str, str]], out: Path, per_page: int = 8, width: int = 18) -> list[Path]:
    """Write ``records`` as newspaper pages: each article's body hard-wrapped at ``width`` characters,
    then its kicker and headline, blocks separated by blank lines; ``page-00001.meta.yaml`` beside each."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for n, batch in enumerate(batched(records, per_page), start=1):
        blocks: list[str] = []
        for r in batch:
            blocks.extend("\n".join(_wrap(p, width)) for p in r["text"].split("\n"))
            blocks.extend(r[k] for k in ("kicker", "title") if k in r)
        path = out / f"page-{n:05d}.txt"
        path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
        path.with_name(f"page-{n:05d}.meta.yaml").write_text(
            f"newspaper: {batch[0]['newspaper']}\ndate: {batch[0]['date']}\n", encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000, help="number of articles (default 1000)")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--seed", type=int, default=5, help="random seed (default 5)")
    ap.add_argument("--shard-size", type=int, default=1000, help="records per JSON Lines shard (default 1000)")
    ap.add_argument("--format", choices=("jsonl.gz", "jsonl", "txt"), default="jsonl.gz",
                    help="gzip JSON Lines shards (default), plain JSON Lines, or .txt pages")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    records = generate(args.articles, args.seed)
    if args.format == "txt":
        paths = write_pages(records, args.out)
    else:
        paths = write_jsonl(records, args.out, args.shard_size, gz=args.format == "jsonl.gz")
    size = sum(p.stat().st_size for p in paths)
    print(f"{args.articles:,} articles in {len(paths):,} files, {size / 2**20:.1f} MiB, "
          f"{time.perf_counter() - t0:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
