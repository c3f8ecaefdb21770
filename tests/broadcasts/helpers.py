"""Shared pieces of the broadcast and /stats tests: the owner, readers, the outbox's rows."""

from __future__ import annotations

from sqlalchemy import select

from bot.callbacks import BroadcastButton, encode
from storage.db import Database
from storage.enums import MessageKind
from storage.models import Broadcast, Delivery
from tests.sandbox import Sandbox, SandboxUser, SentMessage

OWNER = 9001
READERS = [70_001, 70_002, 70_003]


def send_data(broadcast_id: int) -> str:
    return encode(BroadcastButton(broadcast_id, True))


def discard_data(broadcast_id: int) -> str:
    return encode(BroadcastButton(broadcast_id, False))


async def compose(sb: Sandbox, owner: SandboxUser, text: str) -> tuple[SentMessage, SentMessage]:
    """/broadcast, then the announcement: returns (preview, question with the buttons)."""
    await owner.send("/broadcast")
    await sb.wait_for_message(owner.chat_id)  # "send the announcement in your next message"
    await owner.send(text)
    preview, question = await sb.wait_for_message(owner.chat_id, count=2)
    return preview, question


def buttons(message: SentMessage) -> list[str]:
    return [b.get("callback_data", "") for b in message.buttons]


async def broadcasts(database: Database) -> list[Broadcast]:
    async with database.session() as session:
        return list((await session.scalars(select(Broadcast).order_by(Broadcast.id))).all())


async def rows(database: Database, kind: MessageKind | None = None) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id)
    if kind is not None:
        query = query.where(Delivery.message_kind == kind)
    async with database.session() as session:
        return list((await session.scalars(query)).all())
