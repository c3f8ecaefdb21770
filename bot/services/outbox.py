"""The outbox as a use case: queue a message of any kind for some chats, change it later, and
tell the sender to look now. Callers never build rows, refs' uniqueness rules or priorities.

Everything here goes through ``storage.repositories.deliveries``; the sender
(``bot.delivery.sender``) then sends every kind alike, paced, retried and recorded once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.i18n import Deferred
from storage.db import Database
from storage.enums import Audience, MessageKind
from storage.models import utcnow
from storage.repositories import deliveries


def notice(message: Deferred, url: str | None = None) -> dict[str, Any]:
    """A notice payload: a catalogue message (``bot.i18n.deferred("key", …)``, its parameters
    escaped when rendered) and an optional 📖 link."""
    payload: dict[str, Any] = message.to_json()
    if url is not None:
        payload["url"] = url
    return payload


class Outbox:
    """Queue messages (not articles: the ingest service enqueues those) and wake the sender."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self._wake = wake

    def on_enqueue(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` (the sender's) after every enqueue, so new rows go out at once."""
        self._wake = wake

    async def send(
        self,
        kind: MessageKind,
        chat_ids: Sequence[int],
        payload: Mapping[str, Any],
        *,
        ref: str,
        audience: Audience,
        locale: str = "vi",
        expires_at: datetime | None = None,
    ) -> int:
        """Queue ``payload`` for each chat once (a ``ref`` queued again adds nothing).

        Returns the number of messages queued.
        """
        async with self.database.session() as session:
            written = await deliveries.enqueue_message(
                session, kind, chat_ids, payload=payload, ref=ref, now=self.clock(),
                audience=audience, locale=locale, expires_at=expires_at,
            )  # fmt: skip
        if written and self._wake is not None:
            self._wake()
        return written

    async def to_subscribers(
        self,
        kind: MessageKind,
        payload: Mapping[str, Any],
        *,
        ref: str,
        topic_id: int | None = None,
        expires_at: datetime | None = None,
    ) -> int:
        """Queue ``payload`` for every active subscriber (or one topic's), after every other
        message; silent for readers in their quiet hours when it is sent (the sender decides).
        Returns the number queued."""
        async with self.database.session() as session:
            written = await deliveries.enqueue_to_subscribers(
                session, kind, payload=payload, ref=ref, now=self.clock(), topic_id=topic_id,
                expires_at=expires_at,
            )  # fmt: skip
        if written and self._wake is not None:
            self._wake()
        return written

    async def notify(
        self,
        chat_ids: Sequence[int],
        payload: Mapping[str, Any],
        *,
        ref: str,
        expires_at: datetime | None = None,
    ) -> int:
        """A notice (see :func:`notice`) to a few people who should see it first: admins.

        Goes out with replies' priority, ahead of pushes and broadcasts.
        """
        return await self.send(
            MessageKind.NOTICE, chat_ids, payload, ref=ref, audience=Audience.REPLY,
            expires_at=expires_at,
        )  # fmt: skip

    async def edit(
        self,
        kind: MessageKind,
        ref: str,
        payload: Mapping[str, Any],
        *,
        chat_id: int | None = None,
    ) -> int:
        """Change a queued or sent message in place (a broadcast's progress, say).

        Returns the number of sent messages that will be edited.
        """
        async with self.database.session() as session:
            marked = await deliveries.request_edit(session, kind, ref, payload, chat_id=chat_id)
        if marked and self._wake is not None:
            self._wake()
        return marked

    async def progress(self, ref: str) -> dict[str, int]:
        """How many of a message's rows are pending, sent, failed… (keys are statuses)."""
        async with self.database.session() as session:
            counts = await deliveries.counts_by_status(session, ref=ref)
        return {status.value: n for status, n in counts.items()}
