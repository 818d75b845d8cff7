"""An unchanged rebuild does nothing; a change to any input or output rebuilds (kg.manifest)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kg.manifest import MANIFEST_FILE
from kg.pipeline import BuildReport, build

PAGES = Path(__file__).resolve().parent / "pages"


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("datelines.txt", "datelines.meta.yaml"):
        shutil.copy(PAGES / name, src / name)
    return src


def _build(src: Path, out: Path, **kw: Any) -> BuildReport:
    kw.setdefault("formats", ["ttl", "csv"])
    return build([src], out, **kw)


def _stats(report: BuildReport) -> dict[str, tuple[int, int]]:
    return {name: (path.stat().st_size, path.stat().st_mtime_ns) for name, path in report.outputs.items()}


def test_an_unchanged_rebuild_reads_and_writes_nothing(tmp_path: Path) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    first = _build(src, out)
    assert not first.up_to_date and first.counts["extracted"] == 1
    before = _stats(first)
    second = _build(src, out)
    assert second.up_to_date
    assert second.outputs == first.outputs and _stats(second) == before  # not one file rewritten
    assert (second.counts["extracted"], second.counts["cached"]) == (0, 0)  # no source read, even from the cache
    assert {k: v for k, v in second.counts.items() if k not in ("extracted", "cached")} == {
        k: v for k, v in first.counts.items() if k not in ("extracted", "cached")}
    assert second.counts["articles"] == 6 and second.problems == first.problems
    assert second.validated == first.validated and list(second.seconds) == ["up-to-date check"]


def _edit(path: Path, extra: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


CHANGES: dict[str, tuple[Callable[[Path, Path], None], dict[str, Any]]] = {
    "a source edited": (lambda src, out: _edit(src / "datelines.txt", "\n本报讯 新的一段。\n"), {}),
    "its sidecar edited": (lambda src, out: _edit(src / "datelines.meta.yaml", "page: 3\n"), {}),
    "a curated file added": (lambda src, out: ((src / "curated").mkdir(), (src / "curated" / "x.yaml").write_text(
        "not_entities:\n  - name: 大汶河\n", encoding="utf-8")), {}),
    "a file no build reads added": (lambda src, out: (src / "notes.md").write_text("x", encoding="utf-8"), {}),
    "other formats": (lambda src, out: None, {"formats": ["ttl"]}),
    "another base IRI": (lambda src, out: None, {"base_iri": "http://example.org/other/"}),
    "full provenance": (lambda src, out: None, {"provenance": "full"}),
    "an exclude glob": (lambda src, out: None, {"exclude": ["*.md"]}),
    "an output removed": (lambda src, out: (out / "graph.ttl").unlink(), {}),
    "an output edited": (lambda src, out: _edit(out / "graph.nodes.csv", "x\n"), {}),
    "the manifest unreadable": (lambda src, out: (out / MANIFEST_FILE).write_text("{", encoding="utf-8"), {}),
    "the manifest removed": (lambda src, out: (out / MANIFEST_FILE).unlink(), {}),
    "no cache": (lambda src, out: None, {"cache": False}),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_to_any_input_or_output_rebuilds(tmp_path: Path, change: str) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    _build(src, out)
    alter, options = CHANGES[change]
    alter(src, out)
    again = _build(src, out, **options)
    assert not again.up_to_date
    assert again.counts["articles"] >= 6 and "extract+resolve" in again.seconds
    assert all(path.exists() for path in again.outputs.values())
    if options.get("cache") is False:
        assert not (out / MANIFEST_FILE).exists()  # a build without the cache keeps no manifest
    else:  # the rebuilt folder is up to date in turn
        assert _build(src, out, **options).up_to_date


def test_a_failed_build_leaves_no_manifest_that_calls_it_up_to_date(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    _build(src, out)
    page = src / "datelines.txt"
    text = page.read_text(encoding="utf-8")
    _edit(page, "\n本报讯 新的一段。\n")
    import kg.pipeline

    real = kg.pipeline.os.replace
    moved: list[str] = []

    def replace(a: Any, b: Any) -> None:  # the second file moved from the staging folder into place fails
        if Path(b).parent == out and Path(a).parent.parent == out:
            if moved:
                raise OSError("disk full")
            moved.append(str(b))
        real(a, b)

    monkeypatch.setattr(kg.pipeline.os, "replace", replace)
    with pytest.raises(OSError):
        _build(src, out)
    monkeypatch.undo()
    assert moved and not (out / MANIFEST_FILE).exists()  # one file is new, the others old
    page.write_text(text, encoding="utf-8")  # the first build's inputs again: its files are not all there
    assert not _build(src, out).up_to_date


def test_the_inputs_digest_walks_a_link_loop_once_and_skips_the_output_folder(tmp_path: Path) -> None:
    from kg.manifest import inputs_digest

    src = _source(tmp_path)
    (src / "more").mkdir()
    (src / "more" / "back").symlink_to(src, target_is_directory=True)  # a loop
    out = src / "out"  # the output folder inside the sources
    first = inputs_digest([src], out, {})
    out.mkdir()
    (out / "graph.ttl").write_text("x", encoding="utf-8")
    assert inputs_digest([src], out, {}) == first  # what the build writes is not an input
    (src / "more" / "new.txt").write_text("本报讯", encoding="utf-8")
    assert inputs_digest([src], out, {}) != first
    assert inputs_digest([src], out, {"formats": ["ttl"]}) != inputs_digest([src], out, {"formats": ["nq"]})
    table = tmp_path / "nbs.csv"  # a gazetteer table outside the sources is an input too
    table.write_text("code,name\n", encoding="utf-8")
    with_table = inputs_digest([src], out, {}, gazetteer=table)
    table.write_text("code,name\n370831100000,杨柳镇\n", encoding="utf-8")
    assert inputs_digest([src], out, {}, gazetteer=table) not in (with_table, inputs_digest([src], out, {}))


def test_the_cli_says_up_to_date_and_repeats_the_warnings(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kg.cli import app

    src, out = _source(tmp_path), tmp_path / "out"
    (src / "empty.txt").write_bytes(b"")  # a warning of the first build
    args = ["build", str(src), "--out", str(out), "--format", "ttl", "--workers", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "up to date" not in first.output and "sources: 1 extracted, 0 from the cache" in first.stdout
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "up to date:" in again.stdout and "sources: none read" in again.stdout
    assert "articles 6" in again.stdout and "kg: warning (of the last build): " in again.stderr
    assert "empty.txt" in again.stderr and "empty.txt" in first.stderr
    # the manifest is created as the outputs are (the umask's permissions), not private to its owner
    assert (out / MANIFEST_FILE).stat().st_mode == (out / "review.csv").stat().st_mode
