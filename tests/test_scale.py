"""Worker processes, the extraction cache and bad corpus inputs (issue: corpora of 10^5 articles)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from kg.pipeline import ExtractOptions, ExtractStats, build_kb

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "sources", ROOT / "tests" / "pages"]


def test_worker_count_does_not_change_the_result():
    one = build_kb(SOURCES, options=ExtractOptions(workers=1))
    two = build_kb(SOURCES, options=ExtractOptions(workers=2))
    assert one.model_dump_json() == two.model_dump_json()
    assert len(one.articles) > 30


def test_cache_skips_unchanged_sources_and_notices_changed_ones(tmp_path: Path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "tests" / "pages", src)
    cache = tmp_path / "cache.sqlite"
    first, second, third = ExtractStats(), ExtractStats(), ExtractStats()
    kb1 = build_kb([src], options=ExtractOptions(cache=cache), stats=first)
    kb2 = build_kb([src], options=ExtractOptions(cache=cache), stats=second)
    pages = len(list(src.glob("*.txt")))
    assert (first.extracted, first.cached) == (pages, 0)
    assert (second.extracted, second.cached) == (0, pages)
    assert kb1.model_dump_json() == kb2.model_dump_json()
    page = src / "roster.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("宁阳县", "宁阳县", 1) + "\n", encoding="utf-8")
    (src / "curated").mkdir()
    (src / "curated" / "x.yaml").write_text("not_entities:\n  - name: 大汶河\n", encoding="utf-8")
    kb3 = build_kb([src], options=ExtractOptions(cache=cache), stats=third)
    assert (third.extracted, third.cached) == (1, pages - 1)  # a curated change re-resolves, not re-extracts
    assert not any(e.name == "大汶河" for e in kb3.entities.values())


def test_bad_jsonl_line_undecodable_and_empty_files_each_reported_once(tmp_path: Path):
    page = (ROOT / "sources" / "jining-daily-page.txt").read_text(encoding="utf-8")
    good = json.dumps({"text": page, "newspaper": "济宁日报"}, ensure_ascii=False)
    (tmp_path / "corpus.jsonl.gz").write_bytes(gzip.compress(f"{good}\n{{oops\n{good}\n".encode()))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(128, 256)) * 8)
    problems: list[str] = []
    kb = build_kb([tmp_path], problems=problems, options=ExtractOptions(workers=2))
    assert len(kb.articles) == 16
    assert sorted(p.split(":")[0].rsplit("/", 1)[-1] for p in problems) == [
        "binary.txt", "corpus.jsonl.gz", "empty.txt"]
    assert any("corpus.jsonl.gz:2:" in p for p in problems)


def test_batches_keep_order_and_limits():
    from kg.parallel import batches

    sizes = [5, 1, 1, 9, 20, 2, 2, 2, 2, 3]
    got = list(batches(iter(sizes), lambda n: n, 10, 3))
    assert [x for b in got for x in b] == sizes
    assert got == [[5, 1, 1], [9], [20], [2, 2, 2], [2, 3]]
    assert list(batches(iter([]), len, 10, 3)) == []


def test_workers_with_a_partly_filled_cache_give_the_result_of_one_process(tmp_path: Path, monkeypatch):
    """Cached and extracted sources interleave, several sources to a worker task: same order, same result."""
    import kg.pipeline

    src = tmp_path / "src"
    shutil.copytree(ROOT / "tests" / "pages", src)
    pages = sorted(src.glob("*.txt"))
    cache = tmp_path / "cache.sqlite"
    some = tmp_path / "some"
    some.mkdir()
    for page in pages[::3]:  # every third page cached first
        shutil.copy(page, some / page.name)
        meta = page.with_suffix(".meta.yaml")
        if meta.exists():
            shutil.copy(meta, some / meta.name)
    build_kb([some], options=ExtractOptions(cache=cache))
    monkeypatch.setattr(kg.pipeline, "BATCH_SOURCES", 2)
    stats = ExtractStats()
    two = build_kb([src], options=ExtractOptions(workers=2, cache=cache), stats=stats)
    assert 0 < stats.cached < len(pages) and stats.extracted == len(pages) - stats.cached
    one = build_kb([src], options=ExtractOptions(workers=1))
    assert one.model_dump_json() == two.model_dump_json()


def test_a_build_stopped_while_a_view_is_written_keeps_the_earlier_files(tmp_path: Path, monkeypatch):
    # the views are written in a rendering worker, into the build's scratch folder; when the build
    # fails meanwhile (here: the disk, on the first article graph) the worker is stopped mid-file, not
    # waited for, and neither its temporary file nor a changed output stays behind
    import os
    import tempfile
    import time

    import pytest

    from kg import export, views
    from kg.pipeline import build

    out = tmp_path / "out"
    build(SOURCES, out, workers=2, cache=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def slow_views(kb, out_dir, base_iri):
        fd, _ = tempfile.mkstemp(dir=out_dir, prefix=".graph.gexf.", suffix=".tmp")
        os.close(fd)
        time.sleep(60)
        return {}

    def disk_full(self, rendered):
        deadline = time.monotonic() + 30  # fail once the view's temporary file exists
        while not list(out.glob(".kg-build-*/.graph.gexf.*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.02)
        raise OSError("No space left on device")

    monkeypatch.setattr(export, "_BATCH", 1)  # enough tasks to fork the workers
    monkeypatch.setattr(views, "write_view_exports", slow_views)
    monkeypatch.setattr(export._Files, "article", disk_full)
    t0 = time.monotonic()
    with pytest.raises(OSError, match="No space"):
        build(SOURCES, out, workers=2, cache=False)
    assert time.monotonic() - t0 < 50  # the views worker was stopped, not waited for
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
