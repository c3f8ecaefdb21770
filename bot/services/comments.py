"""Reader comments. For now only what the 💬 button needs: comments open soon (issue 9)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from storage.db import Database
from storage.models import Article


class Opening(StrEnum):
    """What tapping 💬 under an article leads to."""

    SOON = "soon"  # the article exists; commenting is not open yet
    ARTICLE_GONE = "article_gone"  # a stale button: the article is no longer stored


class Comments:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def open_for(self, article_id: int) -> Opening:
        """What a reader who tapped 💬 under ``article_id`` gets."""
        async with self._database.session() as session:
            # A key lookup, not session.get: that would also load the article's topics.
            found = await session.scalar(select(Article.id).where(Article.id == article_id))
        return Opening.SOON if found is not None else Opening.ARTICLE_GONE
