"""The build manifest: what the last build into a folder read and wrote, so that an unchanged rebuild does nothing.

After a build, ``OUT/.kg-build.json`` records

* ``inputs``: a SHA-256 digest of everything the files can depend on: the bytes and relative path of
  every file under each source path (any file, not only those a build reads: a sidecar, a curated
  file, a file an ``--include`` glob leaves out), the ``--gazetteer`` table's bytes, the options that
  change a file (base IRI, provenance, formats, globs, ``--strict``, the store folder), every file of
  the installed ``kg`` package (code, data, schema) and the name and version of every installed
  Python distribution (a new rdflib or NetworkX may write other bytes), and Python's version;
* ``outputs``: each file written (and a store's marker file) with its size and modification time in
  nanoseconds, as ``os.stat`` gives them;
* what the build reported: counts, problems, the validation scope.

A build whose inputs digest equals the manifest's, with every recorded file still there at the same
size and time, is up to date (:func:`up_to_date`): the build returns the recorded report and writes
nothing. Anything else, including a manifest that cannot be read, means a full build. This is how
``make`` decides too (sizes and times of the outputs, digests of the inputs); an output edited in
place, even to the same size, gets a new modification time.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import kg
from kg.cache import fingerprint

MANIFEST_FILE = ".kg-build.json"
"""The manifest's name inside the output folder."""

_VERSION = 1  # of the manifest's layout; another value is read as no manifest
_SKIPPED_DIRS = {"__pycache__", ".git"}


def _files(root: Path, skip: tuple[Path, ...]) -> list[Path]:
    """Every file under ``root`` (``root`` itself if a file), sorted, outside the folders ``skip``
    and the names in ``_SKIPPED_DIRS``; symlinks followed, a folder reached twice (a link loop) walked once."""
    if not root.is_dir():
        return [root] if root.exists() else []
    found: list[Path] = []
    seen = {root.resolve(), *skip}
    for folder, dirs, names in os.walk(root, followlinks=True):
        here = Path(folder)
        keep = []
        for d in sorted(dirs):
            real = (here / d).resolve()
            if d not in _SKIPPED_DIRS and real not in seen:
                seen.add(real)
                keep.append(d)
        dirs[:] = keep
        found += [here / name for name in sorted(names)]
    return found


def _hash_file(h: Any, path: Path) -> None:
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").digest()
    h.update(len(digest).to_bytes(2, "big") + digest)


def _package_and_environment(h: Any) -> None:
    """kg's own files and the installed distributions' versions into ``h``."""
    root = Path(kg.__file__).resolve().parent
    for path in _files(root, ()):
        if path.suffix != ".pyc":
            h.update(str(path.relative_to(root)).encode() + b"\0")
            _hash_file(h, path)
    dists = sorted({(d.metadata["Name"] or "", d.version) for d in importlib.metadata.distributions()})
    h.update(json.dumps([sys.version, dists]).encode())


def inputs_digest(sources: Iterable[str | Path], out: str | Path, options: Mapping[str, Any],
                  gazetteer: str | Path | None = None, store: str | Path | None = None) -> str:
    """The hex SHA-256 digest of a build's inputs (see the module docstring): the files under each of
    ``sources`` (the output folder ``out`` and the ``store`` folder skipped where they lie inside one),
    the configuration the extraction cache keys on (:func:`kg.cache.fingerprint`: kg's version, its
    data files, the ``gazetteer`` table), ``options`` (JSON-serialisable values, keys sorted) and kg's package and
    environment. Raises ``OSError`` if a file cannot be read."""
    h = hashlib.sha256(f"kg build inputs {_VERSION}\n".encode())
    skip = tuple(Path(p).resolve() for p in (out, store) if p is not None)
    for source in sources:
        root = Path(source).resolve()
        h.update(b"source\0" + str(root).encode() + b"\0")
        for path in _files(root, skip):
            h.update(str(path.relative_to(root) if path != root else Path(path.name)).encode() + b"\0")
            _hash_file(h, path)
    h.update(b"config\0" + fingerprint(gazetteer).encode())  # the extraction cache's: version, data, table
    h.update(json.dumps(dict(options), sort_keys=True, ensure_ascii=False, default=str).encode())
    _package_and_environment(h)
    return h.hexdigest()


def _stat(path: Path) -> list[int] | None:
    """``[size, mtime_ns]`` of ``path`` (of its store marker for a store folder), None if it is missing."""
    from kg.store import STORE_MARKER

    target = path / STORE_MARKER if path.is_dir() else path
    try:
        st = target.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def write_manifest(out_dir: str | Path, inputs: str, outputs: Mapping[str, Path], counts: Mapping[str, int],
                   problems: list[str], validated: str) -> Path:
    """Record a finished build in ``out_dir/.kg-build.json`` (written to a temporary file, then
    renamed: a reader never sees half a manifest). Raises ``OSError`` if it cannot be written."""
    out = Path(out_dir)
    where = out.resolve()
    files = {name: [path.name if path.resolve().parent == where else str(path.resolve()), _stat(path)]
             for name, path in sorted(outputs.items())}  # a name alone: a file of the output folder
    record = {"version": _VERSION, "inputs": inputs, "outputs": files,
              "counts": dict(counts), "problems": list(problems), "validated": validated}
    tmp = out / f"{MANIFEST_FILE}.{os.getpid()}.tmp"  # opened as any output is: the same permissions
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, out / MANIFEST_FILE)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out / MANIFEST_FILE


def forget(out_dir: str | Path) -> None:
    """Remove ``out_dir``'s manifest, if any (before a build changes the files it describes)."""
    (Path(out_dir) / MANIFEST_FILE).unlink(missing_ok=True)


def up_to_date(out_dir: str | Path, inputs: str) -> dict[str, Any] | None:
    """The manifest of ``out_dir`` if its build had the digest ``inputs`` and every file it recorded is
    there with the size and modification time it had; else None (no manifest, an unreadable or
    foreign one, other inputs, a file missing or changed). The manifest's ``outputs`` come back as
    ``{name: Path}``, under ``out_dir`` as given."""
    try:
        record = json.loads((Path(out_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
        if record.get("version") != _VERSION or record.get("inputs") != inputs:
            return None
        outputs = {name: Path(out_dir) / path for name, (path, _) in record["outputs"].items()}
        if not outputs or any(_stat(outputs[name]) != stat for name, (_, stat) in record["outputs"].items()):
            return None
        record["outputs"] = outputs
        return dict(record)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
