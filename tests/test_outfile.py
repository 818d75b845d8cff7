"""kg.outfile: large output files dropped from the page cache as they are written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg import outfile
from kg.outfile import StreamFile


def _advice(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    real = os.posix_fadvise if hasattr(os, "posix_fadvise") else None

    def advise(fd: int, offset: int, length: int, advice: int) -> None:
        assert advice == getattr(os, "POSIX_FADV_DONTNEED", advice)
        calls.append((offset, length))
        if real is not None:
            real(fd, offset, length, advice)  # the real call must accept these ranges too

    monkeypatch.setattr(outfile, "_ADVISE", advise)
    if not hasattr(os, "POSIX_FADV_DONTNEED"):
        monkeypatch.setattr(os, "POSIX_FADV_DONTNEED", 4, raising=False)
    return calls


def test_written_pages_are_dropped_a_step_behind_and_the_bytes_are_kept(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outfile, "DROP_STEP", 4096)
    calls = _advice(monkeypatch)
    chunks = [bytes([i % 251]) * (1000 + 37 * i) for i in range(60)]  # 95,310 bytes in uneven writes
    path = tmp_path / "big.nt"
    with StreamFile(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644), buffering=1000) as fh:
        for chunk in chunks:
            assert fh.write(chunk) == len(chunk)
            if calls:  # never the last step written: that is what the kernel may still be writing
                assert calls[-1][0] + calls[-1][1] <= fh.written - 4096
    assert path.read_bytes() == b"".join(chunks)
    *during, last = calls
    assert len(during) > 10 and last[1] == 0  # once on disk, the rest of the file (length 0: to its end)
    assert during[0][0] == 0
    for (start, length), (nxt, _) in zip(during, during[1:], strict=False):
        assert nxt <= start + length  # no gap: every page is advised at least once
    assert last[0] <= during[-1][0] + during[-1][1]


def test_a_small_file_is_left_to_the_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _advice(monkeypatch)  # DROP_STEP as shipped: 64 MiB
    path = tmp_path / "small.ttl"
    with StreamFile(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)) as fh:
        fh.write(b"x" * 100_000)
    assert calls == [] and path.stat().st_size == 100_000


def test_an_error_inside_closes_without_syncing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    path = tmp_path / "x.nq"
    with pytest.raises(ValueError, match="bad piece"), \
            StreamFile(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)) as fh:
        fh.write(b"<a> <b> <c> .\n")
        raise ValueError("bad piece")
    assert fh.fh.closed and synced == []
    with StreamFile(os.open(path, os.O_WRONLY | os.O_TRUNC, 0o644)) as fh:
        fh.write(b"ok\n")
    assert len(synced) == 1 and path.read_bytes() == b"ok\n"
