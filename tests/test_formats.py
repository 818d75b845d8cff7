"""kg build --format: only the files asked for, the same bytes as in a build of every format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.pipeline import BuildReport, build, output_formats
from kg.query import run_query

ROOT = Path(__file__).resolve().parents[1]
EVERY_FILE = {"graph.ttl", "graph.trig", "graph.nq", "graph.nt", "graph.jsonld", "graph.graphml", "graph.gexf",
              "graph.nodes.csv", "graph.edges.csv", "review.csv"}


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    d = tmp_path_factory.mktemp("every-format")
    return d, build([ROOT / "sources"], d, cache=False)


def files(d: Path) -> set[str]:
    return {p.name for p in d.iterdir() if p.is_file() and not p.name.startswith(".")}


def test_format_names_extensions_and_lists():
    assert output_formats() == ("turtle", "trig", "nquads", "ntriples", "json-ld", "graphml", "gexf", "csv")
    assert output_formats(["GEXF, ttl"]) == ("turtle", "gexf")  # the build's order, not the order given
    assert output_formats(["nq", "nt", "jsonld", "json-ld", "trig"]) == ("trig", "nquads", "ntriples", "json-ld")
    with pytest.raises(KgError, match=r"'xml'.*turtle, trig, nquads, ntriples, json-ld, graphml, gexf, csv"):
        output_formats(["ttl", "xml"])
    with pytest.raises(KgError, match="no output format"):
        output_formats([" , "])


def test_every_format_by_default(everything):
    d, report = everything
    assert files(d) == EVERY_FILE
    assert set(report.outputs) == {"turtle", "trig", "nquads", "ntriples", "json-ld", "graphml", "gexf",
                                   "csv-nodes", "csv-edges", "review"}


def test_only_the_files_asked_for_with_the_same_bytes_and_stale_ones_removed(everything, tmp_path):
    full, full_report = everything
    out = tmp_path / "out"
    shutil.copytree(full, out)  # an earlier build of every format in the same folder
    report = build([ROOT / "sources"], out, formats=["ttl", "gexf"], cache=False)
    assert files(out) == {"graph.ttl", "graph.gexf", "review.csv"}
    assert set(report.outputs) == {"turtle", "gexf", "review"}
    for name in ("graph.ttl", "graph.gexf", "review.csv"):
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    removed = sorted(p.split(":")[0].rsplit("/", 1)[-1] for p in report.problems if p.startswith("removed "))
    assert removed == sorted(EVERY_FILE - {"graph.ttl", "graph.gexf", "review.csv"})
    assert report.counts["quads"] == full_report.counts["quads"] > 4000
    assert report.counts["violations"] == 0 and set(report.seconds) >= {"export turtle", "views", "validate"}
    assert "export nquads" not in report.seconds


def test_a_store_is_loaded_whatever_the_formats(everything, tmp_path):
    full, full_report = everything
    out, store = tmp_path / "out", tmp_path / "store"
    report = build([ROOT / "sources"], out, formats=["csv"], store=store, cache=False)
    assert files(out) == {"graph.nodes.csv", "graph.edges.csv", "review.csv"}  # not the N-Quads it was loaded from
    assert set(report.outputs) == {"csv-nodes", "csv-edges", "store", "review"}
    assert (out / "graph.edges.csv").read_bytes() == (full / "graph.edges.csv").read_bytes()
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert int(run_query(store, count, "oxigraph")[1][0][0]) == full_report.counts["quads"]
    assert int(run_query(full / "graph.nq", count, "oxigraph")[1][0][0]) == full_report.counts["quads"]


def test_no_rdf_file_still_validates_and_writes_the_views(everything, tmp_path):
    full, _ = everything
    report = build([ROOT / "sources"], tmp_path, formats=["graphml"], cache=False)
    assert files(tmp_path) == {"graph.graphml", "review.csv"}
    assert (tmp_path / "graph.graphml").read_bytes() == (full / "graph.graphml").read_bytes()
    assert report.validated.startswith("all ") and report.counts["violations"] == 0
    assert "quads" not in report.counts and "rdf+exports" not in report.seconds


def test_cli_format_option(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(app, ["build", str(ROOT / "sources"), "--out", str(tmp_path), "--format", "ttl,xml"])
    assert bad.exit_code == 2 and "'xml'" in bad.output and not files(tmp_path)  # refused before any work
    ok = runner.invoke(app, ["build", str(ROOT / "sources"), "--out", str(tmp_path), "--format", "nt",
                             "--format", "csv", "--no-cache", "-q"])
    assert ok.exit_code == 0, ok.output
    assert files(tmp_path) == {"graph.nt", "graph.nodes.csv", "graph.edges.csv", "review.csv"}
