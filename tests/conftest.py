"""A small hand-made KnowledgeBase for the export half (rdf, views, query, cli).

Two items from one page: an article from 泗水县杨柳镇 (places down to two
villages, a program, two quantities) and a photo caption from 汶上县 (an
organization printed as 财政局, a photographer, an area). Spans are found
with ``str.index`` so the text can be read as printed; every expected value
in the tests is worked out by hand from these strings.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kg.models import (
    Article,
    Byline,
    Entity,
    KnowledgeBase,
    Mention,
    PageMetadata,
    Quantity,
    Relation,
    ResolvedMention,
    SourceDocument,
    Span,
)
from kg.pipeline import BuildReport

BASE = "https://kg.example.org/id"
A1 = "page1-01"
A2 = "page1-02"
TEXT1 = (
    "本报泗水讯（通讯员 吴修林）泗水县杨柳镇岳家岭村第一书记追缴土地租金25.5万元；"
    "东琴柏村指导“四议两公开”决策事项，开展活动300余次。"
)
TEXT2 = "汶上县财政局工作人员在太白湖新区走访，新建场地1.7万平方米。\n■通讯员 张雅 摄"


def span(text: str, part: str, after: int = 0) -> Span:
    start = text.index(part, after)
    return Span(start=start, end=start + len(part))


def make_kb() -> KnowledgeBase:
    """Build the fixture KnowledgeBase (also used from a subprocess with another PYTHONHASHSEED)."""
    meta = PageMetadata(newspaper="济宁日报")
    source = SourceDocument(
        id="page1", path="sources/page1.txt", sha256="0" * 64, encoding="utf_8",
        text=TEXT1 + "\n" + TEXT2, metadata=meta,
    )
    a1 = Article(
        id=A1, source_id="page1", index=1, kind="article",
        headline="三个坚持 推动驻村工作提质增效", kicker="泗水县杨柳镇第一书记工作队", dateline_place="泗水",
        dateline=span(TEXT1, "本报泗水讯"), bylines=[Byline(name="吴修林", role="通讯员", span=span(TEXT1, "吴修林"))],
        text=TEXT1, paragraphs=[Span(start=0, end=len(TEXT1))], source_lines=(1, 4), metadata=meta,
    )
    a2 = Article(
        id=A2, source_id="page1", index=2, kind="photo",
        bylines=[Byline(name="张雅", role="摄影", span=span(TEXT2, "张雅"))],
        text=TEXT2, paragraphs=[Span(start=0, end=TEXT2.index("\n")), Span(start=TEXT2.index("■"), end=len(TEXT2))],
        source_lines=(6, 8), metadata=meta,
    )
    ents = [
        Entity(key="place/370000", type="AdministrativeArea", subtype="省", name="山东省", code="370000", linked=True),
        Entity(key="place/370800", type="AdministrativeArea", subtype="市", name="济宁市", labels=["济宁市", "济宁"],
               code="370800", parent="place/370000", linked=True),
        Entity(key="place/370831", type="AdministrativeArea", subtype="县", name="泗水县", labels=["泗水县", "泗水"],
               code="370831", parent="place/370800", linked=True,
               attributes={"qualified_name": "济宁市泗水县"}),
        Entity(key="place/370830", type="AdministrativeArea", subtype="县", name="汶上县", labels=["汶上县"],
               code="370830", parent="place/370800", linked=True),
        Entity(key="place/370831107", type="AdministrativeArea", subtype="镇", name="杨柳镇", labels=["杨柳镇"],
               code="370831107", parent="place/370831", linked=True),
        Entity(key="place/370831107201", type="AdministrativeArea", subtype="村", name="岳家岭村",
               labels=["岳家岭村"], code="370831107201", parent="place/370831107", linked=True),
        Entity(key="place/370831107202", type="AdministrativeArea", subtype="村", name="东琴柏村",
               labels=["东琴柏村"], code="370831107202", parent="place/370831107", linked=True),
        Entity(key="place/taibaihu-xinqu", type="AdministrativeArea", subtype="功能区", name="太白湖新区",
               labels=["太白湖新区"], parent="place/370800"),
        Entity(key="place/weishanhu", type="Place", subtype="水域", name="微山湖"),
        Entity(key="org/wenshangxian-caizhengju", type="Organization", subtype="局", name="汶上县财政局",
               labels=["财政局"]),
        Entity(key="org/jining-ribao", type="Organization", subtype="媒体", name="济宁日报",
               attributes={"newspaper": "true"}),
        Entity(key="program/siyi-liang-gongkai", type="Program", subtype="机制", name="四议两公开",
               labels=["“四议两公开”"]),
        Entity(key="person/wu-xiulin", type="Person", subtype="通讯员", name="吴修林", labels=["吴修林"]),
        Entity(key="person/zhang-ya", type="Person", subtype="摄影", name="张雅", labels=["张雅"]),
    ]

    def mention(article: str, text: str, surface: str, key: str, after: int = 0) -> ResolvedMention:
        e = next(x for x in ents if x.key == key)
        m = Mention(article_id=article, span=span(text, surface, after), surface=surface, type=e.type,
                    subtype=e.subtype, rule="test")
        return ResolvedMention(mention=m, entity=key)

    mentions = [
        mention(A1, TEXT1, "泗水县", "place/370831"),
        mention(A1, TEXT1, "杨柳镇", "place/370831107"),
        mention(A1, TEXT1, "岳家岭村", "place/370831107201"),
        mention(A1, TEXT1, "东琴柏村", "place/370831107202"),
        mention(A1, TEXT1, "四议两公开", "program/siyi-liang-gongkai"),
        mention(A1, TEXT1, "吴修林", "person/wu-xiulin"),
        mention(A2, TEXT2, "汶上县财政局", "org/wenshangxian-caizhengju"),
        mention(A2, TEXT2, "太白湖新区", "place/taibaihu-xinqu"),
        mention(A2, TEXT2, "张雅", "person/zhang-ya"),
    ]
    quantities = [
        Quantity(article_id=A1, span=span(TEXT1, "25.5万元"), surface="25.5万元", value=Decimal("255000"),
                 unit="CNY", qualifier="exact", measures="争取资金", subject="place/370831107201",
                 recipients=["place/370831107201"]),
        Quantity(article_id=A1, span=span(TEXT1, "300余次"), surface="300余次", value=Decimal("300"),
                 unit="次", qualifier="more_than", measures="开展活动", subject="place/370831107202"),
        Quantity(article_id=A2, span=span(TEXT2, "1.7万平方米"), surface="1.7万平方米",
                 value=Decimal("1.7E+4"), unit="m2", qualifier="exact", measures="新建场地"),
    ]
    relations = [
        Relation(subject="place/370831107202", predicate="runs", object="program/siyi-liang-gongkai",
                 article_id=A1, evidence=span(TEXT1, "东琴柏村指导“四议两公开”"), rule="test-runs"),
        Relation(subject="org/wenshangxian-caizhengju", predicate="operatesIn", object="place/370830",
                 article_id=A2, evidence=span(TEXT2, "汶上县财政局"), rule="test-qualified"),
        Relation(subject="place/370831107201", predicate="locatedIn", object="place/370831107",
                 article_id=A1, evidence=span(TEXT1, "杨柳镇岳家岭村"), rule="test-located"),
        Relation(subject=A1, predicate="reportedBy", object="org/jining-ribao", article_id=A1,
                 evidence=span(TEXT1, "本报"), rule="test-dateline"),
    ]
    return KnowledgeBase(articles=[a1, a2], entities={e.key: e for e in ents}, mentions=mentions,
                         quantities=quantities, relations=relations, sources=[source])


@pytest.fixture
def kb() -> KnowledgeBase:
    return make_kb()


@pytest.fixture
def exports(tmp_path: Path, kb: KnowledgeBase) -> dict[str, Path]:
    """The fixture KB exported in every registered format into a temporary directory."""
    from kg.rdf import to_dataset, write_exports

    return write_exports(to_dataset(kb, BASE), tmp_path / "out")


@pytest.fixture
def graph_ttl(exports: dict[str, Path]) -> Path:
    return exports["turtle"]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for running kg in a subprocess from the repository root."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, str(Path(__file__).resolve().parent), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


PYTHON = sys.executable


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """The sample page (sources/) built once per test session: its output directory and BuildReport."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("sample")
    return out, build([ROOT / "sources"], out)


@pytest.fixture(scope="session")
def sample_build(sample_report: tuple[Path, BuildReport]) -> Path:
    """The directory of the sample page's exports."""
    return sample_report[0]
