"""kg.spool: a build whose records wait on disk writes the same files as one that keeps them in memory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.pipeline import build, build_kb, sample_kb
from kg.spool import ArticleRecords, RecordSpool

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "pages"

# a curated file exercising every decision that rewrites records: a merge, an alias merge, a
# not-entity, a split (of the county named in both articles of the sample page) and a fact
CURATED = """\
merges:
  - keep: 西柳庄村
    merge: [西柳村]
aliases:
  - alias: 山东省农业科学院
    name: 省农科院
not_entities:
  - name: 刨根问底
    type: Program
splits:
  - name: 泗水县
    new_name: 泗水县（另一）
    articles: [{article}]
facts:
  - subject: 汶上县财政局
    predicate: memberOf
    object: 汶上县
"""


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _same_build(sources: list[Path], tmp_path: Path, **kw: object) -> dict[str, int]:
    memory = build(sources, tmp_path / "memory", spool=False, cache=False, **kw)  # type: ignore[arg-type]
    spooled = build(sources, tmp_path / "spooled", spool=True, cache=False, **kw)  # type: ignore[arg-type]
    a, b = _files(tmp_path / "memory"), _files(tmp_path / "spooled")
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], f"{name} differs between the in-memory and the spooled build"
    assert memory.counts == spooled.counts
    assert memory.validated == spooled.validated
    return spooled.counts


def test_spooled_build_writes_the_same_files_for_the_sample_page(tmp_path: Path) -> None:
    counts = _same_build([ROOT / "sources"], tmp_path)
    assert counts["articles"] > 1 and counts["mentions"] > 100 and counts["relations"] > 10


def test_spooled_build_writes_the_same_files_with_curated_decisions(tmp_path: Path) -> None:
    src = tmp_path / "sources"
    (src / "curated").mkdir(parents=True)
    shutil.copy(ROOT / "sources" / "jining-daily-page.txt", src)
    shutil.copy(ROOT / "sources" / "jining-daily-page.meta.yaml", src)
    kb = build_kb([src])
    article = next(a.id for a in kb.articles if any(rm.entity.endswith("370831") and rm.mention.article_id == a.id
                                                  for rm in kb.mentions))
    (src / "curated" / "decisions.yaml").write_text(CURATED.format(article=article), encoding="utf-8")
    spooled = build_kb([src], spool=True)
    assert spooled.spool is not None and [f[0] for f in spooled.spool.fixes] == ["drop", "merge", "split"]
    spooled.spool.close()
    _same_build([src], tmp_path / "out")


@pytest.mark.parametrize("provenance", ["compact", "full"])
def test_spooled_build_writes_the_same_files_for_the_test_pages(tmp_path: Path, provenance: str) -> None:
    _same_build([PAGES], tmp_path, provenance=provenance, workers=2)


def test_sample_of_a_spooled_kb_equals_the_sample_of_the_in_memory_kb() -> None:
    memory = build_kb([ROOT / "sources"])
    spooled = build_kb([ROOT / "sources"], spool=True)
    assert spooled.spool is not None and not spooled.mentions
    for limit in (50, 400, 10_000):
        a, b = sample_kb(memory, limit), sample_kb(spooled, limit)
        assert [x.id for x in a.articles] == [x.id for x in b.articles]
        assert a.mentions == b.mentions and a.quantities == b.quantities
        assert sorted(a.entities) == sorted(b.entities)
        assert sorted(map(repr, a.relations)) == sorted(map(repr, b.relations))
    assert memory.record_counts() == spooled.record_counts()
    spooled.spool.close()


def test_spool_gives_back_what_it_took() -> None:
    kb = build_kb([ROOT / "sources"])
    spool = RecordSpool()
    for a in kb.articles:
        spool.append(a.id, ArticleRecords([rm for rm in kb.mentions if rm.mention.article_id == a.id],
                                          [q for q in kb.quantities if q.article_id == a.id],
                                          [r for r in kb.relations if r.article_id == a.id]))
    spool.seal()
    assert len(spool) == len(kb.articles)
    for i, a in enumerate(kb.articles):
        rec = spool.records(i)
        assert rec.mentions == [rm for rm in kb.mentions if rm.mention.article_id == a.id]
        assert rec.quantities == [q for q in kb.quantities if q.article_id == a.id]
    light = list(spool.light())
    assert [x.article_id for x in light] == [a.id for a in kb.articles]
    assert sum(len(x.mentions) for x in light) == len(kb.mentions) == spool.counts["mentions"]
    spool.close()


def test_spool_keeps_every_field_of_every_record() -> None:
    """Records come back equal, field by field, Decimals with their exponent, None kept."""
    from decimal import Decimal

    from kg.models import Mention, Quantity, Relation, ResolvedMention, Span

    mentions = [ResolvedMention(entity="place/370831", mention=Mention(
        article_id="a1", span=Span(start=3, end=6), surface="泗水县", type="AdministrativeArea", subtype="县",
        name=None, rule="gazetteer")), ResolvedMention(entity="org/x", mention=Mention(
            article_id="a1", span=Span(start=7, end=9), surface="该局", type="Organization", name="财政局",
            rule="org"))]
    quantities = [Quantity(id="a1-q10", article_id="a1", span=Span(start=10, end=16), surface="25.5万元",
                           value=Decimal("2.55E+5"), unit="CNY", measures="争取资金", subject="org/x",
                           recipients=["place/1", "place/2"]),
                  Quantity(article_id="a1", span=Span(start=20, end=24), surface="3至5年", min_value=Decimal("3"),
                           max_value=Decimal("5.0"), unit="年", qualifier="range")]
    relations = [Relation(subject="org/x", predicate="operatesIn", object="place/370831", article_id="a1",
                          evidence=Span(start=7, end=9), rule="org"),
                 Relation(subject="a1", predicate="about", object="place/370831", article_id="a1", rule="context")]
    spool = RecordSpool()
    spool.append("a1", ArticleRecords(mentions, quantities, relations))
    spool.seal()
    rec = spool.records(0)
    assert (rec.mentions, rec.quantities, rec.relations) == (mentions, quantities, relations)
    for got, want in zip(rec.mentions + rec.quantities + rec.relations, mentions + quantities + relations,
                         strict=True):
        assert repr(got) == repr(want) and got.model_dump_json() == want.model_dump_json()
    assert str(rec.quantities[0].value) == "2.55E+5" and str(rec.quantities[1].max_value) == "5.0"
    light = next(spool.light())
    assert light.mentions == [("place/370831", 3), ("org/x", 7)]
    assert light.quantities == [("CNY", "2.55E+5"), ("年", "3")]
    assert light.relations == [("org/x", "operatesIn", "place/370831", 7, 9, "org"),
                               ("a1", "about", "place/370831", None, None, "context")]
    rec.mentions[0].entity = "place/other"  # records read are new objects: the spool is unchanged
    assert spool.records(0).mentions == mentions
    spool.close()


@pytest.mark.parametrize("provenance", ["compact", "full"])
def test_spawned_render_workers_write_the_bytes_of_one_process(tmp_path: Path, provenance: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a spooled KnowledgeBase is rendered by spawned workers that hold no KnowledgeBase: each task
    # brings its articles, their stored records, the entities and relations it describes; the curated
    # decisions replayed on the records (drop, merge, split) reach them through the setup
    from kg import export

    src = tmp_path / "sources"
    (src / "curated").mkdir(parents=True)
    shutil.copy(ROOT / "sources" / "jining-daily-page.txt", src)
    shutil.copy(ROOT / "sources" / "jining-daily-page.meta.yaml", src)
    for page in sorted(PAGES.glob("*.txt"))[:4]:
        shutil.copy(page, src)
    kb = build_kb([src])
    article = next(a.id for a in kb.articles if any(rm.entity.endswith("370831") and rm.mention.article_id == a.id
                                                  for rm in kb.mentions))
    (src / "curated" / "decisions.yaml").write_text(CURATED.format(article=article), encoding="utf-8")
    monkeypatch.setattr(export, "_BATCH", 1)  # one article a task: enough tasks to start the workers
    monkeypatch.setattr("kg.store.CHUNK_NODES", 40)  # entities in several tasks, each with its data
    started: list[str] = []
    workers = export._Workers

    def spy(n: int, method: str = "fork") -> export._Workers:
        started.append(method)
        return workers(n, method)

    monkeypatch.setattr(export, "_Workers", spy)
    one = build([src], tmp_path / "one", workers=1, cache=False, provenance=provenance)
    two = build([src], tmp_path / "two", workers=2, cache=False, provenance=provenance)
    assert started == ["spawn"]  # not for one worker
    a, b = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert sorted(a) == sorted(b) and len(a) >= 9
    for name in a:
        assert a[name] == b[name], f"{name} differs between 1 and 2 workers"
    assert one.counts == two.counts and one.problems == two.problems
    assert two.counts["articles"] > 8 and two.counts["Person"] > 3
    assert "泗水县（另一）" in b["graph.ttl"].decode()  # the split reached the workers' records


def test_spawned_render_workers_send_back_the_problems_they_meet(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # a record naming an entity the KnowledgeBase lacks is skipped with a problem, in a worker as here
    from kg import export
    from kg.export import write_graph_files
    from kg.iris import DEFAULT_BASE
    from kg.rdf import kg_prefixes
    from kg.store import GraphPieces

    kb = build_kb([ROOT / "sources"], spool=True)
    assert kb.spool is not None
    gone = next(k for k in sorted(kb.entities) if k.startswith("org/"))
    del kb.entities[gone]
    monkeypatch.setattr(export, "_BATCH", 1)
    monkeypatch.setattr("kg.store.CHUNK_NODES", 40)
    reports: dict[int, list[str]] = {}
    kinds = {k.split("/", 1)[0] for k in kb.entities}
    for workers in (1, 2):
        reports[workers] = []
        files = write_graph_files(GraphPieces(kb, problems=reports[workers]), tmp_path / str(workers),
                                  kg_prefixes(DEFAULT_BASE, kinds), workers=workers, beside=os.getpid)
        assert files.beside == os.getpid()  # beside() runs in a thread here, not in a spawned worker
    kb.spool.close()
    assert reports[1] == reports[2] and any(gone in p and "unknown entity" in p for p in reports[2])
    for name in ("graph.nq", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_a_script_without_a_main_guard_builds_once_with_workers(tmp_path: Path) -> None:
    # the render workers are new interpreters that import kg, not the caller's script: a user's
    # script calling build() at its top level (no `if __name__ == "__main__":`) is not run again
    import subprocess
    import sys

    script = tmp_path / "make_graph.py"
    script.write_text(
        "import kg.export\n"
        "from kg.pipeline import build\n"
        "kg.export._BATCH = 1  # one article a task: the workers start even for a few articles\n"
        "print('script ran', flush=True)\n"
        f"report = build([{str(ROOT / 'sources')!r}], {str(tmp_path / 'out')!r}, workers=2, cache=False)\n"
        "print('articles', report.counts['articles'], flush=True)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script ran") == 1
    assert "articles 8" in done.stdout
    assert (tmp_path / "out" / "graph.ttl").stat().st_size > 10_000
