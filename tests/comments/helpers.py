"""Shared pieces of the comment tests: a pushed article the outbox knows, cards, rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.delivery.sender import Sender
from storage.db import Database
from storage.enums import Audience, DeliveryStatus, MessageKind, Role
from storage.models import Admin, Comment, Delivery
from tests.harness import BotHarness
from tests.sandbox import SentMessage

ADMIN_CHAT = -100777
OWNER = 9001
HOSTILE = "<script>alert(1)</script> & <b>"


async def pushed(bot: BotHarness, chat_id: int, article_id: int = 7, **kw: object) -> SentMessage:
    """An article pushed to ``chat_id`` and recorded in the outbox as the sender records it."""
    push = await bot.push_article(chat_id, article_id, **kw)  # type: ignore[arg-type]
    await record_sent(bot.database, chat_id, push.message_id, article_id)
    return push


async def record_sent(
    database: Database,
    chat_id: int,
    message_id: int,
    article_id: int,
    audience: Audience = Audience.INSTANT,
) -> None:
    async with database.session() as session:
        session.add(
            Delivery(
                article_id=article_id, chat_id=chat_id, kind=audience,
                message_kind=MessageKind.ARTICLE, status=DeliveryStatus.SENT,
                message_id=message_id, sent_at=datetime.now(UTC),
            )
        )  # fmt: skip


async def grant(database: Database, user_id: int, role: Role = Role.MODERATOR) -> None:
    async with database.session() as session:
        session.add(Admin(user_id=user_id, role=role.value))


async def stored_comments(database: Database) -> list[Comment]:
    async with database.session() as session:
        return list((await session.scalars(select(Comment).order_by(Comment.id))).all())


async def rows(database: Database, kind: MessageKind) -> list[Delivery]:
    async with database.session() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.message_kind == kind).order_by(Delivery.id)
        )
        return list(found.all())


async def drain(sender: Sender) -> None:
    """Send (and edit) everything due in the outbox now."""
    for _ in range(20):
        if await sender.run_once() == 0:
            return
    raise AssertionError("the outbox did not settle")


def buttons_of(message: SentMessage) -> list[str]:
    markup = message.reply_markup or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]
