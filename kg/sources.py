"""Stage 1: discover source files, detect their encoding, read sidecar metadata.

A page is a ``.txt`` file in any of UTF-8, UTF-8 with BOM or GB18030/GBK; the
encoding is detected with charset-normalizer (a maintained library), so kg
holds no charset heuristics of its own. Metadata comes from a sidecar
``<stem>.meta.yaml`` beside the page (newspaper, date, page, section, url).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml
from charset_normalizer import from_bytes
from pydantic import ValidationError as PydanticValidationError

from kg.errors import SourceError
from kg.models import PageMetadata, SourceDocument

PAGE_SUFFIXES = (".txt",)
META_SUFFIX = ".meta.yaml"
# Encodings kg accepts, in the order they are tried before falling back to detection.
_BOM = b"\xef\xbb\xbf"


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """List the page files under ``paths`` (files or directories, recursive), sorted.

    Raises :class:`SourceError` for a path that does not exist.
    """
    found: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.update(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in PAGE_SUFFIXES)
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
    """ASCII id of a source from its file stem: ``jining-daily-page``."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    slug = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower()
    if not slug:
        slug = "src-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]
    return slug


def read_metadata(page: Path) -> PageMetadata:
    """Read ``<stem>.meta.yaml`` beside ``page``; an absent file gives empty metadata.

    Raises :class:`SourceError` naming the sidecar and the bad field.
    """
    meta = page.with_name(page.name[: -len(page.suffix)] + META_SUFFIX) if page.suffix else None
    if meta is None or not meta.exists():
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
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror}") from exc
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


def iter_sources(paths: Iterable[str | Path]) -> Iterator[SourceDocument | SourceError]:
    """Yield each page as a :class:`SourceDocument`, or the :class:`SourceError` that stopped it.

    Errors are yielded, not raised, so one bad file never stops the others.
    Ids are made unique by suffixing ``-2``, ``-3`` … in path order.
    """
    seen: dict[str, int] = {}
    for path in discover(paths):
        base = doc_id(path)
        seen[base] = seen.get(base, 0) + 1
        id_ = base if seen[base] == 1 else f"{base}-{seen[base]}"
        try:
            yield read_source(path, id_)
        except SourceError as exc:
            yield exc
