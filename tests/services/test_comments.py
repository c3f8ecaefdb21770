"""The comments service without Telegram: prompts expire on the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.comments import Comments, Incoming, Opening, Writer
from bot.services.moderation import Moderation, Publisher
from bot.services.outbox import Outbox
from storage.db import Database
from storage.enums import CommentSource
from tests.services.test_subscriptions import seed_article

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def comments_on(database: Database, clock: Clock) -> Comments:
    outbox = Outbox(database, clock=clock)
    publisher = Publisher(outbox, relay_enabled=False)
    moderation = Moderation(database, outbox, publisher, admin_chat_id=None, clock=clock)
    return Comments(database, moderation, publisher, clock=clock)


async def test_a_prompt_opens_for_a_stored_article_only_and_expires_after_ten_minutes(
    database: Database,
) -> None:
    await seed_article(database, 7)
    clock = Clock()
    comments = comments_on(database, clock)
    assert (await comments.invite(1001, 8, CommentSource.BUTTON)).opening is Opening.ARTICLE_GONE
    assert (await comments.invite(1001, 7, CommentSource.BUTTON)).opening is Opening.PROMPT
    lan = Writer(1001, 1001, "Lan")
    clock.now = T0 + timedelta(minutes=9, seconds=59)
    assert await comments.receive(Incoming(lan, "Kịp lúc")) is not None
    await comments.invite(1001, 7, CommentSource.BUTTON)
    clock.now += timedelta(minutes=10)
    assert await comments.receive(Incoming(lan, "Quá muộn")) is None
