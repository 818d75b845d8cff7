"""kg.cli: each command is one library call; errors are one line with the error's exit code."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import networkx as nx
import pytest
from conftest import PYTHON, subprocess_env
from typer.testing import CliRunner

from kg.cli import app

runner = CliRunner()


def test_query_saved_villages_prints_them(graph_ttl: Path) -> None:
    result = runner.invoke(app, ["query", str(graph_ttl), "--saved", "villages_of_town"])
    assert result.exit_code == 0, result.output
    assert "岳家岭村" in result.stdout and "东琴柏村" in result.stdout
    assert result.stdout.index("岳家岭村") < result.stdout.index("东琴柏村")
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
    result = runner.invoke(app, ["query", str(graph_ttl), "--file", str(rq), "-p", "townName=济宁市",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "village,name,level,code,town\n"


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


def test_stats_prints_counts(exports: dict[str, Path]) -> None:
    result = runner.invoke(app, ["stats", str(exports["trig"])])
    assert result.exit_code == 0, result.output
    lines = dict(line.split() for line in result.stdout.splitlines())
    assert lines["AdministrativeArea"] == "8" and lines["articles"] == "2" and lines["graphs"] == "5"


def test_view_writes_graphml(tmp_path: Path, graph_ttl: Path) -> None:
    out = tmp_path / "places.graphml"
    result = runner.invoke(app, ["view", str(graph_ttl), "--out", str(out), "--view", "places"])
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(out).number_of_nodes() == 8


def test_build_is_one_call_into_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []

    class Report:
        outputs = {"turtle": tmp_path / "graph.ttl"}
        counts = {"articles": 8, "Person": 10}
        problems = ["a.txt: not a page"]

    def build(sources: list[Path], out: Path, *, base_iri: str, gazetteer: Path | None, strict: bool,
              progress: bool) -> Report:
        calls.append((sources, out, base_iri, gazetteer, strict))
        return Report()

    monkeypatch.setitem(sys.modules, "kg.pipeline", types.SimpleNamespace(build=build))
    src = tmp_path / "pages"
    src.mkdir()
    result = runner.invoke(app, ["build", str(src), "--out", str(tmp_path), "--base-iri", "http://x.org/id",
                                 "--strict"])
    assert result.exit_code == 0, result.output
    assert calls == [([src], tmp_path, "http://x.org/id", None, True)]
    assert "articles 8" in result.stdout and str(tmp_path / "graph.ttl") in result.stdout
    assert result.stderr == "kg: warning: a.txt: not a page\n"


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
