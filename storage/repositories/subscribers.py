"""Subscribers: who receives news, in which language, with which preferences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Subscriber, SubscriberTopic, utcnow


async def subscribe(
    session: AsyncSession,
    chat_id: int,
    *,
    chat_type: str = "private",
    language: str = "vi",
    username: str | None = None,
    first_name: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> tuple[Subscriber, bool]:
    """Subscribe a chat to all news (or re-activate it); returns (subscriber, newly_active).

    ``source`` (where the reader came from) is kept from the first time one was known.
    """
    now = now or utcnow()
    subscriber = await session.get(Subscriber, chat_id)
    if subscriber is None:
        subscriber = Subscriber(
            chat_id=chat_id,
            chat_type=chat_type,
            language=language,
            username=username,
            first_name=first_name,
            source=source,
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(subscriber)
        await session.flush()
        return subscriber, True
    was_active = subscriber.active
    subscriber.active = True
    subscriber.inactive_reason = None
    subscriber.username = username
    subscriber.first_name = first_name
    if subscriber.source is None:
        subscriber.source = source
    subscriber.updated_at = now
    return subscriber, not was_active


async def get(session: AsyncSession, chat_id: int) -> Subscriber | None:
    return await session.get(Subscriber, chat_id)


async def deactivate(
    session: AsyncSession, chat_id: int, reason: str, *, now: datetime | None = None
) -> None:
    """Stop sending to a chat (it left, blocked the bot or unsubscribed)."""
    await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id)
        .values(active=False, inactive_reason=reason[:200], updated_at=now or utcnow())
    )


async def deactivate_if_active(
    session: AsyncSession, chat_id: int, reason: str, *, now: datetime | None = None
) -> bool:
    """Deactivate a chat only if it is active; returns whether it was.

    One conditional UPDATE rather than read-then-write: two /stop racing each other (or a
    /stop racing a block) deactivate once, and exactly one of them learns it did.
    """
    result = await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id, Subscriber.active.is_(True))
        .values(active=False, inactive_reason=reason[:200], updated_at=now or utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


async def count_active(session: AsyncSession) -> int:
    result = await session.execute(
        select(func.count()).select_from(Subscriber).where(Subscriber.active.is_(True))
    )
    return int(result.scalar_one())


async def change_settings(
    session: AsyncSession,
    chat_id: int,
    values: Mapping[str, object],
    *,
    now: datetime | None = None,
) -> bool:
    """Set settings columns of an active subscriber; False when the chat is not subscribed.

    Only delivery preferences may change here (a typo in a column name must fail, not store).
    """
    unknown = set(values) - _SETTINGS
    if unknown:
        raise ValueError(f"not subscriber settings: {sorted(unknown)}")
    result = await session.execute(
        update(Subscriber)
        .where(Subscriber.chat_id == chat_id, Subscriber.active.is_(True))
        .values(**values, updated_at=now or utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


_SETTINGS = frozenset(
    {"language", "instant", "wants_images", "all_topics", "quiet_start", "quiet_end", "digest_at"}
    # Where the next digest's window starts, set with a new digest time (bot.services.digest).
    | {"last_digest_at"}
)


async def topic_count(session: AsyncSession, chat_id: int) -> int:
    """How many topics a subscriber chose (meaningful when ``all_topics`` is off)."""
    result = await session.execute(
        select(func.count()).select_from(SubscriberTopic).where(SubscriberTopic.chat_id == chat_id)
    )
    return int(result.scalar_one())


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """A reader's quiet hours: minutes after local midnight in ``timezone`` (None: the
    station's), ``start`` up to ``end``, possibly wrapping midnight."""

    start: int
    end: int
    timezone: str | None


async def quiet_windows(session: AsyncSession, chat_ids: Iterable[int]) -> dict[int, QuietWindow]:
    """The quiet hours of those chats that have some: one query for a sender's batch."""
    chats = list(set(chat_ids))
    if not chats:
        return {}
    rows = await session.execute(
        select(
            Subscriber.chat_id, Subscriber.quiet_start, Subscriber.quiet_end, Subscriber.timezone
        ).where(
            Subscriber.chat_id.in_(chats),
            Subscriber.quiet_start.is_not(None),
            Subscriber.quiet_end.is_not(None),
        )
    )
    return {
        int(chat): QuietWindow(int(start), int(end), zone) for chat, start, end, zone in rows.all()
    }


async def language_of(session: AsyncSession, chat_id: int) -> str | None:
    """The language a chat chose (or was subscribed in); None for a chat the bot never had."""
    found = await session.scalar(select(Subscriber.language).where(Subscriber.chat_id == chat_id))
    return str(found) if found is not None else None
