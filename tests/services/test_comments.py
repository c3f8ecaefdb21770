"""The comments service without Telegram: prompts on the clock passed in, auto-approval."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.comment_rules import CommentRules, Verdict
from bot.services.comments import Comments, Incoming, Opening, Writer
from bot.services.moderation import Moderation, Publisher
from bot.services.outbox import Outbox
from storage.db import Database
from storage.enums import (
    Audience,
    CommentSource,
    CommentStatus,
    DeliveryStatus,
    ModerationAction,
    RelayStatus,
)
from storage.models import Comment, Delivery
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
    late = await comments.receive(Incoming(lan, "Quá muộn"))
    assert late is not None and late.verdict is Verdict.PROMPT_EXPIRED
    assert await comments.receive(Incoming(lan, "Chuyện khác")) is None
    await comments.invite(1001, 7, CommentSource.BUTTON)
    clock.now += timedelta(minutes=10, hours=1)  # long after: just a message
    assert await comments.receive(Incoming(lan, "Hôm sau")) is None


async def test_two_taps_at_once_open_one_prompt(database: Database) -> None:
    await seed_article(database, 7)
    await seed_article(database, 8)
    comments = comments_on(database, Clock())
    opened = await asyncio.gather(
        comments.invite(1001, 7, CommentSource.BUTTON),
        comments.invite(1001, 8, CommentSource.BUTTON),
    )
    assert [o.opening for o in opened] == [Opening.PROMPT, Opening.PROMPT]
    received = await comments.receive(Incoming(Writer(1001, 1001, "Lan"), "Một bình luận"))
    assert received is not None and received.verdict is Verdict.HELD


async def test_a_trusted_reader_is_approved_at_once_and_published(database: Database) -> None:
    await seed_article(database, 7)
    clock = Clock()
    outbox = Outbox(database, clock=clock)
    publisher = Publisher(outbox, relay_enabled=True)
    moderation = Moderation(database, outbox, publisher, admin_chat_id=-100777, clock=clock)
    rules = CommentRules(auto_approve_after=1)
    comments = Comments(database, moderation, publisher, rules, clock=clock)
    lan = Writer(1001, 1001, "Lan")
    await comments.invite(1001, 7, CommentSource.BUTTON)
    first = await comments.receive(Incoming(lan, "Lần đầu: chờ duyệt"))
    assert first is not None and first.verdict is Verdict.HELD and first.comment_id
    await moderation.decide(first.comment_id, ModerationAction.APPROVE, moderator_id=9,
                            moderator_name="Mai")  # fmt: skip
    await comments.invite(1001, 7, CommentSource.BUTTON)
    second = await comments.receive(Incoming(lan, "Lần hai: đăng ngay"))
    await comments.invite(1001, 7, CommentSource.BUTTON)
    with_link = await comments.receive(Incoming(lan, "Xem thêm ở www.example.com"))
    assert second is not None and second.verdict is Verdict.APPROVED
    assert with_link is not None and with_link.verdict is Verdict.HELD
    async with database.session() as session:
        stored = await session.get(Comment, second.comment_id)
        cards = (
            await session.scalars(select(Delivery.ref).where(Delivery.chat_id == -100777))
        ).all()
    assert stored is not None and stored.status is CommentStatus.APPROVED
    assert stored.relay_status is RelayStatus.QUEUED
    assert sorted(cards) == [
        f"comment-card:{first.comment_id}",
        f"comment-card:{with_link.comment_id}",
    ]


async def test_a_rejection_tells_the_author_without_the_moderators_name(
    database: Database,
) -> None:
    await seed_article(database, 7)
    clock = Clock()
    comments = comments_on(database, clock)
    await comments.invite(1001, 7, CommentSource.BUTTON)
    received = await comments.receive(Incoming(Writer(1001, 1001, "Lan"), "Không phù hợp"))
    assert received is not None and received.comment_id is not None
    moderation = comments._moderation  # the service's own collaborator
    await moderation.decide(received.comment_id, ModerationAction.REJECT, moderator_id=9,
                            moderator_name="Mai Biên Tập")  # fmt: skip
    async with database.session() as session:
        [told] = (await session.scalars(select(Delivery).where(Delivery.chat_id == 1001))).all()
    assert told.payload is not None and "comments.rejected_notice" in told.payload
    assert "Mai" not in told.payload


async def test_eight_comments_sent_at_once_store_five(database: Database) -> None:
    await seed_article(database, 7)
    async with database.session() as session:  # the push they all reply to
        session.add(Delivery(article_id=7, chat_id=1001, kind=Audience.INSTANT,
                             status=DeliveryStatus.SENT, message_id=55))  # fmt: skip
    comments = comments_on(database, Clock())
    lan = Writer(1001, 1001, "Lan")
    received = await asyncio.gather(
        *(comments.receive(Incoming(lan, f"Cùng lúc {n}", replied_to=55)) for n in range(8))
    )
    verdicts = [r.verdict if r else None for r in received]
    async with database.session() as session:
        stored = (await session.scalars(select(Comment.id))).all()
    assert len(stored) == 5 and verdicts.count(Verdict.PER_MINUTE) == 3, verdicts


async def test_twelve_comments_at_once_through_three_processes_store_five(
    database: Database,
) -> None:
    # Three bots on one PostgreSQL database (webhook updates of one reader can reach either);
    # SQLite allows one process per file, and its one process has the in-process lock.
    if database.is_sqlite:
        pytest.skip("SQLite allows one bot process per file (instance lock); PostgreSQL only")
    await seed_article(database, 7)
    async with database.session() as session:
        session.add(Delivery(article_id=7, chat_id=1001, kind=Audience.INSTANT,
                             status=DeliveryStatus.SENT, message_id=55))  # fmt: skip
    others = [Database(database.url), Database(database.url)]
    try:
        processes = [comments_on(db, Clock()) for db in (database, *others)]
        lan = Writer(1001, 1001, "Lan")
        received = await asyncio.gather(
            *(
                processes[n % 3].receive(Incoming(lan, f"Cùng lúc {n}", replied_to=55))
                for n in range(12)
            )
        )
    finally:
        for db in others:
            await db.dispose()
    verdicts = [r.verdict if r else None for r in received]
    async with database.session() as session:
        stored = (await session.scalars(select(Comment.id))).all()
    assert len(stored) == 5 and verdicts.count(Verdict.PER_MINUTE) == 7, verdicts
