"""Stage 1: discover source files, detect their encoding, read sidecar metadata.

Inputs, found recursively under the given paths (``include``/``exclude`` globs
filter them):

* a page: ``.txt`` (or ``.txt.gz``) in UTF-8, UTF-8 with BOM or GB18030/GBK;
  the encoding is detected with charset-normalizer (a maintained library), so
  kg holds no charset heuristics of its own. Metadata comes from a sidecar
  ``<stem>.meta.yaml`` (newspaper, date, page, section, url).
* a corpus: ``.jsonl`` (or ``.jsonl.gz``), one page or article per line:
  ``text`` and optional ``title``, ``date``, ``source``, ``url``,
  ``newspaper``, ``page``, ``section``. A record with a ``title`` is one
  article. A bad line is reported with file and line; the rest of the file builds.

Everything is streamed: one file or record at a time.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import yaml
from charset_normalizer import from_bytes
from pydantic import ValidationError as PydanticValidationError

from kg.errors import SourceError
from kg.models import PageMetadata, SourceDocument

PAGE_SUFFIXES = (".txt", ".txt.gz")
CORPUS_SUFFIXES = (".jsonl", ".jsonl.gz")
META_SUFFIX = ".meta.yaml"
# Encodings kg accepts, in the order they are tried before falling back to detection.
_BOM = b"\xef\xbb\xbf"


def _kind(p: Path) -> str | None:
    name = p.name.lower()
    if name.endswith(PAGE_SUFFIXES):
        return "page"
    if name.endswith(CORPUS_SUFFIXES):
        return "corpus"
    return None


def discover(paths: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Path]:
    """List the page and corpus files under ``paths`` (files or directories, recursive), sorted.

    ``include``/``exclude`` are glob patterns matched against each file's path
    relative to the folder given (``2024/*.txt``, ``*draft*``); an explicitly
    named file is always taken. Raises :class:`SourceError` for a path that does not exist.
    """
    found: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in p.rglob("*"):
                if not f.is_file() or _kind(f) is None or "curated" in f.relative_to(p).parts[:-1]:
                    continue
                rel = f.relative_to(p)
                if include and not any(rel.match(g) or fnmatch.fnmatch(str(rel), g) for g in include):
                    continue
                if any(rel.match(g) or fnmatch.fnmatch(str(rel), g) for g in exclude):
                    continue
                found.add(f)
        elif p.is_file():
            found.add(p)
        else:
            raise SourceError(str(p), "no such file or directory; give a page file or a folder of pages")
    return sorted(found)


def decode(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Decode page bytes to text; returns ``(text, encoding)``.

    UTF-8 (with or without BOM) is taken as is; anything else is detected by
    charset-normalizer among Chinese encodings (GB18030 covers GBK and GB2312).
    Raises :class:`SourceError` naming ``path`` when no encoding fits.
    """
    if data.startswith(_BOM):
        try:
            return data[len(_BOM):].decode("utf-8"), "utf_8_sig"
        except UnicodeDecodeError as exc:
            raise SourceError(path, f"starts with a UTF-8 BOM but byte {exc.start} is not UTF-8") from exc
    try:
        return data.decode("utf-8"), "utf_8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is None or best.encoding is None:
        raise SourceError(path, "cannot detect the text encoding (tried UTF-8, GB18030/GBK, Big5); "
                                "re-save the file as UTF-8")
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(path, f"not valid {best.encoding}: {exc}; re-save the file as UTF-8") from exc


def doc_id(path: Path) -> str:
    """ASCII id of a source from its file name without suffixes: ``jining-daily-page``."""
    stem = path.name
    for suffix in (".gz", ".txt", ".jsonl"):
        stem = stem.removesuffix(suffix) if stem.lower().endswith(suffix) else stem
    slug = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()
    if not slug:
        slug = "src-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]
    return slug


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror}") from exc
    if path.name.lower().endswith(".gz"):
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceError(str(path), f"not a valid gzip file ({exc}); re-compress it or unzip it") from exc
    return data


def doc_id_stem(path: Path) -> str:
    """The file name without its page suffixes: ``jining-daily-page.txt.gz`` → ``jining-daily-page``."""
    name = path.name
    for suffix in (".gz", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read_metadata(page: Path) -> PageMetadata:
    """Read ``<stem>.meta.yaml`` beside ``page``; an absent file gives empty metadata.

    Raises :class:`SourceError` naming the sidecar and the bad field.
    """
    meta = page.with_name(doc_id_stem(page) + META_SUFFIX)
    if not meta.exists():
        return PageMetadata()
    try:
        raw = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise SourceError(str(meta), f"not valid YAML: {exc}", None if line is None else line + 1) from exc
    if not isinstance(raw, dict):
        raise SourceError(str(meta), "must be a mapping of newspaper/date/page/section/url")
    try:
        return PageMetadata.model_validate(raw)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        raise SourceError(str(meta), f"field {field!r}: {err['msg']}") from exc


def read_source(path: Path, id_: str | None = None) -> SourceDocument:
    """Read and decode one page file with its sidecar metadata.

    Raises :class:`SourceError` (path and reason) for unreadable, empty or undecodable files.
    """
    data = _read_bytes(path)
    text, encoding = decode(data, str(path))
    if not text.strip():
        raise SourceError(str(path), "the file is empty")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceDocument(
        id=id_ or doc_id(path),
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        text=text,
        metadata=read_metadata(path),
    )


_RECORD_META = ("newspaper", "date", "page", "section", "url")


def read_corpus(path: Path, id_: str | None = None) -> Iterator[SourceDocument | SourceError]:
    """Each record of a JSON Lines corpus as a SourceDocument, or the SourceError of a bad line.

    Lines are read one at a time (gzip streams too); blank lines are skipped.
    A record's id is ``{file id}-{line}``; ``sha256`` is the digest of the line.
    """
    base = id_ or doc_id(path)
    try:
        raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")
    except OSError as exc:
        yield SourceError(str(path), f"cannot read: {exc.strerror}")
        return
    with raw as fh:
        lineno = 0
        while True:
            try:
                line = fh.readline()
            except (OSError, EOFError) as exc:
                yield SourceError(str(path), f"cannot read further ({exc}); the file is truncated", lineno + 1)
                return
            if not line:
                return
            lineno += 1
            if not line.strip():
                continue
            try:
                yield _record(path, base, lineno, line)
            except SourceError as exc:
                yield exc


def _record(path: Path, base: str, lineno: int, line: bytes) -> SourceDocument:
    try:
        rec = json.loads(line.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(str(path), f"not a JSON object ({exc}); fix or delete the line", lineno) from exc
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or not rec["text"].strip():
        raise SourceError(str(path), "a record needs a non-empty \"text\" string", lineno)
    meta = {k: rec[k] for k in _RECORD_META if rec.get(k) not in (None, "")}
    try:
        metadata = PageMetadata.model_validate({k: str(v) if k == "page" else v for k, v in meta.items()})
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        raise SourceError(str(path), f"field {'.'.join(map(str, err['loc']))}: {err['msg']}", lineno) from exc
    title = rec.get("title")
    text = rec["text"].replace("\r\n", "\n").replace("\r", "\n")
    return SourceDocument(id=f"{base}-{lineno}", path=str(path), sha256=hashlib.sha256(line).hexdigest(),
                          encoding="utf_8", text=text, metadata=metadata,
                          title=title.strip() if isinstance(title, str) and title.strip() else None,
                          record=lineno)


def count_sources(paths: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> int:
    """About how many sources :func:`iter_sources` will yield: one per page file, one per non-blank
    line of each JSON Lines corpus (gzip streams are decompressed: about a second per 300 MB).

    For a progress bar's total and ETA, so it never raises: an unreadable or
    missing path counts what could be read (its error comes from iter_sources).
    """
    total = 0
    try:
        files = discover(paths, include, exclude)
    except SourceError:
        return 0
    for path in files:
        if _kind(path) != "corpus":
            total += 1
            continue
        try:
            raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")
            with raw as fh:
                tail = b"\n"
                while block := fh.read(1 << 22):
                    total += block.count(b"\n") - block.count(b"\n\n") - block.count(b"\n\r\n")
                    tail = block[-1:]
                total += tail != b"\n"
        except (OSError, EOFError):
            continue
    return total


def iter_sources(paths: Iterable[str | Path], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> Iterator[SourceDocument | SourceError]:
    """Yield each page or corpus record as a :class:`SourceDocument`, or the :class:`SourceError` that stopped it.

    Errors are yielded, not raised, so one bad file or line never stops the others.
    Ids are made unique by suffixing ``-2``, ``-3`` … in path order.
    """
    seen: dict[str, int] = {}
    for path in discover(paths, include, exclude):
        base = doc_id(path)
        seen[base] = seen.get(base, 0) + 1
        id_ = base if seen[base] == 1 else f"{base}-{seen[base]}"
        if _kind(path) == "corpus":
            yield from read_corpus(path, id_)
            continue
        try:
            yield read_source(path, id_)
        except SourceError as exc:
            yield exc
