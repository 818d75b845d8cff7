"""kg.extract.quantities: numerals with units, checked against hand-worked forms and the gold page."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from kg.extract.quantities import extract_quantities, parse_quantity, quantities_in, units
from kg.layout import layout
from kg.models import Article, Quantity
from kg.sources import read_source

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sources" / "jining-daily-page.txt"
GOLD = Path(__file__).resolve().parent / "data" / "gold_quantities.json"

D = Decimal

# (sentence, surface, value, unit, qualifier): hand-worked from the conventions in DESIGN.md and
# the gold notes (万/亿 folded in, 余/多/超过 more_than, 近 nearly, 约/左右 approx).
FORMS = [
    ("共争取资金25.5万元，安装路灯", "25.5万元", D("255000"), "CNY", "exact"),
    ("修缮帮扶村道路1.7万平方米；", "1.7万平方米", D("17000"), "m2", "exact"),
    ("在村铺设自来水管道3000余米。", "3000余米", D("3000"), "m", "more_than"),
    ("每人每年可增加收入近3万元；", "近3万元", D("30000"), "CNY", "nearly"),
    ("在每支超过3名党员的船队上", "超过3名", D("3"), "名", "more_than"),
    ("开展活动300余次，", "300余次", D("300"), "次", "more_than"),
    ("争取省级项目资金30余万元，", "30余万元", D("300000"), "CNY", "more_than"),
    ("奖补资金1万余元。", "1万余元", D("10000"), "CNY", "more_than"),
    ("总投资1.2亿元，", "1.2亿元", D("120000000"), "CNY", "exact"),
    ("新建道路3千米，", "3千米", D("3"), "km", "exact"),
    ("硬化道路12公里。", "12公里", D("12"), "km", "exact"),
    ("完成1,200户改造。", "1,200户", D("1200"), "户", "exact"),
    ("培训３０名学员。", "３０名", D("30"), "名", "exact"),
    ("成立三十余个社团，", "三十余个", D("30"), "个", "more_than"),
    ("拨付资金一千二百万元，", "一千二百万元", D("12000000"), "CNY", "exact"),
    ("走访两千余户村民，", "两千余户", D("2000"), "户", "more_than"),
    ("沟通结束后共同签字确认，一式五份备案留存。", "五份", D("5"), "份", "exact"),
    ("聚焦管理责任、经济责任两个方面，", "两个", D("2"), "个", "exact"),
    ("限定3日内完成交接。", "3日", D("3"), "日", "exact"),
    ("约200人参加活动。", "约200人", D("200"), "人", "approx"),
    ("补贴3万元左右。", "3万元左右", D("30000"), "CNY", "approx"),
    ("惠及60岁以上老人。", "60岁以上", D("60"), "岁", "more_than"),
    ("每组不超过5人。", "不超过5人", D("5"), "人", "at_most"),
    ("覆盖率达到95%。", "95%", D("95"), "%", "exact"),
    ("同比增长百分之三十。", "百分之三十", D("30"), "%", "exact"),
    ("流转土地500亩，", "500亩", D("500"), "mu", "exact"),
    ("占地2.5公顷，", "2.5公顷", D("2.5"), "ha", "exact"),
    ("规划面积12平方公里。", "12平方公里", D("12"), "km2", "exact"),
    ("年产蔬菜1.5万吨。", "1.5万吨", D("15000"), "t", "exact"),
    ("铺设管线800厘米。", "800厘米", D("8"), "m", "exact"),
    ("帮扶周期3个月。", "3个月", D("3"), "月", "exact"),
    ("近3年来，", "3年", D("3"), "年", "exact"),  # 近 + a duration is "the last", not "nearly"
    ("签约3个项目。", "3个", D("3"), "个", "exact"),  # 签约: 约 is not a qualifier here
    ("距县城附近3公里。", "3公里", D("3"), "km", "exact"),
    ("开展议事活动67场次，", "67场次", D("67"), "场次", "exact"),
    ("组织政策理论宣讲54场次，", "54场次", D("54"), "场次", "exact"),
    ("从机构、阵地、专业、队伍、载体、制度等 6个方面提出", "6个", D("6"), "个", "exact"),
    ("他说：“我们今年帮扶了30户。”", "30户", D("30"), "户", "exact"),  # reported speech is searched
    ("万余人参加活动，", "万余人", D("10000"), "人", "more_than"),
    ("举办两期培训班，", "两期", D("2"), "期", "exact"),
    ("土地流转费2万元/亩。", "2万元/亩", D("20000"), "CNY/mu", "exact"),
    ("拥有2000余年历史，", "2000余年", D("2000"), "年", "more_than"),
    ("户均住房120㎡。", "120㎡", D("120"), "m2", "exact"),
    ("贫困发生率下降2个百分点。", "2个百分点", D("2"), "percentage point", "exact"),
]

# (sentence, surface, min, max, unit): ranges carry min/max and no value.
RANGES = [
    ("培训期限3至5年。", "3至5年", D("3"), D("5"), "年"),
    ("每村配备3—5个。", "3—5个", D("3"), D("5"), "个"),
    ("每组3~5名队员。", "3~5名", D("3"), D("5"), "名"),
    ("每户补贴3—5万元。", "3—5万元", D("30000"), D("50000"), "CNY"),
    ("配备三至五名网格员。", "三至五名", D("3"), D("5"), "名"),
]

# Sentences with numerals that are not quantities: dates, ordinals, names, formulas, labels.
NOT_QUANTITIES = [
    "开展走访慰问、2024年高考志愿填报公益讲座",
    "3月5日，县委召开会议。",
    "今年以来，全县持续推进。",
    "充分发挥第一书记“尖兵”作用",
    "不断拓展以参观、展演为主的第二课堂",
    "规范开展“三会一课”、主题党日",
    "指导四议两公开决策事项",
    "严格落实五必访五必问工作要求",
    "为村引进一次性拖鞋加工项目",
    "离退休干部助力社区治理三年行动要求",
    "建立四级管理体系，统筹县镇两级老年大学",
    "下发“两份文书”，破解难题",
    "着力构建县级层面“1+5”“服务团+服务队”工作体系",
    "构建1+5工作体系",
    "研究制定《关于推进3个方面工作的意见》",
    "编制“十四五”规划",
    "实行党员一对一帮办代办",
    "打造一批示范点，建立一个平台",
    "三番五次上门",
    "坚持五位一体总体布局",
    "覆盖三四个村",
    "建成几十个站点、数百名志愿者",
    "面积1\ufffd7万平方米",  # OCR: digits interrupted by a stray character
    "开展3 0余次活动",
    "地处七台河畔的三家店",
    "搭建“一社一品”特色活动载体，围绕“一老一小”群体",
    "帮助社区工作者实现一专多能",
    "2023—2025年三年行动计划",
    "实施二期工程，",
    "深入学习党的二十届三中全会精神",
    "严格落实中央八项规定精神，坚决做到两个维护",
    "成立于1949年，始建于90年代",
    "两节期间走访困难群众",
    "提供7×24小时服务",
]


def _only(sentence: str) -> Quantity:
    found = quantities_in(sentence, "t")
    assert len(found) == 1, [q.surface for q in found]
    return found[0]


@pytest.mark.parametrize(("sentence", "surface", "value", "unit", "qualifier"), FORMS)
def test_hand_worked_forms(sentence: str, surface: str, value: Decimal, unit: str, qualifier: str) -> None:
    q = _only(sentence)
    assert (q.surface, q.value, q.unit, q.qualifier) == (surface, value, unit, qualifier)
    assert isinstance(q.value, Decimal)
    assert parse_quantity(surface) == (value, None, None, unit, qualifier)


@pytest.mark.parametrize(("sentence", "surface", "low", "high", "unit"), RANGES)
def test_ranges(sentence: str, surface: str, low: Decimal, high: Decimal, unit: str) -> None:
    q = _only(sentence)
    assert (q.surface, q.value, q.min_value, q.max_value, q.unit, q.qualifier) == (
        surface, None, low, high, unit, "range",
    )


@pytest.mark.parametrize("sentence", NOT_QUANTITIES)
def test_not_quantities(sentence: str) -> None:
    assert [q.surface for q in quantities_in(sentence)] == []


@pytest.mark.parametrize(
    ("sentence", "surfaces"),
    [
        ("引导11名老干部加入，固定1名业务骨干", ["11名", "1名"]),
        ("共争取资金25.5万元，每年增加收入5万元", ["25.5万元", "5万元"]),
        ("为13个镇街分校和3个社区", ["13个", "3个"]),
        ("10处社区老年学堂和11处镇街老年学校", ["10处", "11处"]),
        ("指导“四议两公开”决策事项35次，开展活动5次", ["35次", "5次"]),
    ],
)
def test_numeral_boundaries(sentence: str, surfaces: list[str]) -> None:
    assert [q.surface for q in quantities_in(sentence)] == surfaces


def test_parse_quantity() -> None:
    assert parse_quantity("近3万元") == (D("30000"), None, None, "CNY", "nearly")
    assert parse_quantity("3至5年") == (None, D("3"), D("5"), "年", "range")
    assert parse_quantity("三十余个") == (D("30"), None, None, "个", "more_than")
    with pytest.raises(ValueError, match="not a quantity"):
        parse_quantity("10个社区")


def test_measures_is_the_clause_before_the_figure() -> None:
    [q] = quantities_in("扎实开展学习活动，组织政策理论宣讲54场次，帮助群众。")
    assert q.measures == "组织政策理论宣讲"
    [q] = quantities_in("并且引导11名老干部加入业委会。")
    assert q.measures == "引导…老干部加入业委会"
    [q] = quantities_in("6所基层校被评为示范校。")
    assert q.measures == "基层校被评为示范校"


def test_unit_table_has_a_header_and_the_base_units() -> None:
    text = (ROOT / "kg" / "data" / "units.csv").read_text(encoding="utf-8")
    assert text.startswith("#") and "法定计量单位" in text
    table = units()
    assert (table["元"].unit, table["平方米"].unit, table["米"].unit, table["亩"].unit) == ("CNY", "m2", "m", "mu")
    assert table["万"].factor == D(10000) and table["亿"].factor == D(100000000)


# --- the sample page against the gold annotation -------------------------------------------


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return layout(read_source(SAMPLE))


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return json.loads(GOLD.read_text(encoding="utf-8"))["quantities"]


def _key(value: Decimal | int | str | None, unit: str) -> tuple[Decimal | None, str]:
    return (None if value is None else Decimal(str(value)).normalize(), unit)


def test_sample_page_recall_and_precision(articles: list[Article], gold: list[dict]) -> None:
    found = [q for a in articles for q in extract_quantities(a)]
    predicted = Counter(_key(q.value if q.value is not None else q.min_value, q.unit) for q in found)
    expected = Counter(_key(g["value"], g["unit"]) for g in gold)
    tp = sum((predicted & expected).values())
    recall, precision = tp / sum(expected.values()), tp / sum(predicted.values())
    print(f"quantities on the sample page: recall {recall:.3f}, precision {precision:.3f} "
          f"({tp} of {sum(expected.values())} gold, {sum(predicted.values())} predicted)")
    assert recall >= 0.95, (expected - predicted)
    assert precision >= 0.90, (predicted - expected)


def test_sample_page_surfaces_per_article(articles: list[Article], gold: list[dict]) -> None:
    by_article = {a.id.rsplit("-", 1)[-1]: a for a in articles}
    expected = Counter((g["article"], g["text"]) for g in gold)
    predicted = Counter((k, q.surface) for k, a in by_article.items() for q in extract_quantities(a))
    missed = expected - predicted
    assert sum(missed.values()) <= 0.05 * sum(expected.values()), missed


def test_spans_index_surfaces_and_values_are_decimals(articles: list[Article]) -> None:
    for a in articles:
        for q in extract_quantities(a):
            assert q.article_id == a.id
            assert a.text[q.span.start:q.span.end] == q.surface
            assert q.value is None or isinstance(q.value, Decimal)
            assert q.value is not None or (isinstance(q.min_value, Decimal) and isinstance(q.max_value, Decimal))
