"""Chat-level facts that span subscribers and channels: gone chats and migrated groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Channel, ChannelTopic, Subscriber, SubscriberTopic
from storage.repositories import channels, deliveries, subscribers


async def mark_unreachable(
    session: AsyncSession, chat_id: int, reason: str, *, now: datetime | None = None
) -> int:
    """The chat blocked the bot, was deleted or kicked it: stop sending and cancel its queue.

    Returns the number of waiting deliveries cancelled.
    """
    await subscribers.deactivate(session, chat_id, reason, now=now)
    await channels.deactivate(session, chat_id, reason)
    return await deliveries.cancel_chat(session, chat_id, reason)


async def migrate(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup with a new id: move its subscription and its queue.

    Rows are copied then deleted (not re-keyed in place) because topic rows refer to the id.
    """
    for model, link in ((Subscriber, SubscriberTopic), (Channel, ChannelTopic)):
        old = await session.get(model, old_chat_id)
        if old is None or await session.get(model, new_chat_id) is not None:
            continue
        values = {c.key: getattr(old, c.key) for c in model.__mapper__.column_attrs}
        values["chat_id"] = new_chat_id
        if model is Subscriber:
            values["chat_type"] = "supergroup"
        await session.execute(insert(model).values(**values))
        topic_ids = (
            await session.scalars(select(link.topic_id).where(link.chat_id == old_chat_id))
        ).all()
        for topic_id in topic_ids:
            await session.execute(insert(link).values(chat_id=new_chat_id, topic_id=topic_id))
        await session.execute(delete(link).where(link.chat_id == old_chat_id))
        await session.execute(delete(model).where(model.chat_id == old_chat_id))
        session.expunge_all()
    await deliveries.move_chat(session, old_chat_id, new_chat_id)
