"""kg.evaluate: scores of a hand-made graph against a hand-made gold, worked out by hand.

The fixture pair is ``tests/data/eval_graph.ttl`` and ``tests/data/eval_gold.json``;
the comments in the Turtle file say which node is meant to match, miss or be
spurious. The last tests score a build of the sample page against the seed gold
and, where the project's judge (../shared/eval/score.py) exists, compare the
overall F1 with the judge's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.errors import SourceError
from kg.evaluate import EvalReport, evaluate, normalize_name, normalize_unit
from kg.iris import SCHEMA

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
GRAPH = DATA / "eval_graph.ttl"
GOLD = DATA / "eval_gold.json"
SEED_GOLD = DATA / "seed_gold.json"
SHARED = ROOT.parent / "shared" / "eval"
ID = "https://kg.example.org/id/"


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(GRAPH, GOLD)


def test_places_two_of_three_matched_one_spurious(report):
    """Gold 微山湖, 京杭大运河, 长三角; graph 微山湖, 京杭 大运河, 珠三角 → P = R = 2/3."""
    t = report.types["Place"]
    assert (t.gold, t.predicted, t.matched) == (3, 3, 2)
    assert t.precision == pytest.approx(2 / 3) and t.recall == pytest.approx(2 / 3)
    assert t.f1 == pytest.approx(2 / 3)
    assert t.missed == ["长三角"] and t.spurious == ["珠三角"]


def test_second_node_for_one_gold_entity_is_spurious(report):
    """泗水县 has two nodes (labels 泗水 and 泗水县): the one inside 济宁市, like the gold parent, matches;
    the other is a false positive."""
    t = report.types["AdministrativeArea"]
    assert (t.gold, t.predicted, t.matched) == (4, 5, 4)
    assert t.precision == pytest.approx(4 / 5) and t.recall == 1.0
    assert t.missed == [] and t.spurious == ["泗水"]


def test_a_name_only_one_gold_entity_has_wins_over_a_shared_one(tmp_path):
    """Two gold 县委 (郓城县委, 巨野县委) and three nodes: the bare 县委 is the spurious one, though
    its IRI comes first."""
    gold = {"entities": [
        {"id": "o1", "name": "县委", "qualified_name": "郓城县委", "type": "Organization", "mentions": ["县委"]},
        {"id": "o2", "name": "县委", "qualified_name": "巨野县委", "type": "Organization", "mentions": ["县委"]},
    ]}
    (tmp_path / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "graph.ttl").write_text(
        "@prefix kg: <https://kg.example.org/ns#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"<{ID}a> a kg:Organization ; rdfs:label \"县委\"@zh .\n"
        f"<{ID}b> a kg:Organization ; rdfs:label \"郓城县委\"@zh ; skos:altLabel \"县委\"@zh .\n"
        f"<{ID}c> a kg:Organization ; rdfs:label \"巨野县委\"@zh ; skos:altLabel \"县委\"@zh .\n",
        encoding="utf-8")
    t = evaluate(tmp_path / "graph.ttl", tmp_path / "gold.json").types["Organization"]
    assert (t.gold, t.predicted, t.matched, t.missed, t.spurious) == (2, 3, 2, [], ["县委"])


def test_subclass_declared_in_graph_counts_and_first_type_wins(report):
    """杨柳镇 is a kg:Town (⊑ kg:AdministrativeArea); 山东省, also a schema:Place, is not a Place."""
    assert report.types["AdministrativeArea"].matched == 4
    assert report.types["Place"].predicted == 3


def test_types_must_agree_and_roles_are_not_scored(report):
    """A Program labelled 第一书记 (a gold Role) is spurious; the gold Role counts nowhere."""
    t = report.types["Program"]
    assert (t.gold, t.predicted, t.matched, t.spurious) == (1, 2, 1, ["第一书记"])
    assert sum(s.gold for s in report.types.values()) == 11


def test_match_by_qualified_name_and_unquoted_label(report):
    """汶上县财政局 matches the gold qualified name; “四议两公开” the gold name once quotes are removed."""
    assert report.types["Organization"].matched == 1
    assert report.types["Organization"].spurious == ["济宁日报"]
    assert report.types["Program"].missed == []


def test_overall_micro_scores(report):
    """tp 4+1+1+2+2 = 10 of 14 predicted and 11 gold: P = 5/7, R = 10/11, F1 = 0.8."""
    assert report.precision == pytest.approx(10 / 14)
    assert report.recall == pytest.approx(10 / 11)
    assert report.f1 == pytest.approx(0.8)


def test_quantities_in_base_units(report):
    """Gold 255000 CNY, 17000 m2, 2 km, 300 次, 3 mu; graph the first four (17000 as MTK, 2 km as 2000 m),
    5 亩 and a range 3-5 年: tp 4, P = 4/6, R = 4/5."""
    q = report.quantities
    assert (q.gold, q.predicted, q.matched) == (5, 6, 4)
    assert q.precision == pytest.approx(4 / 6) and q.recall == pytest.approx(4 / 5)
    assert q.missed == ["3 mu"] and q.spurious == ["3 年", "5 mu"]


def test_headlines_and_authors_by_aligned_article(report):
    """a1 aligned (headline and 吴修林 found); a2 aligned but credits 吴修林, not 张雅; a3 not in the graph."""
    assert (report.articles_gold, report.articles_predicted, report.articles_aligned) == (3, 2, 2)
    assert (report.headlines_found, report.headlines_gold) == (1, 2)
    assert (report.authors_found, report.authors_gold) == (1, 3)
    assert report.headline_recall == 0.5 and report.author_recall == pytest.approx(1 / 3)


def test_place_hierarchy_follows_contained_in_place(report):
    """济宁市→山东省, 泗水县→济宁市, 杨柳镇→泗水县 yes; 杨柳镇→济宁市 yes, two steps up; 微山湖→济宁市 no
    (no containedInPlace); 长三角→山东省 no (长三角 is missed). The gold `runs` relation is not a hierarchy."""
    assert (report.hierarchy_correct, report.hierarchy_gold) == (4, 6)
    assert report.hierarchy_accuracy == pytest.approx(2 / 3)


def test_format_lists_scores_errors_and_ends_with_overall_f1(report):
    text = report.format()
    lines = text.splitlines()
    assert lines[-1] == "overall F1 = 0.800"
    assert re.search(r"^Place\s+3\s+3\s+2\s+0\.667\s+0\.667\s+0\.667$", text, re.M)
    assert re.search(r"^entities \(micro\)\s+11\s+14\s+10\s+0\.714\s+0\.909\s+0\.800$", text, re.M)
    assert re.search(r"^quantities\s+5\s+6\s+4\s+0\.667\s+0\.800\s+0\.727$", text, re.M)
    assert "missed Place (1): 长三角" in lines
    assert "spurious Place (1): 珠三角" in lines
    assert "spurious quantities (2): 3 年; 5 mu" in lines
    assert "headline recall: 1/2 = 0.500" in lines
    assert "author recall: 1/3 = 0.333" in lines
    assert "place hierarchy accuracy: 4/6 = 0.667" in lines


@pytest.mark.parametrize(("fmt", "suffix"), [("trig", ".trig"), ("nquads", ".nq"), ("json-ld", ".jsonld"),
                                             ("nt", ".nt")])
def test_every_export_format_scores_the_same(tmp_path, report, fmt, suffix):
    from rdflib import Dataset

    ds = Dataset()
    ds.graph(URIRef(ID + "graph/test")).parse(GRAPH)
    path = tmp_path / f"graph{suffix}"
    if fmt == "nt":
        Graph().parse(GRAPH).serialize(path, format="nt", encoding="utf-8")
    else:
        from kg.rdf import quiet_rdflib

        with quiet_rdflib():
            ds.serialize(path, format=fmt, encoding="utf-8")
    assert evaluate(path, GOLD).format().splitlines()[2:] == report.format().splitlines()[2:]


def test_folder_means_its_graph_ttl(tmp_path, report):
    (tmp_path / "graph.ttl").write_bytes(GRAPH.read_bytes())
    assert evaluate(tmp_path, GOLD).f1 == report.f1


def test_without_article_text_credits_are_looked_up_in_all_articles(tmp_path):
    """No schema:text: nothing aligns; the headline, moved to the photo, is still found once."""
    g = Graph().parse(GRAPH)
    g.remove((None, SCHEMA.text, None))
    headline = g.value(URIRef(ID + "article-1"), SCHEMA.headline)
    g.remove((URIRef(ID + "article-1"), SCHEMA.headline, None))
    g.add((URIRef(ID + "article-2"), SCHEMA.headline, headline))
    path = tmp_path / "graph.ttl"
    g.serialize(path, format="turtle")
    r = evaluate(path, GOLD)
    assert r.articles_aligned == 0
    assert (r.headlines_found, r.headlines_gold) == (1, 2)
    # both articles credit 吴修林: the pool holds him twice, 张雅 and 王五 never
    assert (r.authors_found, r.authors_gold) == (1, 3)


@pytest.mark.parametrize(("value", "unit", "expected"), [
    ("2", "公里", ("2000", "m")),
    ("2", "km", ("2000", "m")),
    ("1.5", "km2", ("1500000", "m2")),
    ("2", "ha", ("20000", "m2")),
    ("2", "公顷", ("20000", "m2")),
    ("3", "MTK", ("3", "m2")),
    ("3", "平方米", ("3", "m2")),
    ("3", "亩", ("3", "mu")),
    ("25.5", "万元", ("255000", "CNY")),
    ("255000", "元", ("255000", "CNY")),
    ("54", "场次", ("54", "场次")),
])
def test_normalize_unit(value, unit, expected):
    v, u = normalize_unit(Decimal(value), unit)
    assert (v, u) == (Decimal(expected[0]), expected[1])


@pytest.mark.parametrize(("text", "expected"), [
    ("“四议两公开”", "四议两公开"),
    ("《离任工作通知书》", "离任工作通知书"),
    ("楼长（单元长）", "楼长单元长"),
    ("京杭 大运河\n", "京杭大运河"),
    ("ＡＢＣ党支部", "ABC党支部"),
])
def test_normalize_name(text, expected):
    assert normalize_name(text) == expected


def test_missing_graph_names_the_file(tmp_path):
    with pytest.raises(SourceError, match=r"nothere\.ttl.*kg build"):
        evaluate(tmp_path / "nothere.ttl", GOLD)


def test_unparsable_graph_names_the_file(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.ttl: cannot parse as turtle"):
        evaluate(bad, GOLD)


def test_gold_that_is_not_json_names_the_file(tmp_path):
    bad = tmp_path / "gold.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(SourceError, match=r"gold\.json: cannot read the gold file"):
        evaluate(GRAPH, bad)


def test_gold_record_without_name_names_the_record(tmp_path):
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    del data["entities"][2]["name"]
    bad = tmp_path / "gold.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SourceError, match=r"gold record entities\.2\.name"):
        evaluate(GRAPH, bad)


# ------------------------------------------------------------- the sample page


@pytest.fixture(scope="module")
def sample_graph(tmp_path_factory) -> Path:
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("eval-sample")
    build([ROOT / "sources"], out)
    return out / "graph.ttl"


def test_sample_gold_counts(sample_graph):
    """Gold sizes counted in tests/data/seed_gold.json: 22 areas, 29 organizations, 83 programs,
    10 people, 5 places (11 roles unscored), 74 quantities, 6 headlines, 10 credits, 25 locatedIn."""
    r = evaluate(sample_graph, SEED_GOLD)
    assert {t: s.gold for t, s in r.types.items()} == {
        "AdministrativeArea": 22, "Organization": 29, "Program": 83, "Person": 10, "Place": 5}
    assert r.quantities.gold == 74
    assert (r.articles_gold, r.headlines_gold, r.authors_gold, r.hierarchy_gold) == (8, 6, 10, 25)


def test_sample_overall_f1_agrees_with_the_judge(sample_graph):
    if not (SHARED / "score.py").exists():
        pytest.skip("../shared/eval/score.py is not here (a user's clone has no ../shared)")
    onto = sorted(str(p) for p in (ROOT / "schema").glob("*.ttl"))
    res = subprocess.run([sys.executable, str(SHARED / "score.py"), "--gold", str(SEED_GOLD), str(sample_graph),
                          "--ontology", *onto], capture_output=True, text=True, check=True)
    judge = float(re.findall(r"overall F1 = ([0-9.]+)", res.stdout)[-1])
    assert evaluate(sample_graph, SEED_GOLD).f1 == pytest.approx(judge, abs=0.02)
