"""kg.cli: each command is one library call; errors are one line with the error's exit code."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import networkx as nx
import pytest
from conftest import BASE, PYTHON, subprocess_env
from typer.testing import CliRunner

from kg.cli import app
from kg.models import KnowledgeBase
from kg.rdf import to_dataset, write_exports

runner = CliRunner()


def test_query_saved_villages_prints_them(graph_ttl: Path) -> None:
    result = runner.invoke(app, ["query", str(graph_ttl), "--saved", "villages_of_town", "--param", "town=杨柳镇"])
    assert result.exit_code == 0, result.output
    assert "岳家岭村" in result.stdout and "东琴柏村" in result.stdout
    assert result.stdout.index("东琴柏村") < result.stdout.index("岳家岭村")
    assert "(2 rows)" in result.stdout


def test_query_string_with_rdflib_as_json(graph_ttl: Path) -> None:
    q = "PREFIX kg: <https://kg.example.org/ns#> SELECT ?c WHERE { ?p kg:divisionCode ?c } ORDER BY ?c LIMIT 2"
    result = runner.invoke(app, ["query", str(graph_ttl), q, "--engine", "rdflib", "--format", "json"])
    assert result.exit_code == 0, result.output
    values = [b["c"]["value"] for b in json.loads(result.stdout)["results"]["bindings"]]
    assert values == ["370000", "370800"]


def test_query_file_with_param_as_csv(tmp_path: Path, graph_ttl: Path) -> None:
    rq = tmp_path / "v.rq"
    rq.write_text((Path(__file__).parent.parent / "schema/queries/villages_of_town.rq").read_text("utf-8"), "utf-8")
    result = runner.invoke(app, ["query", str(graph_ttl), "--file", str(rq), "-p", "town=济宁市",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "town,name,code,level,village,townIri\n"
    result = runner.invoke(app, ["query", str(graph_ttl), "--file", str(rq), "-p", "town=杨柳镇", "--format", "tsv",
                                 "--engine", "rdflib"])
    assert result.stdout.splitlines()[1].split("\t")[:3] == ["杨柳镇", "东琴柏村", "370831107202"]


def test_query_missing_graph_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.ttl"
    result = runner.invoke(app, ["query", str(missing), "--saved", "villages_of_town"])
    assert result.exit_code == 2
    assert result.stderr == f"kg: error: {missing}: no such graph file\n"


def test_query_errors_are_one_line_with_the_error_exit_code(graph_ttl: Path) -> None:
    result = runner.invoke(app, ["query", str(graph_ttl), "SELEC nothing"])
    assert result.exit_code == 6  # QueryError.exit_code
    assert result.stderr.startswith("kg: error: SPARQL query failed") and result.stderr.count("\n") == 1
    result = runner.invoke(app, ["query", str(graph_ttl), "--saved", "nope"])
    assert result.exit_code == 6 and "villages_of_town" in result.stderr
    result = runner.invoke(app, ["query", str(graph_ttl), "--saved", "villages_of_town", "-p", "oops"])
    assert result.exit_code == 6 and "NAME=VALUE" in result.stderr
    result = runner.invoke(app, ["query", str(graph_ttl), "--saved", "villages_of_town", "-p", "townName=x"])
    assert result.exit_code == 6 and "no parameter 'townName'; parameters: town" in result.stderr


def test_stats_prints_counts(exports: dict[str, Path]) -> None:
    result = runner.invoke(app, ["stats", str(exports["trig"])])
    assert result.exit_code == 0, result.output
    lines = dict(line.split() for line in result.stdout.splitlines())
    assert lines["AdministrativeArea"] == "8" and lines["articles"] == "2" and lines["graphs"] == "6"


def test_view_writes_graphml(tmp_path: Path, graph_ttl: Path) -> None:
    out = tmp_path / "places.graphml"
    result = runner.invoke(app, ["view", str(graph_ttl), "--out", str(out), "--view", "places"])
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(out).number_of_nodes() == 8


def test_export_writes_each_format(tmp_path: Path, graph_ttl: Path) -> None:
    result = runner.invoke(app, ["export", str(graph_ttl), "--view", "places", "--to", "gexf",
                                 "--out", str(tmp_path / "places.gexf")])
    assert result.exit_code == 0, result.output
    assert nx.read_gexf(tmp_path / "places.gexf").number_of_nodes() == 8
    result = runner.invoke(app, ["export", str(graph_ttl), "--view", "comention", "--to", "csv",
                                 "--out", str(tmp_path / "co")])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {tmp_path / 'co.nodes.csv'}\nwrote {tmp_path / 'co.edges.csv'}\n"
    result = runner.invoke(app, ["export", str(graph_ttl), "--to", "dot", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2  # not a format: a usage error listing graphml, gexf, csv


def test_validate_exits_0_on_a_good_graph_and_1_naming_the_node(tmp_path: Path, graph_ttl: Path) -> None:
    result = runner.invoke(app, ["validate", str(graph_ttl)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"OK: {graph_ttl} conforms to schema/shapes.ttl\n"
    broken = tmp_path / "broken.ttl"
    broken.write_text(graph_ttl.read_text(encoding="utf-8") + f"""
<{BASE}/place/taibaihu-xinqu> <https://kg.example.org/ns#divisionCode> "370899" .
""", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert f"<{BASE}/place/taibaihu-xinqu> 太白湖新区" in result.stdout
    assert "path: kg:divisionCode" in result.stdout and "functional zone" in result.stdout
    assert result.stdout.endswith(f"FAIL: {broken}: 1 violation(s) of schema/shapes.ttl\n")


def test_explain_prints_the_supporting_sentences(tmp_path: Path, graph_ttl: Path, kb: KnowledgeBase) -> None:
    full = write_exports(to_dataset(kb, BASE, provenance="full"), tmp_path, ["turtle"])["turtle"]
    for graph in (graph_ttl, full):
        result = runner.invoke(app, ["explain", "岳家岭村", str(graph)])
        assert result.exit_code == 0, result.output
        assert "三个坚持 推动驻村工作提质增效" in result.stdout
        assert "岳家岭村 20-24" in result.stdout
        result = runner.invoke(app, ["validate", str(graph)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["explain", f"{BASE}/place/nowhere", str(graph_ttl)])
    assert result.exit_code == 1 and "nothing in the graph" in result.stderr


def test_eval_prints_the_report_of_kg_evaluate(tmp_path: Path, graph_ttl: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Path, Path]] = []

    class Report:
        def format(self) -> str:
            return "overall F1 = 0.500\n"

    def evaluate(graph_path: Path, gold_path: Path) -> Report:
        calls.append((graph_path, gold_path))
        return Report()

    monkeypatch.setitem(sys.modules, "kg.evaluate", types.SimpleNamespace(evaluate=evaluate))
    gold = tmp_path / "gold.json"
    gold.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(graph_ttl), "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "overall F1 = 0.500\n" and calls == [(graph_ttl, gold)]
    result = runner.invoke(app, ["eval", str(graph_ttl), "--gold", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "none.json: no such gold file" in result.stderr


def test_eval_runs_kg_evaluate_on_the_seed_gold(sample_build: Path) -> None:
    pytest.importorskip("kg.evaluate")
    gold = Path(__file__).resolve().parent / "data" / "seed_gold.json"
    result = runner.invoke(app, ["eval", str(sample_build / "graph.ttl"), "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    assert "overall F1 = " in result.stdout


def test_queries_lists_saved_queries_with_parameters() -> None:
    result = runner.invoke(app, ["queries"])
    assert result.exit_code == 0, result.output
    assert "villages_of_town\n" in result.stdout and "--param town=…" in result.stdout


def test_build_is_one_call_into_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []

    class Report:
        outputs = {"turtle": tmp_path / "graph.ttl"}
        counts = {"articles": 8, "Person": 10, "violations": 0, "extracted": 1, "cached": 0}
        problems = ["a.txt: not a page"]
        seconds = {"export": 1.0}

    def build(sources: list[Path], out: Path, *, base_iri: str, gazetteer: Path | None, strict: bool,
              progress: bool, workers: int, cache: bool, include: tuple[str, ...],
              exclude: tuple[str, ...], store: Path | None, provenance: str, formats: list[str] | None) -> Report:
        calls.append((sources, out, base_iri, gazetteer, strict, workers, cache, include, exclude, store,
                      provenance, formats))
        return Report()

    monkeypatch.setitem(sys.modules, "kg.pipeline", types.SimpleNamespace(build=build))
    src = tmp_path / "pages"
    src.mkdir()
    result = runner.invoke(app, ["build", str(src), "--out", str(tmp_path), "--base-iri", "http://x.org/id",
                                 "--strict", "--workers", "2", "--no-cache", "--exclude", "*draft*"])
    assert result.exit_code == 0, result.output
    assert calls == [([src], tmp_path, "http://x.org/id", None, True, 2, False, (), ["*draft*"], None, "compact",
                      None)]
    assert "sources: 1 extracted, 0 from the cache" in result.stdout
    assert "articles 8" in result.stdout and str(tmp_path / "graph.ttl") in result.stdout
    assert "validated against schema/shapes.ttl: 0 violation(s)\n" in result.stdout
    assert "violations 0" not in result.stdout
    assert result.stderr == "kg: warning: a.txt: not a page\n" and "1 warning(s) on stderr" in result.stdout
    calls.clear()
    result = runner.invoke(app, ["build", str(src), "--out", str(tmp_path), "--provenance", "full", "-q"])
    assert result.exit_code == 0, result.output
    assert [call[-2] for call in calls] == ["full"]
    result = runner.invoke(app, ["build", str(src), "--out", str(tmp_path), "--provenance", "short"])
    assert result.exit_code == 2 and "compact, full" in result.output and len(calls) == 1


def test_build_missing_source_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "nope: no such source file or folder" in result.stderr


def test_build_reports_kg_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.errors import SourceError

    def build(*args: object, **kwargs: object) -> None:
        raise SourceError("pages/a.txt", "cannot decode; save it as UTF-8 or GB18030", line=3)

    monkeypatch.setitem(sys.modules, "kg.pipeline", types.SimpleNamespace(build=build))
    result = runner.invoke(app, ["build", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert result.stderr == "kg: error: pages/a.txt:3: cannot decode; save it as UTF-8 or GB18030\n"


def test_python_dash_m_kg_query_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.ttl"
    proc = subprocess.run([PYTHON, "-m", "kg", "query", str(missing), "ASK {}"], capture_output=True, text=True,
                          env=subprocess_env())
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"kg: error: {missing}: no such graph file"]
