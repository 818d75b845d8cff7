"""The extraction cache: rebuilds re-extract only the sources that changed.

A source's extractions (layout + extraction, the per-article work) are stored
under a key made of

* the source's sha256 (raw bytes of a page, or the bytes of a corpus line),
  its id, sidecar metadata and title;
* the configuration: kg's version, a digest of every data file in
  ``kg/data`` (lexicons, the division table) and of the ``--gazetteer`` table.

Curated files are not part of the key: they act after extraction (resolution
and page metadata), so changing one re-resolves without re-extracting.

Storage is one SQLite file (Python's standard ``sqlite3``) holding
zlib-compressed JSON of the Pydantic models; writes are batched in
transactions, so a crash never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import TypeAdapter

import kg
from kg.models import ArticleExtraction, SourceDocument, compact

_ADAPTER = TypeAdapter(list[ArticleExtraction])


@lru_cache(maxsize=1)
def _data_digest() -> str:
    h = hashlib.sha256()
    root = resources.files("kg.data")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()


def fingerprint(gazetteer: str | Path | None = None) -> str:
    """The configuration part of every key: kg's version, its data files and the NBS table."""
    h = hashlib.sha256(f"kg {kg.__version__}\n{_data_digest()}\n".encode())
    if gazetteer is not None:
        h.update(Path(gazetteer).read_bytes())
    return h.hexdigest()


def source_key(doc: SourceDocument, config: str) -> str:
    """The cache key of one source under configuration ``config`` (hex sha256)."""
    h = hashlib.sha256(config.encode())
    for part in (doc.id, doc.sha256, doc.title or "", doc.metadata.model_dump_json()):
        h.update(b"\0" + part.encode())
    return h.hexdigest()


def encode(extractions: Sequence[ArticleExtraction]) -> bytes:
    """The stored form of one source's extractions: zlib-compressed JSON of the models (~3 KB per
    article), read back by :meth:`ExtractionCache.get`."""
    return zlib.compress(_ADAPTER.dump_json(list(extractions)), 6)


class ExtractionCache:
    """A persistent map from source keys to their extractions.

    ``hits`` and ``misses`` count lookups since opening. Use as a context
    manager, or call :meth:`close` (which commits pending writes).
    """

    def __init__(self, path: str | Path, config: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.hits = self.misses = 0
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
        self._pending = 0

    def get(self, doc: SourceDocument) -> list[ArticleExtraction] | None:
        """The stored extractions of ``doc``, or None (a miss)."""
        row = self._db.execute("SELECT data FROM extraction WHERE key = ?",
                               (source_key(doc, self.config),)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        extractions = _ADAPTER.validate_json(zlib.decompress(row[0]))
        compact(extractions)  # as kg.parallel.extract_document does: the build holds them all
        return extractions

    def put(self, doc: SourceDocument, extractions: Sequence[ArticleExtraction]) -> None:
        """Store the extractions of ``doc`` (committed every 500 writes and on close)."""
        self.put_blob(doc, encode(extractions))

    def put_blob(self, doc: SourceDocument, blob: bytes) -> None:
        """Store :func:`encode`'s ``blob`` of ``doc``'s extractions (made in a worker process, so that
        the parent only writes it: encoding costs ~0.3 ms per article)."""
        self._db.execute("INSERT OR REPLACE INTO extraction (key, data) VALUES (?, ?)",
                         (source_key(doc, self.config), blob))
        self._pending += 1
        if self._pending >= 500:
            self._db.commit()
            self._pending = 0

    def close(self) -> None:
        """Commit and close."""
        self._db.commit()
        self._db.close()

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
