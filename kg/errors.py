"""kg's exceptions: one root, a few meaningful subclasses.

    KgError                 any error kg reports to a user
    ├── SourceError         an input file cannot be read or decoded (path, line)
    ├── GazetteerError      a gazetteer table is malformed (path, line)
    ├── CuratedError        a curated YAML file is invalid (path, line, field)
    ├── QueryError          a SPARQL query cannot be parsed or run
    └── ValidationError     an exported graph violates the SHACL shapes

Every message names the file (and line or record where known) and says what
to do; the CLI prints it on one line and exits non-zero.
"""

from __future__ import annotations


class KgError(Exception):
    """Root of kg's errors. ``str(err)`` is a complete one-line message."""

    exit_code = 1


class SourceError(KgError):
    """An input file cannot be read or decoded.

    ``path`` is the file, ``line`` the 1-based line (or JSONL record) if known.
    """

    exit_code = 3

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class GazetteerError(SourceError):
    """A gazetteer table (``--gazetteer FILE``) has a malformed row."""

    exit_code = 4


class CuratedError(SourceError):
    """A curated YAML file is invalid; the build goes on without it."""

    exit_code = 5


class QueryError(KgError):
    """A SPARQL query is malformed, or a saved query or parameter is unknown."""

    exit_code = 6


class ValidationError(KgError):
    """An exported graph violates the SHACL shapes in ``schema/shapes.ttl``."""

    exit_code = 7
