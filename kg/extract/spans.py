"""Fast tests of a span against a set of half-open character spans (taken mentions, quotes).

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
