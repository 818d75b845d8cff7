"""Sources: encodings, gzip, JSON Lines corpora with bad lines, include/exclude globs, streaming."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from kg.errors import SourceError
from kg.models import SourceDocument
from kg.sources import decode, discover, iter_sources

PAGE = "本报泗水讯（通讯员 张三）泗水县杨柳镇岳家岭村争取资金20万元。\n\n泗水县\n\n杨柳镇修路\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (PAGE.encode("utf-8"), "utf_8"),
    (b"\xef\xbb\xbf" + PAGE.encode("utf-8"), "utf_8_sig"),
    (PAGE.encode("gb18030"), "gb18030"),
])
def test_decoding(data: bytes, encoding: str):
    text, enc = decode(data, "p.txt")
    assert text == PAGE and enc == encoding


def test_undecodable_bytes_name_the_file():
    with pytest.raises(SourceError, match="bad.txt"):
        decode(bytes(range(128, 256)) * 8, "bad.txt")


def test_corpus_lines_gzip_and_bad_lines(tmp_path: Path):
    lines = [json.dumps({"text": PAGE, "newspaper": "济宁日报", "date": "2024-06-01"}, ensure_ascii=False),
             "{not json", json.dumps({"title": "no text"}, ensure_ascii=False),
             json.dumps({"text": "汶上县财政局拨付资金30万元。", "title": "汶上拨付资金", "page": 3},
                        ensure_ascii=False)]
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    (tmp_path / "p.txt.gz").write_bytes(gzip.compress(PAGE.encode("gb18030")))
    got = list(iter_sources([tmp_path]))
    docs = [d for d in got if isinstance(d, SourceDocument)]
    errors = [str(e) for e in got if isinstance(e, SourceError)]
    assert [d.id for d in docs] == ["c-1", "c-4", "p"]
    assert docs[0].metadata.newspaper == "济宁日报" and str(docs[0].metadata.date) == "2024-06-01"
    assert docs[1].title == "汶上拨付资金" and docs[1].metadata.page == "3" and docs[1].record == 4
    assert docs[2].text == PAGE and docs[2].encoding == "gb18030"
    assert errors == [f"{tmp_path / 'c.jsonl.gz'}:2: not a JSON object (Expecting property name enclosed in "
                      "double quotes: line 1 column 2 (char 1)); fix or delete the line",
                      f"{tmp_path / 'c.jsonl.gz'}:3: a record needs a non-empty \"text\" string"]


def test_include_exclude_and_curated_folders(tmp_path: Path):
    for rel in ("2024/a.txt", "2024/draft-b.txt", "2023/c.txt", "curated/x.txt", "notes.md"):
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(PAGE, encoding="utf-8")
    names = lambda ps: [p.relative_to(tmp_path).as_posix() for p in ps]  # noqa: E731
    assert names(discover([tmp_path])) == ["2023/c.txt", "2024/a.txt", "2024/draft-b.txt"]
    assert names(discover([tmp_path], include=["2024/*"], exclude=["*draft*"])) == ["2024/a.txt"]


def test_missing_path_is_an_error_naming_it(tmp_path: Path):
    with pytest.raises(SourceError, match="nope"):
        discover([tmp_path / "nope"])
