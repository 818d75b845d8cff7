"""kg.query: SPARQL on exports with Oxigraph and rdflib, saved queries, output formats, stats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import BASE

from kg.errors import QueryError
from kg.query import (
    ENGINES,
    Term,
    bind_params,
    format_results,
    load_graph,
    resolve_query,
    run_query,
    saved_queries,
    saved_query,
    stats,
)

VILLAGES = [["岳家岭村", "370831107201"], ["东琴柏村", "370831107202"]]


def names_and_codes(vars: list[str], rows: list[list[str | None]]) -> list[list[str | None]]:
    return [[row[vars.index("name")], row[vars.index("code")]] for row in rows]


def test_saved_queries_exist_and_say_what_they_answer() -> None:
    queries = saved_queries()
    assert {"villages_of_town", "entities_by_type", "people_and_articles"} <= set(queries)
    for path in queries.values():
        assert path.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads", "json-ld"])
def test_villages_of_yangliu_on_every_engine_and_export(exports: dict[str, Path], engine: str, fmt: str) -> None:
    vars, rows = run_query(exports[fmt], saved_query("villages_of_town"), engine)
    assert names_and_codes(vars, rows) == VILLAGES
    assert {row[vars.index("town")] for row in rows} == {f"{BASE}/place/370831107"}


@pytest.mark.parametrize("name", ["villages_of_town", "entities_by_type", "people_and_articles"])
def test_engines_agree_on_saved_queries(exports: dict[str, Path], name: str) -> None:
    for path in exports.values():
        assert run_query(path, saved_query(name), "oxigraph") == run_query(path, saved_query(name), "rdflib")


def test_villages_query_parameter(graph_ttl: Path) -> None:
    assert run_query(graph_ttl, saved_query("villages_of_town"), params={"townName": "济宁市"})[1] == []
    vars, rows = run_query(graph_ttl, saved_query("villages_of_town"), params={"townName": "杨柳镇"})
    assert names_and_codes(vars, rows) == VILLAGES
    with pytest.raises(QueryError, match="no parameter 'town'.*townName"):
        bind_params(saved_query("villages_of_town"), {"town": "x"})
    assert 'VALUES ?townName { "a\\"b" }' in bind_params(saved_query("villages_of_town"), {"townName": 'a"b'})


def test_entities_by_type_lists_functional_zone_separately(graph_ttl: Path) -> None:
    vars, rows = run_query(graph_ttl, saved_query("entities_by_type"))
    by_name = {row[vars.index("name")]: row[vars.index("type")] for row in rows}
    assert by_name["太白湖新区"] == "FunctionalZone"
    assert by_name["汶上县财政局"] == "Organization"
    assert by_name["微山湖"] == "Place"
    assert len(rows) == 14


def test_people_and_articles(graph_ttl: Path) -> None:
    vars, rows = run_query(graph_ttl, saved_query("people_and_articles"))
    got = [(r[vars.index("name")], r[vars.index("role")], r[vars.index("headline")]) for r in rows]
    assert got == [("吴修林", "author", "三个坚持 推动驻村工作提质增效"), ("张雅", "photographer", None)]


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
    assert counts["graphs"] == 5  # two articles, entities, curated, sources
    assert counts["triples"] == stats(exports["turtle"], engine)["triples"]
    assert stats(exports["turtle"], engine)["graphs"] == 0
