"""What the 💬 button leads to until comments exist."""

from __future__ import annotations

from bot.services.comments import Comments, Opening
from storage.db import Database
from tests.services.test_subscriptions import seed_article


async def test_comments_open_soon_for_a_stored_article_only(database: Database) -> None:
    await seed_article(database, 7)
    comments = Comments(database)
    assert await comments.open_for(7) is Opening.SOON
    assert await comments.open_for(8) is Opening.ARTICLE_GONE
