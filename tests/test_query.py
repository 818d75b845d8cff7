"""kg.query: SPARQL on exports with Oxigraph and rdflib, saved queries, output formats, stats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import BASE

from kg.errors import QueryError
from kg.iris import article_iri, entity_iri
from kg.models import Article, Entity, KnowledgeBase, Mention, PageMetadata, Relation, ResolvedMention, Span
from kg.query import (
    ENGINES,
    Term,
    bind_params,
    declared_params,
    format_results,
    load_graph,
    open_graph,
    resolve_query,
    run_query,
    saved_queries,
    saved_query,
    stats,
)
from kg.rdf import to_dataset, write_exports
from kg.store import PROVENANCE_MODES

SAVED = {"villages_of_town", "organizations_of_county", "programs_per_county", "funds_per_village",
         "quantities_by_unit", "who_reported_what", "entities_in_several_articles", "provenance_of_entity",
         "places_without_code", "merge_candidates", "entities_by_type", "relations_with_evidence"}


def typed(rows: list[list[str | None]]) -> list[list[tuple[str, str, str | None, str | None] | None]]:
    """Rows with each value's kind, language and datatype, so engines are compared term for term."""
    return [[None if v is None else (str(v), v.kind, v.lang, v.datatype)  # type: ignore[attr-defined]
             for v in row] for row in rows]


def columns(vars: list[str], rows: list[list[str | None]], *names: str) -> list[tuple[str | None, ...]]:
    return [tuple(row[vars.index(n)] for n in names) for row in rows]


# ------------------------------------------------------------------ saved queries


def test_saved_queries_exist_and_say_what_they_answer() -> None:
    queries = saved_queries()
    assert SAVED <= set(queries) and len(queries) >= 10
    for path in queries.values():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and len(text.split("\n", 1)[0]) > 20, path.name
    assert set(declared_params(saved_query("villages_of_town"))) == {"town"}
    assert declared_params(saved_query("villages_of_town"))["town"].kind == "zh"


def test_saved_queries_are_found_in_the_package_and_the_checkout() -> None:
    import kg

    package = Path(kg.__file__).parent / "schema" / "queries"
    checkout = Path(__file__).resolve().parent.parent / "schema" / "queries"
    assert {p.resolve() for p in saved_queries().values()} == {p.resolve() for p in package.glob("*.rq")}
    assert {p.name for p in checkout.glob("*.rq")} == {p.name for p in package.glob("*.rq")}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads", "ntriples", "json-ld"])
def test_villages_of_yangliu_on_every_engine_and_export(exports: dict[str, Path], engine: str, fmt: str) -> None:
    vars, rows = run_query(exports[fmt], saved_query("villages_of_town"), engine, params={"town": "杨柳镇"})
    assert columns(vars, rows, "town", "name", "code") == [
        ("杨柳镇", "东琴柏村", "370831107202"), ("杨柳镇", "岳家岭村", "370831107201")]
    assert {row[vars.index("townIri")] for row in rows} == {f"{BASE}/place/370831107"}


@pytest.fixture(params=PROVENANCE_MODES)
def mode_exports(request: pytest.FixtureRequest, tmp_path: Path, kb: KnowledgeBase) -> dict[str, Path]:
    """The fixture KB exported in every format, with compact and with full provenance."""
    return write_exports(to_dataset(kb, BASE, provenance=request.param), tmp_path / request.param)


def test_engines_agree_on_every_saved_query_on_every_export(mode_exports: dict[str, Path]) -> None:
    for path in mode_exports.values():
        stores = [open_graph(path, engine) for engine in ENGINES]
        for name in SAVED:
            (v1, r1), (v2, r2) = (run_query(store, saved_query(name)) for store in stores)
            assert (v1, typed(r1)) == (v2, typed(r2)), (path.name, name)


def test_engines_agree_on_every_saved_query_on_the_sample_build(sample_build: Path) -> None:
    for fmt in ("graph.ttl", "graph.nq"):
        stores = [open_graph(sample_build / fmt, engine) for engine in ENGINES]
        for name in saved_queries():
            (v1, r1), (v2, r2) = (run_query(store, saved_query(name)) for store in stores)
            assert (v1, typed(r1)) == (v2, typed(r2)), (fmt, name)


def rows_of(graph: Path, query: str, *cols: str, **params: str) -> dict[str, list[tuple[str | None, ...]]]:
    """The named columns of a saved query's rows, on each engine."""
    out = {}
    for engine in ENGINES:
        vars, rows = run_query(graph, saved_query(query), engine, params=params)
        out[engine] = columns(vars, rows, *cols)
    return out


def same(answers: dict[str, list[tuple[str | None, ...]]]) -> list[tuple[str | None, ...]]:
    first, *others = answers.values()
    assert all(o == first for o in others), answers
    return first


def test_saved_query_answers_on_the_fixture(mode_exports: dict[str, Path]) -> None:
    graph_ttl = mode_exports["turtle"]
    assert same(rows_of(graph_ttl, "organizations_of_county", "county", "name", "place", county="汶上县")) == [
        ("汶上县", "汶上县财政局", "汶上县")]
    # 东琴柏村 (in 杨柳镇, in 泗水县) runs 四议两公开; 汶上县财政局 operates in 汶上县 but runs nothing
    assert same(rows_of(graph_ttl, "programs_per_county", "county", "programs")) == [("泗水县", "1")]
    assert same(rows_of(graph_ttl, "programs_per_county", "county", "programs", county="泗水县")) == [
        ("泗水县", "1")]
    assert same(rows_of(graph_ttl, "programs_per_county", "county", county="汶上县")) == []
    assert same(rows_of(graph_ttl, "funds_per_village", "name", "totalCNY", "figures")) == [
        ("岳家岭村", "255000", "1")]
    assert same(rows_of(graph_ttl, "funds_per_village", "name", "totalCNY", name="岳家岭村")) == [
        ("岳家岭村", "255000")]
    assert same(rows_of(graph_ttl, "funds_per_village", "name", name="东琴柏村")) == []  # 300余次 is not CNY
    assert same(rows_of(graph_ttl, "quantities_by_unit", "unit", "figures", "total")) == [
        ("CNY", "1", "255000"), ("m2", "1", "17000"), ("次", "1", "300")]
    assert same(rows_of(graph_ttl, "who_reported_what", "name", "role", "headline")) == [
        ("吴修林", "author", "三个坚持 推动驻村工作提质增效"), ("张雅", "photographer", None)]
    assert same(rows_of(graph_ttl, "who_reported_what", "name", name="张雅")) == [("张雅",)]
    # 岳家岭村 at TEXT1[20:24]: "本报泗水讯（通讯员 吴修林）" is 14 characters, 泗水县 and 杨柳镇 3 each; the
    # quote context is the 10 characters either side (oa:prefix/oa:suffix when full, cut from schema:text when
    # compact), fewer at the edges of the text
    assert same(rows_of(graph_ttl, "provenance_of_entity", "name", "start", "end", "prefix", "exact", "suffix",
                        name="岳家岭村")) == [
        ("岳家岭村", "20", "24", "吴修林）泗水县杨柳镇", "岳家岭村", "第一书记追缴土地租金")]
    assert same(rows_of(graph_ttl, "provenance_of_entity", "start", "end", "prefix", "exact", "suffix",
                        name="吴修林")) == [("10", "13", "本报泗水讯（通讯员 ", "吴修林", "）泗水县杨柳镇岳家岭")]
    assert same(rows_of(graph_ttl, "provenance_of_entity", "start", "end", "prefix", "exact", "suffix",
                        name="张雅")) == [("37", "39", "平方米。\n■通讯员 ", "张雅", " 摄")]  # a line of 31 and \n
    # 微山湖 is in no place: its parent is "", and a bound parent never picks it
    assert same(rows_of(graph_ttl, "places_without_code", "name", "type", "level", "parent", "linked")) == [
        ("太白湖新区", "FunctionalZone", "功能区", "济宁市", "false"), ("微山湖", "Place", "水域", "", "false")]
    assert same(rows_of(graph_ttl, "places_without_code", "name", "parent", parent="济宁市")) == [
        ("太白湖新区", "济宁市")]
    assert same(rows_of(graph_ttl, "places_without_code", "name", parent="杨柳镇")) == []  # both villages coded
    assert same(rows_of(graph_ttl, "places_without_code", "name", parent="")) == [("微山湖",)]
    assert same(rows_of(graph_ttl, "relations_with_evidence", "subject", "relation", "object", "evidence")) == [
        ("东琴柏村", "runs", "四议两公开", "东琴柏村指导“四议两公开”"),
        ("岳家岭村", "containedInPlace", "杨柳镇", "杨柳镇岳家岭村"),
        ("汶上县财政局", "operatesIn", "汶上县", "汶上县财政局")]
    assert same(rows_of(graph_ttl, "merge_candidates", "nameA")) == []
    assert same(rows_of(graph_ttl, "entities_in_several_articles", "name")) == []
    vars, rows = run_query(graph_ttl, saved_query("entities_by_type"))
    by_name = {row[vars.index("name")]: row[vars.index("type")] for row in rows}
    assert by_name["太白湖新区"] == "FunctionalZone" and by_name["汶上县财政局"] == "Organization"
    assert by_name["微山湖"] == "Place" and len(rows) == 14


def test_entities_in_two_articles_and_merge_candidates(tmp_path: Path, kb: KnowledgeBase) -> None:
    a1 = kb.articles[0]
    again = a1.model_copy(update={"id": "page1-03", "index": 3})
    village = next(rm for rm in kb.mentions if rm.mention.surface == "岳家岭村")
    mention = ResolvedMention(mention=Mention(**{**village.mention.model_dump(), "article_id": "page1-03"}),
                              entity=village.entity)
    pair = Relation(subject="place/370831107201", predicate="mergeCandidate", object="place/370831107202",
                    rule="review: test pair")
    more = kb.model_copy(update={"articles": [*kb.articles, again], "mentions": [*kb.mentions, mention],
                                 "relations": [*kb.relations, pair]})
    path = write_exports(to_dataset(more, BASE), tmp_path, ["turtle"])["turtle"]
    assert same(rows_of(path, "entities_in_several_articles", "name", "type", "articles")) == [
        ("岳家岭村", "AdministrativeArea", "2")]
    # one pair, written 岳家岭村 -> 东琴柏村: listed from both sides, each with the record's evidence
    assert same(rows_of(path, "merge_candidates", "nameA", "nameB", "evidence")) == [
        ("东琴柏村", "岳家岭村", "test pair"), ("岳家岭村", "东琴柏村", "test pair")]
    for name, other in (("东琴柏村", "岳家岭村"), ("岳家岭村", "东琴柏村")):
        assert same(rows_of(path, "merge_candidates", "nameA", "nameB", "evidence", nameA=name)) == [
            (name, other, "test pair")]
    assert same(rows_of(path, "merge_candidates", "nameA", nameA="杨柳镇")) == []



ARTICLE_COUNT = ("PREFIX kg: <https://kg.example.org/ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                 "SELECT ?name ?n WHERE { ?e kg:articleCount ?n ; rdfs:label ?name . FILTER (LANG(?name) = 'zh') } "
                 "ORDER BY ?name")


def test_article_count_is_the_number_of_articles_naming_an_entity(tmp_path: Path, kb: KnowledgeBase) -> None:
    """kg:articleCount on every entity: distinct articles with a mention of it (conftest: one each, the two
    articles name nine entities; 山东省, 济宁市, 汶上县, 微山湖 and 济宁日报 are named by none)."""
    named_once = {"泗水县", "杨柳镇", "岳家岭村", "东琴柏村", "四议两公开", "吴修林", "汶上县财政局", "太白湖新区",
                  "张雅"}
    never = {"山东省", "济宁市", "汶上县", "微山湖", "济宁日报"}
    path = write_exports(to_dataset(kb, BASE), tmp_path / "one", ["turtle"])["turtle"]
    for engine in ENGINES:
        _, rows = run_query(path, ARTICLE_COUNT, engine)
        counts = {str(name): str(n) for name, n in rows}
        assert counts == {**{name: "1" for name in named_once}, **{name: "0" for name in never}}, engine
        assert all(n is not None and n.datatype == "http://www.w3.org/2001/XMLSchema#integer"  # type: ignore[attr-defined]
                   for _, n in rows)
    # 岳家岭村 named twice in one more article and once in another: 2 articles; 泗水县 still 1
    a1 = kb.articles[0]
    village = next(rm for rm in kb.mentions if rm.mention.surface == "岳家岭村")
    extra = [ResolvedMention(mention=Mention(**{**village.mention.model_dump(), "article_id": "page1-03",
                                                "span": span}), entity=village.entity)
             for span in (village.mention.span, Span(start=0, end=4))]
    more = kb.model_copy(update={"articles": [*kb.articles, a1.model_copy(update={"id": "page1-03", "index": 3})],
                                 "mentions": [*kb.mentions, *extra]})
    path = write_exports(to_dataset(more, BASE), tmp_path / "more", ["turtle"])["turtle"]
    counts = {str(name): str(n) for name, n in run_query(path, ARTICLE_COUNT)[1]}
    assert counts["岳家岭村"] == "2" and counts["泗水县"] == "1" and counts["山东省"] == "0"


def ranked_kb() -> KnowledgeBase:
    """140 programs: 甲00…甲39 named in three articles, 乙00…乙89 in two, 丙0…丙9 in one. Their keys run the
    other way (甲00 is program/z139, 乙89 is program/z0 …), so an order by IRI is not an order by name."""
    names = [f"甲{i:02d}" for i in range(40)] + [f"乙{i:02d}" for i in range(90)] + [f"丙{i}" for i in range(10)]
    articles_of = {name: 3 if name[0] == "甲" else 2 if name[0] == "乙" else 1 for name in names}
    keys = {name: f"program/z{len(names) - 1 - i}" for i, name in enumerate(names)}
    text = "、".join(names)
    articles = [Article(id=f"p-{a}", source_id="p", index=a, text=text, paragraphs=[Span(start=0, end=len(text))],
                        source_lines=(1, 1)) for a in (1, 2, 3)]
    mentions = []
    for name in names:
        start = text.index(name)
        for a in range(1, articles_of[name] + 1):
            m = Mention(article_id=f"p-{a}", span=Span(start=start, end=start + len(name)), surface=name,
                        type="Program", subtype="活动", rule="test")
            mentions.append(ResolvedMention(mention=m, entity=keys[name]))
    entities = {keys[name]: Entity(key=keys[name], type="Program", subtype="活动", name=name) for name in names}
    return KnowledgeBase(articles=articles, entities=entities, mentions=mentions)


def test_entity_listings_keep_the_100_named_in_most_articles_ties_by_name(tmp_path: Path) -> None:
    """The hundredth place is a tie (90 programs in two articles for 60 places): the first by name are kept."""
    path = write_exports(to_dataset(ranked_kb(), BASE), tmp_path, ["turtle"])["turtle"]
    expected = [(f"甲{i:02d}", "3") for i in range(40)] + [(f"乙{i:02d}", "2") for i in range(60)]
    assert same(rows_of(path, "entities_in_several_articles", "name", "articles")) == expected
    assert same(rows_of(path, "entities_by_type", "name", "articles")) == expected
    assert {row[0] for row in same(rows_of(path, "entities_by_type", "type", "level", "code"))} == {"Program"}
    assert same(rows_of(path, "entities_by_type", "level", "code"))[0] == ("活动", None)


def busy_kb() -> tuple[KnowledgeBase, list[tuple[dt.date | None, str, str, int, int]]]:
    """一单一表 (program/busy) in 130 articles and a namesake (program/namesake) in 26 of them, with the
    expected order of all 200 mentions, worked out here from the articles: (date or None, article IRI,
    entity IRI, start, end). Every tenth article is undated; the others fall on seven dates, so most share
    theirs; every third names the program twice, its later mention first in the list; every fifth from
    t-002 names the namesake at the program's first offset (the 100th row falls in such an article, so a
    page cut by offset before entity would differ); articles are listed out of IRI order (t-129 first)."""
    name, text = "一单一表", "推行一单一表，又见一单一表。"
    first, second = text.index(name), text.rindex(name)
    articles, mentions, expected = [], [], []
    for a in reversed(range(130)):
        date = None if a % 10 == 0 else dt.date(2024, 1, 1 + a % 7)
        article_id = f"t-{a:03d}"
        articles.append(Article(id=article_id, source_id="t", index=a + 1, text=text, source_lines=(1, 1),
                                paragraphs=[Span(start=0, end=len(text))], metadata=PageMetadata(date=date)))
        named = [("program/busy", second)] + [("program/busy", first)] * (a % 3 == 0)
        named += [("program/namesake", first)] * (a % 5 == 2)
        for key, start in named:
            m = Mention(article_id=article_id, span=Span(start=start, end=start + len(name)), surface=name,
                        type="Program", subtype="活动", rule="test")
            mentions.append(ResolvedMention(mention=m, entity=key))
            expected.append((date, article_iri(BASE, article_id), entity_iri(BASE, key), start, start + len(name)))
    entities = {key: Entity(key=key, type="Program", subtype="活动", name=name)
                for key in ("program/busy", "program/namesake")}
    expected.sort(key=lambda row: (row[0] is not None, row[0] or dt.date.min, *row[1:]))
    return KnowledgeBase(articles=articles, entities=entities, mentions=mentions), expected


@pytest.mark.parametrize("mode", PROVENANCE_MODES)
def test_provenance_lists_the_first_100_mentions_and_counts_them_all(tmp_path: Path, mode: str) -> None:
    """200 mentions of one name: the first 100 by date (undated first), article, entity and offset, each
    with its entity's number of mentions; the same with rdflib and Oxigraph, compact and full."""
    kb, expected = busy_kb()
    path = write_exports(to_dataset(kb, BASE, provenance=mode), tmp_path, ["turtle"])["turtle"]
    counts = {entity_iri(BASE, "program/busy"): "174", entity_iri(BASE, "program/namesake"): "26"}
    want = [(article, entity, str(start), str(end), "一单一表", counts[entity])
            for _, article, entity, start, end in expected[:100]]
    assert len(expected) == 200 and expected[0][0] is None and expected[-1][0] == dt.date(2024, 1, 7)
    assert same(rows_of(path, "provenance_of_entity", "article", "entity", "start", "end", "exact", "mentions",
                        name="一单一表")) == want
    assert same(rows_of(path, "provenance_of_entity", "article", "entity", "start", "end", "exact",
                        "mentions")) == want  # unbound: the first 100 mentions of the graph, here the same


def test_relations_of_one_subject(mode_exports: dict[str, Path]) -> None:
    graph_ttl = mode_exports["turtle"]
    assert same(rows_of(graph_ttl, "relations_with_evidence", "subject", "relation", "object", "evidence",
                        subject="汶上县财政局")) == [("汶上县财政局", "operatesIn", "汶上县", "汶上县财政局")]
    assert same(rows_of(graph_ttl, "relations_with_evidence", "subject", subject="杨柳镇")) == []  # only an object


def test_a_bound_parameter_selects_the_rows_of_the_unbound_answer(sample_build: Path) -> None:
    """Binding a saved query's parameter keeps exactly the unbound answer's rows with that value, in order
    (what bench/run.py relies on when it times the bound and the unbound run). provenance_of_entity lists
    the first 100 mentions: a value is checked there when the unbound answer holds all its mentions."""
    stores = {engine: open_graph(sample_build / "graph.ttl", engine) for engine in ENGINES}
    checked = 0
    for name in saved_queries():
        text = saved_query(name)
        for param in declared_params(text):
            for engine, store in stores.items():
                vars, rows = run_query(store, text)
                col = vars.index(param)
                values = sorted({str(r[col]) for r in rows if r[col] is not None})
                if "mentions" in vars:  # only the values all of whose mentions the first 100 hold
                    e, n = vars.index("entity"), vars.index("mentions")
                    listed = Counter(str(r[e]) for r in rows)
                    values = [v for v in values if all(listed[str(r[e])] == int(str(r[n])) for r in rows
                                                       if r[col] == v)]
                    assert len(values) >= 3 and len(rows) == 100, (name, engine)
                for value in values[:2] + values[-1:]:
                    bound = run_query(store, text, params={param: value})
                    assert bound == (vars, [r for r in rows if r[col] == value]), (name, param, value, engine)
                    checked += 1
    assert checked >= 5 * 2 * 2


def test_rdf_star_values_are_read_one_by_one(graph_ttl: Path) -> None:
    q = "SELECT ?t ?x WHERE { BIND (TRIPLE(<http://x.org/a>, <http://x.org/b>, \"c\") AS ?t) }"
    vars, rows = run_query(graph_ttl, q)
    assert vars == ["t", "x"] and rows == [['<http://x.org/a> <http://x.org/b> "c"', None]]


# ------------------------------------------------------------------ parameters


def test_parameters_are_bound_not_spliced(graph_ttl: Path) -> None:
    text = saved_query("villages_of_town")
    assert resolve_query(saved="villages_of_town") == text  # the text is never rewritten
    hostile = '杨柳镇"@zh } UNION { ?townIri ?p ?town } #'
    for engine in ENGINES:
        vars, rows = run_query(graph_ttl, text, engine, params={"town": hostile})
        assert rows == [], engine  # no town has that name: the quote and braces are data
        vars, rows = run_query(graph_ttl, text, engine, params={"town": "济宁市"})
        assert rows == [], engine  # a city has no villages directly under it
    q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT ?e ?name WHERE { ?e rdfs:label ?l . FILTER (STR(?l) = ?name) } ORDER BY ?e")
    for engine in ENGINES:
        assert run_query(graph_ttl, q, engine, params={"name": "泗水县"})[1] == [[f"{BASE}/place/370831", "泗水县"]]
        assert run_query(graph_ttl, q, engine, params={"name": '"} ?e ?p ?o {'})[1] == []
        assert run_query(graph_ttl, q, engine, params={"name": '") || true || ("'})[1] == []


def test_unbound_parameter_leaves_the_variable_free(graph_ttl: Path) -> None:
    vars, rows = run_query(graph_ttl, saved_query("villages_of_town"))
    assert columns(vars, rows, "town", "name") == [("杨柳镇", "东琴柏村"), ("杨柳镇", "岳家岭村")]


def test_parameter_kinds_and_errors(graph_ttl: Path) -> None:
    assert bind_params(saved_query("villages_of_town"), {"town": " 杨柳镇 "})["town"].value == "杨柳镇"
    with pytest.raises(QueryError, match="no parameter 'townName'; parameters: town"):
        bind_params(saved_query("villages_of_town"), {"townName": "x"})
    q = ("SELECT ?entity ?label WHERE { ?entity <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
         "ORDER BY STR(?label)")
    for engine in ENGINES:
        vars, rows = run_query(graph_ttl, q, engine, params={"entity": f"<{BASE}/place/370831>"})
        assert [r[1] for r in rows] == ["Sìshuǐxiàn", "泗水县"]
    for engine in ENGINES:  # Oxigraph says so in its own words
        with pytest.raises(QueryError, match="must SELECT \\?entity|variable \\?entity in its SELECT projection"):
            run_query(graph_ttl, "SELECT ?label WHERE { ?entity ?p ?label }", engine,
                      params={"entity": "<http://x.org/a>"})
    with pytest.raises(QueryError, match="not an absolute IRI"):
        bind_params(q, {"entity": "<not an iri>"})
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        bind_params(q, {"nope": "1"})
    typed_q = "# @param n integer how many\n# @param d date when\nSELECT ?n ?d WHERE {}"
    assert {k: (b.kind, b.value) for k, b in bind_params(typed_q, {"n": "007", "d": "2024-05-01"}).items()} == {
        "n": ("integer", "7"), "d": ("date", "2024-05-01")}
    with pytest.raises(QueryError, match="'x' is not an integer"):
        bind_params(typed_q, {"n": "x"})
    for engine in ENGINES:
        assert run_query(graph_ttl, typed_q, engine, params={"n": "3"})[1] == [["3", None]]


def test_terms_know_their_kind(graph_ttl: Path) -> None:
    q = "PREFIX schema: <https://schema.org/> SELECT ?q ?v WHERE { ?q schema:value ?v } ORDER BY ?v"
    for engine in ENGINES:
        _, rows = run_query(graph_ttl, q, engine)
        assert [row[1] for row in rows] == ["300", "17000", "255000"]
        q_node, value = rows[2]
        assert isinstance(value, Term) and value.kind == "literal"
        assert value.datatype == "http://www.w3.org/2001/XMLSchema#decimal"
        assert isinstance(q_node, Term) and q_node.kind == "uri"


def test_ask_and_construct(graph_ttl: Path) -> None:
    for engine in ENGINES:
        assert run_query(graph_ttl, "ASK { ?s ?p ?o }", engine) == (["boolean"], [["true"]])
        vars, rows = run_query(graph_ttl, "PREFIX kg: <https://kg.example.org/ns#> "
                               "CONSTRUCT { ?s a kg:Person } WHERE { ?s a kg:Person }", engine)
        assert vars == ["subject", "predicate", "object"]
        assert [r[0] for r in rows] == [f"{BASE}/person/wu-xiulin", f"{BASE}/person/zhang-ya"]


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_sparql_is_a_query_error(graph_ttl: Path, engine: str) -> None:
    with pytest.raises(QueryError, match="SPARQL query failed") as info:
        run_query(graph_ttl, "SELEC ?x WHERE { ?x ?y ?z }", engine)
    assert "\n" not in str(info.value)


def test_missing_and_unknown_files_are_query_errors(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="nothere.ttl"):
        run_query(tmp_path / "nothere.ttl", "ASK {}")
    odd = tmp_path / "graph.xyz"
    odd.write_text("", encoding="utf-8")
    with pytest.raises(QueryError, match="unknown graph format"):
        load_graph(odd)
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b", encoding="utf-8")
    for engine in ENGINES:
        with pytest.raises(QueryError, match="broken.ttl: cannot read"):
            run_query(broken, "ASK {}", engine)
    with pytest.raises(QueryError, match="unknown engine"):
        run_query(broken, "ASK {}", "jena")


def test_resolve_query_takes_exactly_one_source(tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("ASK {}", encoding="utf-8")
    assert resolve_query(file=rq) == "ASK {}"
    assert resolve_query("ASK { ?s ?p ?o }") == "ASK { ?s ?p ?o }"
    assert resolve_query(saved="villages_of_town.rq") == saved_query("villages_of_town")
    with pytest.raises(QueryError, match="exactly one"):
        resolve_query("ASK {}", saved="villages_of_town")
    with pytest.raises(QueryError, match="no saved query 'nope'.*villages_of_town"):
        resolve_query(saved="nope")


def test_format_results() -> None:
    vars = ["name", "code"]
    rows: list[list[str | None]] = [["岳家岭村", "370831107201"], ["微山湖", None]]
    table = format_results(vars, rows, "table").splitlines()
    assert table[0].split() == ["name", "code"]
    # 岳家岭村 is 8 terminal cells wide, so the code column starts at cell 10 on every line
    assert table[2] == "岳家岭村  370831107201" and table[3] == "微山湖" and table[-1] == "(2 rows)"
    assert list(csv.reader(io.StringIO(format_results(vars, rows, "csv")))) == [
        ["name", "code"], ["岳家岭村", "370831107201"], ["微山湖", ""]]
    assert format_results(vars, [["a\tb", "c\nd"]], "tsv") == "name\tcode\na\\tb\tc\\nd\n"
    doc = json.loads(format_results(vars, [[Term("微山湖", "literal", lang="zh"), Term("http://x/1", "uri")],
                                            ["plain", None]], "json"))
    assert doc["head"]["vars"] == vars
    assert doc["results"]["bindings"] == [
        {"name": {"type": "literal", "value": "微山湖", "xml:lang": "zh"}, "code": {"type": "uri", "value": "http://x/1"}},
        {"name": {"type": "literal", "value": "plain"}}]
    with pytest.raises(QueryError, match="unknown output format"):
        format_results(vars, rows, "xml")


@pytest.mark.parametrize("engine", ENGINES)
def test_stats(exports: dict[str, Path], engine: str) -> None:
    counts = stats(exports["trig"], engine)
    assert counts["AdministrativeArea"] == 8 and counts["FunctionalZone"] == 1
    assert counts["Place"] == 1 and counts["Organization"] == 2 and counts["Program"] == 1 and counts["Person"] == 2
    assert counts["entities"] == 14
    assert counts["articles"] == 2 and counts["mentions"] == 9 and counts["quantities"] == 3
    assert counts["graphs"] == 6  # two articles, entities, curated, sources, statistics
    assert counts["triples"] == stats(exports["turtle"], engine)["triples"]
    assert stats(exports["turtle"], engine)["graphs"] == 0


# ------------------------------------------------------------------ README


def readme_section(title: str) -> str:
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def test_readme_villages_example_answers_as_written(sample_build: Path) -> None:
    section = readme_section("Query with SPARQL")
    sparql = section.split("```sparql\n", 1)[1].split("```", 1)[0]
    written = section.split("answers, on the sample page:", 1)[1].split("—", 1)[0]
    names = [n.strip() for n in written.replace("\n", " ").split(",")]
    assert len(names) == 9
    for engine in ENGINES:
        vars, rows = run_query(sample_build / "graph.ttl", sparql, engine)
        assert [r[0] for r in rows] == names, engine
    vars, rows = run_query(sample_build / "graph.ttl", saved_query("villages_of_town"), params={"town": "杨柳镇"})
    assert sorted(r[vars.index("name")] or "" for r in rows) == sorted(names)


def test_readme_saved_query_commands_name_real_queries_and_parameters() -> None:
    import re

    section = readme_section("Query with SPARQL")
    for name, params in re.findall(r"--saved (\w+)((?: --param \w+=\S+)*)", section):
        text = saved_query(name)
        for param in re.findall(r"--param (\w+)=", params):
            assert param in declared_params(text), (name, param)


def test_a_store_folder_answers_like_the_export(tmp_path: Path, kb: KnowledgeBase) -> None:
    from kg.rdf import QuadData
    from kg.store import load_store

    data = QuadData.from_kb(kb, BASE)
    load_store(data.quads, tmp_path / "store", union=True)
    ttl = write_exports(data, tmp_path / "out", ["turtle"])["turtle"]
    for name in saved_queries():
        assert run_query(tmp_path / "store", saved_query(name)) == run_query(ttl, saved_query(name)), name
    with pytest.raises(QueryError, match="not a kg store"):
        run_query(tmp_path, "SELECT * WHERE { ?s ?p ?o }")


# The question quantities_by_unit answers, asked of the figures themselves (as the saved query did before
# kg build wrote the sums): the build's summaries must give the same rows.
FIGURES_BY_UNIT = """
PREFIX schema: <https://schema.org/>
SELECT ?unit (COUNT(?figure) AS ?figures) (SUM(?value) AS ?total) (MIN(?value) AS ?smallest)
       (MAX(?value) AS ?largest)
WHERE {
  ?figure a schema:QuantitativeValue ; schema:unitText ?unit .
  OPTIONAL { ?figure schema:value ?exact }
  OPTIONAL { ?figure schema:minValue ?minimum }
  BIND (COALESCE(?exact, ?minimum) AS ?value)
}
GROUP BY ?unit
ORDER BY DESC(?figures) ?unit
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_unit_summaries_equal_the_sums_over_every_figure(tmp_path: Path, engine: str) -> None:
    from decimal import Decimal

    from kg.pipeline import build

    pages = Path(__file__).resolve().parent / "pages"
    build([pages, Path(__file__).resolve().parent.parent / "sources"], tmp_path / "out", cache=False)
    nq = tmp_path / "out" / "graph.nq"

    def rows(sparql: str) -> list[tuple[str, int, Decimal, Decimal | None, Decimal | None]]:
        vars, found = run_query(nq, sparql, engine)
        return [(r[0], int(r[1]), Decimal(r[2]), None if r[3] is None else Decimal(r[3]),  # type: ignore[arg-type]
                 None if r[4] is None else Decimal(r[4])) for r in columns(vars, found, "unit", "figures", "total",
                                                                           "smallest", "largest")]

    expected = rows(FIGURES_BY_UNIT)
    assert len(expected) >= 5 and sum(r[1] for r in expected) >= 20  # several units, many figures
    assert rows(saved_query("quantities_by_unit")) == expected
