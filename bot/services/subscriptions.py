"""Readers joining and leaving: the decisions behind /start and /stop."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.services.preferences import Preferences, ReaderSettings
from storage.db import Database
from storage.repositories import deliveries, subscribers

log = logging.getLogger(__name__)

UNSUBSCRIBED = "unsubscribed"


class Joined(StrEnum):
    """What /start did, which decides the greeting."""

    NEW = "new"  # never subscribed before
    RESUMED = "resumed"  # had left (/stop, blocked) and is back
    ALREADY = "already"  # was subscribed already


class Left(StrEnum):
    """What /stop did."""

    UNSUBSCRIBED = "unsubscribed"
    NOT_SUBSCRIBED = "not_subscribed"


@dataclass(frozen=True, slots=True)
class Reader:
    """The chat that sent /start, in plain terms (no Telegram types past the handler)."""

    chat_id: int
    chat_type: str = "private"
    language: str = "vi"
    username: str | None = None
    first_name: str | None = None
    source: str | None = None  # a /start deep link's src_<tag>, already sanitised


@dataclass(frozen=True, slots=True)
class Welcome:
    """What /start did and the settings the reader now has (old ones, for a returning reader)."""

    joined: Joined
    settings: ReaderSettings | None


class Subscriptions:
    def __init__(self, database: Database, preferences: Preferences | None = None) -> None:
        self._database = database
        self._preferences = preferences or Preferences(database)

    async def welcome(self, reader: Reader) -> Welcome:
        """Subscribe (or re-activate, keeping every preference) and say what the reader has."""
        joined = await self.subscribe(reader)
        return Welcome(joined, await self._preferences.current(reader.chat_id))

    async def is_subscribed(self, chat_id: int) -> bool:
        async with self._database.session() as session:
            found = await subscribers.get(session, chat_id)
            return found is not None and found.active

    async def subscribe(self, reader: Reader) -> Joined:
        """Subscribe the chat to all news, or re-activate it with its old preferences."""
        async with self._database.session() as session:
            existing = await subscribers.get(session, reader.chat_id)
            was_active = existing is not None and existing.active
            await subscribers.subscribe(
                session,
                reader.chat_id,
                chat_type=reader.chat_type,
                language=reader.language,
                username=reader.username,
                first_name=reader.first_name,
                source=reader.source,
            )
        if existing is None:
            return Joined.NEW
        return Joined.ALREADY if was_active else Joined.RESUMED

    async def unsubscribe(self, chat_id: int) -> Left:
        """Stop news to the chat and cancel what is still queued for it.

        Check-then-deactivate is one conditional UPDATE, so a reader who was not subscribed is
        told so and nothing changes. Queued pushes are cancelled in the same transaction: a
        reader who said /stop must not get another headline from a fan-out already under way.
        """
        async with self._database.session() as session:
            if not await subscribers.deactivate_if_active(session, chat_id, UNSUBSCRIBED):
                return Left.NOT_SUBSCRIBED
            cancelled = await deliveries.cancel_chat(session, chat_id, UNSUBSCRIBED)
        log.info("chat %s unsubscribed; %d queued deliveries cancelled", chat_id, cancelled)
        return Left.UNSUBSCRIBED
