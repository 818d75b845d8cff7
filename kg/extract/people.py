"""People: correspondents, reporters and photographers from datelines and photo credits.

The layout stage parses ``本报鱼台讯（通讯员 李雷 刘创）`` and ``■通讯员 张雅 摄``
into :class:`kg.models.Byline` objects with spans; each becomes a Person mention.
"""

from __future__ import annotations

from kg.models import Article, Mention


def extract_people(article: Article) -> list[Mention]:
    """One Person mention per byline; ``subtype`` is the role (通讯员, 记者, 摄影)."""
    return [Mention(article_id=article.id, span=b.span, surface=article.text[b.span.start:b.span.end],
                    type="Person", subtype=b.role, name=b.name, rule="byline")
            for b in article.bylines if b.span is not None]
