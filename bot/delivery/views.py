"""The articles of a claimed batch as the renderer sees them, loaded once per batch.

A batch of a broadcast or a push holds one article for hundreds of rows: its row, its topics
and its approved comment count are read once (one SELECT and one grouped COUNT), and every row
renders from the same :class:`~bot.delivery.render.ArticleView`.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery.render import ArticleView
from storage.db import Database
from storage.models import Article
from storage.repositories import comments


async def load_views(database: Database, article_ids: set[int]) -> dict[int, ArticleView]:
    """The views of those articles that still exist, by id."""
    if not article_ids:
        return {}
    async with database.session() as session:
        found = (
            await session.scalars(select(Article).where(Article.id.in_(list(article_ids))))
        ).all()
        # One grouped COUNT per batch (a batch of a broadcast holds one article).
        counts = await comments.approved_counts(session, list(article_ids))
        return {article.id: article_view(article, counts.get(article.id, 0)) for article in found}


def article_view(article: Article, comments: int = 0) -> ArticleView:
    return ArticleView(
        id=article.id,
        title=article.title,
        url=article.url,
        summary=article.summary,
        topics=tuple((t.name, t.slug) for t in article.topics),
        published_at=article.published_at,
        image_url=article.image_url,
        revision=article.revision,
        comments=comments,
        video_url=article.video_url,
        video_size=article.video_size,
    )
