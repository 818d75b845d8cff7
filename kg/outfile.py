"""Output files of many gigabytes written as streams, without filling the page cache.

A 10⁵-article build writes some 30 GB of files. Left to the kernel, those pages stay
cached until memory runs out, and from then on every write makes the kernel reclaim
pages first: measured on the 2-core benchmark machine (Linux, ext4), writing 24 GB in
1 MiB writes took 49.2 s (42.5 s of them system CPU), against 14.7 s (10.6 s) when the
pages written more than 64 MiB earlier were dropped from the cache as the file grew
(``posix_fadvise(POSIX_FADV_DONTNEED)``, POSIX.1-2001). :class:`StreamFile` does the
latter; files smaller than two such steps are never touched, and where the platform
has no ``posix_fadvise`` (macOS, Windows) it is an ordinary buffered file.
:class:`PlacedFile` is the same for a file that several processes write at offsets
(``pwrite``), each dropping what lies well behind the furthest byte it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import TracebackType

DROP_STEP = 64 << 20  # bytes: pages written this much earlier than the end are dropped, a step at a time

_ADVISE = getattr(os, "posix_fadvise", None)


class StreamFile:
    """A binary file opened on ``fd`` for writing, buffered (``buffering`` bytes), whose pages are
    dropped from the page cache once the file has grown :data:`DROP_STEP` bytes past them.

    ``write(data)`` appends bytes (returns their number); :meth:`close` flushes, ``fsync``-s
    (unless ``sync=False``) and closes, dropping the rest of a large file's pages. Dropping is
    advice: the kernel writes back dirty pages first and keeps those it cannot drop yet, so the
    bytes on disk are the same either way. OSError of a write, a flush or fsync propagates.
    """

    def __init__(self, fd: int, buffering: int = -1) -> None:
        self.fh = os.fdopen(fd, "wb", buffering=buffering)
        self.fd = fd
        self.written = 0  # bytes handed to write()
        self.dropped = 0  # pages before this offset have been advised away

    def write(self, data: bytes) -> int:
        n = self.fh.write(data)
        self.written += n
        if _ADVISE is not None and self.written - self.dropped >= 2 * DROP_STEP:
            end = self.written - DROP_STEP  # well behind the buffer and the pages being written back
            # from one step before the last end: pages still dirty at the last call are dropped now
            start = max(0, self.dropped - DROP_STEP)
            _ADVISE(self.fd, start, end - start, os.POSIX_FADV_DONTNEED)
            self.dropped = end
        return n

    def close(self, sync: bool = True) -> None:
        """Flush, fsync (if ``sync``) and close; a large file's remaining pages are dropped once on disk."""
        if self.fh.closed:
            return
        try:
            self.fh.flush()
            if sync:
                os.fsync(self.fd)
                if _ADVISE is not None and self.dropped:
                    start = max(0, self.dropped - DROP_STEP)
                    _ADVISE(self.fd, start, 0, os.POSIX_FADV_DONTNEED)  # length 0: to the end of the file
        finally:
            self.fh.close()

    def __enter__(self) -> StreamFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(sync=exc_type is None)


_IOV_MAX = 1024  # buffers per pwritev(2) call: POSIX's minimum IOV_MAX, Linux's value


class PlacedFile:
    """A file written at offsets (``pwrite``), unbuffered, by this process and maybe others (each
    with a :class:`PlacedFile` of its own on the same path), whose pages are dropped from the page
    cache as in :class:`StreamFile`: once the furthest byte this process wrote is :data:`DROP_STEP`
    bytes past them. Made from an open ``fd`` of the file at ``path`` or by :meth:`open` (an existing
    file, not truncated).

    :meth:`write_at` writes all of its buffers (OSError propagates with ``path`` as its filename,
    a disk full among them);
    :meth:`close` ``fsync``-s (unless ``sync=False``: a process other than the file's owner, or a
    failure) and closes, then drops the file's remaining pages. Where the platform has no
    ``pwrite`` (Windows) writes seek first: one process only there.
    """

    def __init__(self, fd: int, path: str) -> None:
        self.fd = fd
        self.path = path
        self.high = 0  # the end of the furthest write of this process
        self.dropped = 0  # pages before this offset have been advised away
        self.closed = False

    @classmethod
    def open(cls, path: str) -> PlacedFile:
        """An existing file opened for writing at offsets (its bytes kept)."""
        return cls(os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0)), path)

    def write_at(self, data: bytes | Sequence[bytes], offset: int) -> None:
        """Write ``data`` (bytes, or buffers one after the other) from byte ``offset`` on."""
        parts: list[bytes | memoryview] = [data] if isinstance(data, bytes) else [b for b in data if b]
        pos = offset
        while parts:
            try:
                if hasattr(os, "pwritev"):
                    n = os.pwritev(self.fd, parts[:_IOV_MAX], pos)
                elif hasattr(os, "pwrite"):
                    n = os.pwrite(self.fd, parts[0], pos)
                else:
                    os.lseek(self.fd, pos, os.SEEK_SET)
                    n = os.write(self.fd, parts[0])
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, self.path) from None
            pos += n
            while parts and n >= len(parts[0]):  # drop what was written, keep the rest of a part cut short
                n -= len(parts.pop(0))
            if n:
                parts[0] = memoryview(parts[0])[n:]
        if pos > self.high:
            self.high = pos
        if _ADVISE is not None and self.high - self.dropped >= 2 * DROP_STEP:
            end = self.high - DROP_STEP
            start = max(0, self.dropped - DROP_STEP)  # pages still dirty at the last call are dropped now
            _ADVISE(self.fd, start, end - start, os.POSIX_FADV_DONTNEED)
            self.dropped = end

    def close(self, sync: bool = True) -> None:
        """``fsync`` (if ``sync``: every process's writes are on disk then) and close; after an
        ``fsync`` a large file's pages (two steps or more) are dropped from the cache."""
        if self.closed:
            return
        self.closed = True
        try:
            if sync:
                try:
                    os.fsync(self.fd)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, self.path) from None
                if _ADVISE is not None and os.fstat(self.fd).st_size >= 2 * DROP_STEP:
                    _ADVISE(self.fd, 0, 0, os.POSIX_FADV_DONTNEED)  # length 0: to the end of the file
        finally:
            os.close(self.fd)
