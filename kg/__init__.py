"""kg: knowledge graphs of Chinese local-government news.

Notebook use::

    from kg import build
    report = build(["sources"], out="outputs")
"""

from __future__ import annotations

__version__ = "0.1.0"
