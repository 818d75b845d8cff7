"""Lexicons for extraction, read once from ``kg/data``.

Each data file starts with ``#`` lines saying what it holds and where it came
from; code holds no long literal lists (STYLE.md).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files("kg.data").joinpath(name).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@cache
def words(name: str) -> tuple[str, ...]:
    """A one-word-a-line list from ``kg/data/<name>``, longest first."""
    return tuple(sorted({ln.strip() for ln in _lines(name)}, key=lambda w: (-len(w), w)))


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a CSV table in ``kg/data/<name>`` (after its ``#`` header), as dicts."""
    return tuple(dict(r) for r in csv.DictReader(_lines(name)))
