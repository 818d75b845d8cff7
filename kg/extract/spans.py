"""Spans in extraction: fast tests against a set of half-open character spans, and mentions built
with their span in one validation.

The extractors ask, for each candidate, whether an earlier mention already
covers it or overlaps it; a linear ``any(...)`` over every taken span costs
O(n) per candidate. :class:`Spans` answers both questions exactly in
O(log n) from the spans sorted by start and the running maximum of their ends
(the spans may overlap and come in any order).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate
from operator import attrgetter
from typing import Any

from kg.models import Mention

BY_SPAN = attrgetter("span.start", "span.end")
"""Sort key of mentions and quantities: ``(span.start, span.end)``."""


class Spans:
    """A fixed set of half-open spans ``[a, b)`` (character offsets) with containment and overlap tests."""

    __slots__ = ("_starts", "_max_end")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [a for a, _ in ordered]
        self._max_end = list(accumulate((b for _, b in ordered), max))

    def contains(self, start: int, end: int) -> bool:
        """Whether one span ``[a, b)`` holds ``[start, end)``: ``a <= start and end <= b``."""
        i = bisect_right(self._starts, start)
        return i > 0 and self._max_end[i - 1] >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Whether one span ``[a, b)`` overlaps ``[start, end)``: ``a < end and start < b``."""
        i = bisect_left(self._starts, end)
        return i > 0 and self._max_end[i - 1] > start


def mention(start: int, end: int, **fields: Any) -> Mention:
    """A :class:`kg.models.Mention` of the span ``[start, end)`` and the other ``fields``.

    Validated like ``Mention(span=Span(start=start, end=end), **fields)`` and equal to it, but in
    one pass (the span given as a dict is validated inside the mention's validation), which
    costs about a microsecond less per mention. Raises pydantic's ``ValidationError`` as that would.
    """
    fields["span"] = {"start": start, "end": end}
    return Mention.model_validate(fields)
