"""Tests for kg.gazetteer: the national GB/T 2260 table and NBS town/village tables."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kg.errors import GazetteerError
from kg.gazetteer import Division, Gazetteer, normalize_code, normalize_village_name, short_name

FIXTURE = Path(__file__).parent / "fixtures" / "nbs_small.csv"
REAL_NBS = Path("/work/shared/data/jining_3708_divisions_2021.csv")
HEADER = "code,name,level,parent_code,county,town\n"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


@pytest.fixture()
def nbs() -> Gazetteer:
    g = Gazetteer.default()
    assert g.add_nbs_table(FIXTURE) == 13  # 4 towns, 7 villages, 370801 市辖区, 370871 功能区
    return g


# -- the national table ----------------------------------------------------


def test_sishui_chain(gaz: Gazetteer) -> None:
    sishui = gaz.get("370831")
    assert sishui == Division("370831", "泗水县", "county", "县", "370800")
    assert [(d.code, d.name, d.level, d.kind) for d in gaz.ancestors(sishui)] == [
        ("370800", "济宁市", "city", "地级市"),
        ("370000", "山东省", "province", "省"),
    ]
    assert gaz.parent(gaz.get("370000")) is None
    assert gaz.within(sishui, "370800") and gaz.within(sishui, "3708") and gaz.within(sishui, "370000")
    assert not gaz.within(sishui, "370831")  # strict
    assert not gaz.within(sishui, "370900")


def test_jining_counties(gaz: Gazetteer) -> None:
    assert [(d.code, d.name, d.kind) for d in gaz.children("370800")] == [
        ("370811", "任城区", "市辖区"),
        ("370812", "兖州区", "市辖区"),
        ("370826", "微山县", "县"),
        ("370827", "鱼台县", "县"),
        ("370828", "金乡县", "县"),
        ("370829", "嘉祥县", "县"),
        ("370830", "汶上县", "县"),
        ("370831", "泗水县", "县"),
        ("370832", "梁山县", "县"),
        ("370881", "曲阜市", "县级市"),
        ("370883", "邹城市", "县级市"),
    ]
    assert gaz.get("3708") == gaz.get("370800")


def test_short_names(gaz: Gazetteer) -> None:
    assert [d.code for d in gaz.lookup_short("泗水")] == ["370831"]
    assert [d.code for d in gaz.lookup_short("济宁")] == ["370800"]
    assert [d.name for d in gaz.lookup_short("内蒙古")] == ["内蒙古自治区"]
    assert [d.name for d in gaz.lookup_short("吉林")] == ["吉林省", "吉林市"]
    shorts = {d.name: d.short for c in ("370000", "150000", "450000", "222400", "429021", "610103", "450328")
              if (d := gaz.get(c)) is not None}
    assert shorts == {
        "山东省": "山东",
        "内蒙古自治区": "内蒙古",
        "广西壮族自治区": "广西",
        "延边朝鲜族自治州": "延边",
        "神农架林区": "神农架",
        "碑林区": "碑林",
        "龙胜各族自治县": "龙胜",
    }
    assert short_name("城区", "county", "市辖区") == "城区"  # never shorter than two characters
    assert short_name("杨柳镇", "town", "镇") == "杨柳"


def test_functional_zone_has_no_code(gaz: Gazetteer) -> None:
    # 太白湖新区 is a functional zone of 济宁 without a GB/T 2260 code.
    assert gaz.lookup("太白湖新区") == []
    assert gaz.lookup_short("太白湖") == []
    assert "太白湖新区" not in gaz.names()


def test_provinces(gaz: Gazetteer) -> None:
    provinces = [d for code in ("110000", "710000", "810000", "820000") if (d := gaz.get(code))]
    assert [d.kind for d in provinces] == ["直辖市", "省", "特别行政区", "特别行政区"]
    # 34 provincial divisions: 23 provinces (with 台湾), 5 autonomous regions, 4 municipalities, 2 SARs.
    all_provinces = [d for name in gaz.names() for d in gaz.lookup(name) if d.level == "province"]
    assert len(all_provinces) == 34
    kinds = sorted(d.kind for d in all_provinces)
    assert kinds.count("省") == 23 and kinds.count("自治区") == 5
    assert kinds.count("直辖市") == 4 and kinds.count("特别行政区") == 2


def test_municipality_districts_hang_from_province(gaz: Gazetteer) -> None:
    chaoyang = [d for d in gaz.lookup("朝阳区") if d.code == "110105"][0]
    assert chaoyang.parent_code == "110000"
    assert gaz.get("110100") is None
    assert gaz.get("429004").parent_code == "420000"  # 仙桃市, administered by the province


def test_lookup_and_names(gaz: Gazetteer) -> None:
    assert [d.code for d in gaz.lookup("朝阳区")] == ["110105", "220104"]
    names = gaz.names()
    assert "泗水县" in names and "市辖区" not in names and names == sorted(set(names))
    assert gaz.get("999999") is None and gaz.get("abc") is None
    assert gaz.lookup("不存在县") == []


def test_default_is_fast_and_independent() -> None:
    start = time.perf_counter()
    a = Gazetteer.default()
    elapsed = time.perf_counter() - start
    assert elapsed < 0.3
    a.add_nbs_table(FIXTURE)
    assert a.get("370831107") is not None
    assert Gazetteer.default().get("370831107") is None


# -- NBS tables ------------------------------------------------------------


def test_nbs_adds_towns_and_villages(nbs: Gazetteer) -> None:
    yangliu = nbs.get("370831107")
    assert yangliu == Division("370831107", "杨柳镇", "town", "镇", "370831")
    assert yangliu.short == "杨柳"
    assert [d.name for d in nbs.children("370831107")] == ["孔家村", "杨柳村", "吴家庄村"]
    assert {d.kind for d in nbs.children("370831107")} == {"村"}
    assert nbs.get("370831001003").name == "仲子社区"
    assert nbs.get("370831001003").kind == "社区"
    assert nbs.get("370811002001").name == "航运新村社区"
    assert nbs.get("370830111205").name == "王海村"
    assert nbs.get("370831001").kind == "街道"
    village = nbs.get("370831107201")
    assert [d.code for d in nbs.ancestors(village)] == ["370831107", "370831", "370800", "370000"]
    assert nbs.within(village, "370831")
    assert [d.code for d in nbs.lookup_short("孔家")] == ["370831107201"]
    # existing county rows are left as they are; the 市辖区 placeholder is only reachable by code
    assert nbs.get("370831").kind == "县"
    assert nbs.get("370801") is not None
    assert "370801" not in [d.code for d in nbs.children("370800")]
    assert nbs.lookup("市辖区") == []
    zone = nbs.get("370871")
    assert zone is not None and zone.kind == "功能区" and zone.parent_code == "370800"


def test_same_name_villages_stay_apart(nbs: Gazetteer) -> None:
    both = nbs.lookup("杨柳村")
    assert [(d.code, d.parent_code) for d in both] == [
        ("370830111225", "370830111"),  # 汶上县 杨店镇
        ("370831107209", "370831107"),  # 泗水县 杨柳镇
    ]
    assert [nbs.ancestors(d)[1].name for d in both] == ["汶上县", "泗水县"]
    assert [d.code for d in nbs.lookup_short("杨柳")] == ["370830111225", "370831107", "370831107209"]


def test_village_suffixes() -> None:
    assert normalize_village_name("孔家村村民委员会") == "孔家村"
    assert normalize_village_name("张营村村委会") == "张营村"
    assert normalize_village_name("前进村民委员会") == "前进村"
    assert normalize_village_name("仲子社区居民委员会") == "仲子社区"
    assert normalize_village_name("文东居民委员会") == "文东社区"
    assert normalize_village_name("韦园社区居委会") == "韦园社区"
    assert normalize_village_name("水稻研究所社区") == "水稻研究所社区"
    assert normalize_village_name("陈凡庄村村委委员会") == "陈凡庄村"  # misspelt in the NBS table
    assert normalize_village_name("东闸社区居民委会") == "东闸社区"


def test_normalize_code() -> None:
    assert normalize_code("37") == "370000"
    assert normalize_code("3708") == "370800"
    assert normalize_code("370831000000") == "370831"
    assert normalize_code("370831107000") == "370831107"
    assert normalize_code("370831107209") == "370831107209"


def _write(tmp_path: Path, body: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "line", "needle"),
    [
        ("370831107,杨柳镇,town,370831,泗水县\n", 2, "5 columns, expected 6"),
        ("3708311O7,杨柳镇,town,370831,泗水县,杨柳镇\n", 2, "not all digits"),
        ("370831107,杨柳镇,town,370831,泗水县,杨柳镇\n370831199201,某村村民委员会,village,370831199,泗水县,某镇\n",
         3, "unknown parent_code 370831199"),
        ("370831107,杨柳镇,village,370831,泗水县,杨柳镇\n", 2, "a village needs 12"),
        ("370831107,杨柳镇,township,370831,泗水县,杨柳镇\n", 2, "unknown level"),
        ("370831107,杨柳镇,town,370830,泗水县,杨柳镇\n", 2, "does not start with its parent_code"),
    ],
)
def test_malformed_row(tmp_path: Path, rows: str, line: int, needle: str) -> None:
    path = _write(tmp_path, HEADER + rows)
    g = Gazetteer.default()
    before = len(g)
    with pytest.raises(GazetteerError) as err:
        g.add_nbs_table(path)
    assert err.value.path == str(path) and err.value.line == line
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert needle in str(err.value)
    assert len(g) == before  # nothing added


def test_empty_and_bad_files(tmp_path: Path) -> None:
    g = Gazetteer.default()
    with pytest.raises(GazetteerError, match="empty"):
        g.add_nbs_table(_write(tmp_path, ""))
    with pytest.raises(GazetteerError, match="lacks parent_code") as err:
        g.add_nbs_table(_write(tmp_path, "code,name,level\n3708,济宁市,city\n"))
    assert err.value.line == 1
    with pytest.raises(GazetteerError, match="UTF-8"):
        row = "370831107,杨柳镇,town,370831,泗水县,杨柳镇\n"
        (tmp_path / "gbk.csv").write_bytes((HEADER + row).encode("gbk"))
        g.add_nbs_table(tmp_path / "gbk.csv")
    with pytest.raises(GazetteerError, match="cannot read"):
        g.add_nbs_table(tmp_path / "missing.csv")


def test_bom_crlf_and_comments(tmp_path: Path) -> None:
    row = "370831107,杨柳镇,town,370831,泗水县,杨柳镇\r\n\r\n"
    body = "\ufeff# a comment\r\n" + HEADER.replace("\n", "\r\n") + row
    g = Gazetteer.default()
    assert g.add_nbs_table(_write(tmp_path, body)) == 1
    assert g.add_nbs_table(_write(tmp_path, body, "again.csv")) == 0  # known rows are left alone


def test_placeholders_are_skipped_in_the_tree(tmp_path: Path) -> None:
    body = HEADER + (
        "11,北京市,province,,,\n"
        "1101,市辖区,city,11,,\n"
        "110101,东城区,county,1101,东城区,\n"
        "110199,试验区,county,1101,试验区,\n"
        "110199001,试验街道,town,110199,试验区,试验街道\n"
        "110101001,东华门街道,town,110101,东城区,东华门街道\n"
    )
    g = Gazetteer.default()
    assert g.add_nbs_table(_write(tmp_path, body)) == 4  # 110100, 110199 and two towns
    assert g.get("110100") is not None and g.lookup("市辖区") == []
    new = g.get("110199")
    assert new is not None and new.parent_code == "110000"
    assert [d.code for d in g.ancestors(g.get("110199001"))] == ["110199", "110000"]
    assert g.get("110101001").parent_code == "110101"


@pytest.mark.skipif(not REAL_NBS.exists(), reason=f"{REAL_NBS} (NBS 2021 table of 济宁) is not here")
def test_real_jining_table() -> None:
    g = Gazetteer.default()
    added = g.add_nbs_table(REAL_NBS)
    # 158 towns, 4969 villages, the 370801 placeholder and 济宁高新技术产业开发区 370871
    assert added == 158 + 4969 + 2
    assert [d.code for d in g.lookup("杨柳村")] == ["370830111225", "370831107209"]
    assert all(not d.name.endswith(("委员会", "居委会", "村委会")) for c in ("370831107", "370811002")
               for d in g.children(c))
    assert g.lookup("太白湖新区") == []
