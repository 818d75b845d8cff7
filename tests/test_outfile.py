"""kg.outfile: large output files dropped from the page cache as they are written."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

import pytest

from kg import outfile
from kg.outfile import PlacedFile, StreamFile


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


def test_placed_regions_from_two_writers_make_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the main process and a worker each write regions at offsets, out of order, some in several buffers
    monkeypatch.setattr(outfile, "DROP_STEP", 4096)
    calls = _advice(monkeypatch)
    rng = random.Random(7)
    chunks = [bytes([i % 251]) * rng.randint(1, 3000) for i in range(80)]
    offsets = [sum(map(len, chunks[:i])) for i in range(len(chunks))]
    path = tmp_path / "big.trig"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    main, worker = PlacedFile(fd, str(path)), PlacedFile.open(str(path))
    order = list(range(len(chunks)))
    for k in range(0, len(order), 4):  # neighbours swapped: a later region may land first
        order[k:k + 4] = order[k:k + 4][::-1]
    for i in order:
        writer = worker if i % 3 else main
        if i % 2:
            writer.write_at(chunks[i], offsets[i])
        else:  # as buffers (a region: the main process's bytes among the worker's)
            cut = len(chunks[i]) // 3
            writer.write_at([chunks[i][:cut], b"", chunks[i][cut:]], offsets[i])
        for start, length in calls:  # never past a step behind the furthest byte of the writer advising
            assert start + length <= max(main.high, worker.high) - 4096
    worker.close(sync=False)
    main.close()
    assert path.read_bytes() == b"".join(chunks)
    assert len(calls) > 10 and calls[-1] == (0, 0)  # once synced, the whole file (length 0: to its end)
    assert worker.closed and main.closed


@pytest.mark.skipif(not hasattr(os, "pwritev"), reason="os.pwritev: Linux, BSD, macOS 11+")
def test_a_short_write_is_continued_and_an_error_names_the_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.nq"
    real = os.pwritev

    def short(fd: int, buffers: list[bytes], offset: int) -> int:  # at most 5 bytes a call, as a full pipe might
        return real(fd, [bytes(memoryview(b"".join(bytes(b) for b in buffers))[:5])], offset)

    monkeypatch.setattr(os, "pwritev", short)
    with open(path, "wb"):
        pass
    f = PlacedFile.open(str(path))
    f.write_at([b"<a> <b> ", b"<c> <g> .\n"], 3)
    f.write_at(b"xyz", 0)
    f.close()
    assert path.read_bytes() == b"xyz<a> <b> <c> <g> .\n"

    def full(fd: int, buffers: list[bytes], offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwritev", full)
    f = PlacedFile.open(str(path))
    with pytest.raises(OSError, match="No space left on device") as err:
        f.write_at(b"more", 100)
    assert err.value.filename == str(path) and err.value.errno == errno.ENOSPC
    f.close(sync=False)
