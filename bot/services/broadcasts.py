"""Broadcasts as a use case: compose, preview, send through the outbox, report progress, cancel.

The conversation is stored per admin chat (``broadcasts`` rows), so a restart or another
replica does not lose it. Sending writes one outbox row per recipient with the lowest priority
(``Audience.BULK``), plus a progress message in the admin's chat with replies' priority; the
progress loop (:meth:`Broadcasts.run_forever`, leader-only) asks the outbox to edit that message
only when its text changes, and turns it into the final report when nothing is left to send.

Every admin action goes through :meth:`Broadcasts._audit`, the one call site for the audit log.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import deferred, format_number, t, tn
from bot.services.outbox import notice
from storage.db import Database
from storage.enums import Audience, AuditAction, BroadcastStatus, MessageKind
from storage.models import Broadcast, utcnow
from storage.repositories import audit as audit_log
from storage.repositories import broadcasts, deliveries
from storage.repositories.broadcasts import Tally, progress_ref_of, ref_of
from storage.repositories.deliveries import encode_payload

log = logging.getLogger(__name__)

# Telegram's limits for what a subscriber receives (bot.delivery.render has the same numbers;
# services may not import it, it imports Telegram).
TEXT_LIMIT = 4096
# How often the progress message may change: every 5 s is 12 edits a minute, within the 20 a
# minute Telegram allows in a group (the admin chat often is one) and 1 a second per chat.
PROGRESS_INTERVAL_S = 5.0
# After /broadcast the admin's next message is the announcement for this long: one written
# hours later was not meant as one (and an admin demoted meanwhile is not refused forever).
COMPOSE_TTL = timedelta(minutes=30)


class Begun(StrEnum):
    WAITING = "waiting"  # the next message in this chat is the announcement
    UNKNOWN_TOPIC = "unknown_topic"


class Composed(StrEnum):
    PREVIEW = "preview"
    EMPTY = "empty"  # no text, or a photo without a caption
    TOO_LONG = "too_long"


class Decided(StrEnum):
    STARTED = "started"  # Gửi: queued
    DISCARDED = "discarded"  # Hủy: nothing sent
    NOBODY = "nobody"  # Gửi, but no subscriber to send to
    BUSY = "busy"  # another broadcast is being sent: one at a time
    STALE = "stale"  # already sent or discarded (a second tap)
    INVALID = "invalid"  # no such broadcast in this chat: forged or foreign data


@dataclass(frozen=True, slots=True)
class Preview:
    """What the admin is shown before Gửi: the payload (rendered by the outbox's renderer)."""

    outcome: Composed
    broadcast_id: int = 0
    payload: dict[str, Any] | None = None
    recipients: int = 0
    topic: str | None = None

    @property
    def payload_text(self) -> str:
        """The payload as the outbox stores it (what the renderer reads)."""
        return encode_payload(self.payload or {})


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Decided
    recipients: int = 0


@dataclass(frozen=True, slots=True)
class Stopped:
    """What /broadcast cancel did: the broadcasts stopped and their rows cancelled."""

    broadcasts: int
    cancelled: int


def payload_of(broadcast: Broadcast) -> dict[str, Any]:
    """The outbox payload of MessageKind.BROADCAST (see bot.delivery.messages)."""
    payload: dict[str, Any] = {"text": broadcast.text or ""}
    if broadcast.photo:
        payload["photo"] = broadcast.photo
    return payload


def eta_text(tally: Tally, total: int, elapsed_s: float, locale: str) -> str:
    """'about 5 minutes left' from the pace so far; unknown until something went out."""
    left = max(total - tally.done - tally.cancelled, 0)
    if tally.done == 0 or elapsed_s <= 0:
        return t("broadcast.eta_unknown", locale)
    seconds = left * elapsed_s / tally.done
    if seconds < 60:
        return t("broadcast.eta_under_minute", locale)
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return tn("broadcast.eta_minutes", minutes, locale)
    return tn("broadcast.eta_hours", round(minutes / 60), locale)


def progress_payload(tally: Tally, total: int, elapsed_s: float, locale: str) -> dict[str, Any]:
    """'Đang gửi: 1.234/10.000 (12%) · lỗi 3 · còn khoảng 5 phút' as a notice payload."""
    percent = math.floor(100 * tally.done / total) if total else 100
    return notice(
        deferred(
            "broadcast.progress",
            done=format_number(tally.done, locale),
            total=format_number(total, locale),
            percent=format_number(percent, locale),
            errors=format_number(tally.errors, locale),
            eta=eta_text(tally, total, elapsed_s, locale),
        )
    )


def report_payload(tally: Tally, total: int, locale: str, *, cancelled: bool) -> dict[str, Any]:
    """The final report: sent, blocked, failed (and, after /broadcast cancel, not sent)."""
    numbers = {
        "sent": format_number(tally.sent, locale),
        "total": format_number(total, locale),
        "blocked": format_number(tally.blocked, locale),
        "failed": format_number(tally.failed, locale),
    }
    if cancelled:
        cancelled_n = format_number(tally.cancelled + tally.waiting, locale)
        return notice(deferred("broadcast.report_cancelled", cancelled=cancelled_n, **numbers))
    return notice(deferred("broadcast.report", **numbers))


class Broadcasts:
    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        interval_s: float = PROGRESS_INTERVAL_S,
    ) -> None:
        self.database = database
        self.clock = clock
        self.interval_s = interval_s
        self._wake: Callable[[], None] | None = None
        self._dropped: Callable[[str], None] | None = None

    def connect(self, *, wake: Callable[[], None], drop: Callable[[str], None]) -> None:
        """The sender in this process: look now, and forget a cancelled broadcast's rows it
        already claimed (up to a batch of 200, else sent after the cancel)."""
        self._wake, self._dropped = wake, drop

    # ------------------------------------------------------------------ the conversation

    async def begin(
        self, chat_id: int, user_id: int, locale: str, topic_slug: str | None = None
    ) -> tuple[Begun, str | None]:
        """/broadcast [topic <slug>]: the admin's next message in this chat is the text."""
        async with self.database.session() as session:
            topic_id, topic = None, None
            if topic_slug is not None:
                found = await broadcasts.topic_by_slug(session, topic_slug)
                if found is None:
                    return Begun.UNKNOWN_TOPIC, None
                topic_id, topic = found.id, found.name
            await broadcasts.start(
                session, chat_id=chat_id, user_id=user_id, topic_id=topic_id, locale=locale,
                now=self.clock(),
            )  # fmt: skip
        return Begun.WAITING, topic

    async def composing(self, chat_id: int, user_id: int) -> bool:
        """Whether this admin's next message in this chat is a broadcast's text."""
        async with self.database.session() as session:
            found = await broadcasts.open_in_chat(session, chat_id, user_id)
        return (
            found is not None
            and found.status is BroadcastStatus.COMPOSING
            and self.clock() - found.created_at < COMPOSE_TTL
        )

    async def compose(
        self, chat_id: int, user_id: int, text: str | None, photo: str | None
    ) -> Preview:
        """The announcement arrived: store it and say what the preview shows."""
        body = (text or "").strip()
        if not body:
            return Preview(Composed.EMPTY)
        if len(body.encode("utf-16-le")) // 2 > TEXT_LIMIT:
            return Preview(Composed.TOO_LONG)
        async with self.database.session() as session:
            draft = await broadcasts.open_in_chat(session, chat_id, user_id)
            if draft is None:
                return Preview(Composed.EMPTY)
            draft.text, draft.photo = body, photo
            draft.status = BroadcastStatus.DRAFT
            recipients = await broadcasts.audience_size(session, draft.topic_id)
            topic = await broadcasts.topic_name(session, draft.topic_id)
            return Preview(Composed.PREVIEW, draft.id, payload_of(draft), recipients, topic)

    async def decide(
        self, broadcast_id: int, chat_id: int, user_id: int, *, send: bool
    ) -> Decision:
        """Gửi or Hủy under the preview; a broadcast of another chat is invalid data."""
        async with self.database.session() as session:
            draft = await session.get(Broadcast, broadcast_id)
            if draft is None or draft.admin_chat_id != chat_id:
                return Decision(Decided.INVALID)
            if draft.status is not BroadcastStatus.DRAFT:
                return Decision(Decided.STALE)
            if not send:
                if await broadcasts.move(
                    session, draft.id, BroadcastStatus.DRAFT, BroadcastStatus.CANCELLED,
                    finished_at=self.clock(),
                ):  # fmt: skip
                    await self._audit(session, user_id, AuditAction.BROADCAST_DISCARD, draft, None)
                return Decision(Decided.DISCARDED)
            # Busy only for another broadcast: a second Gửi that read this draft just before
            # the first tap committed it finds this one sending (seen in CI on SQLite), and
            # _start's conditional move tells it that it is stale.
            if any(other.id != draft.id for other in await broadcasts.in_progress(session)):
                return Decision(Decided.BUSY)
            return await self._start(session, draft, user_id)

    async def _start(self, session: AsyncSession, draft: Broadcast, user_id: int) -> Decision:
        """Draft -> sending, its rows and the progress message in one transaction."""
        now = self.clock()
        if not await broadcasts.move(
            session, draft.id, BroadcastStatus.DRAFT, BroadcastStatus.SENDING, started_at=now
        ):
            return Decision(Decided.STALE)  # a second Gửi a moment after the first
        total = await deliveries.enqueue_to_subscribers(
            session, MessageKind.BROADCAST, payload=payload_of(draft), ref=ref_of(draft.id),
            now=now, topic_id=draft.topic_id,
        )  # fmt: skip
        if total == 0:
            await session.rollback()
            return Decision(Decided.NOBODY)
        progress = progress_payload(Tally(waiting=total), total, 0.0, draft.locale)
        draft.total, draft.progress_text = total, encode_payload(progress)
        await deliveries.enqueue_message(
            session, MessageKind.NOTICE, [draft.admin_chat_id], payload=progress,
            ref=progress_ref_of(draft.id), now=now, audience=Audience.REPLY,
            locale=draft.locale,
        )  # fmt: skip
        await self._audit(
            session, user_id, AuditAction.BROADCAST_SEND, draft, f"{total} recipients"
        )
        await session.commit()
        if self._wake is not None:
            self._wake()
        return Decision(Decided.STARTED, total)

    async def cancel_running(self, user_id: int) -> Stopped:
        """/broadcast cancel: stop every broadcast being sent; queued rows are cancelled."""
        stopped = cancelled = 0
        async with self.database.session() as session:
            for running in await broadcasts.in_progress(session):
                if not await broadcasts.move(
                    session, running.id, BroadcastStatus.SENDING, BroadcastStatus.CANCELLED,
                    finished_at=self.clock(),
                ):  # fmt: skip
                    continue
                cancelled += await broadcasts.cancel_rows(session, running.id)
                stopped += 1
                await self._audit(session, user_id, AuditAction.BROADCAST_CANCEL, running, None)
                if self._dropped is not None:
                    self._dropped(ref_of(running.id))
                await self._report(session, running, cancelled=True)
        return Stopped(stopped, cancelled)

    # ------------------------------------------------------------------ progress

    async def report_progress(self) -> int:
        """One round: edit each running broadcast's progress message if its text changed,
        end the ones with nothing left to send, and show ended ones' reports. Returns the
        broadcasts looked at."""
        async with self.database.session() as session:
            running = await broadcasts.to_report(session)
            for broadcast in running:
                if broadcast.status is not BroadcastStatus.SENDING:  # ended, report not shown
                    cancelled = broadcast.status is BroadcastStatus.CANCELLED
                    await self._report(session, broadcast, cancelled=cancelled)
                    continue
                tally = await broadcasts.tally(session, broadcast.id)
                if tally.waiting == 0:
                    if await broadcasts.move(
                        session, broadcast.id, BroadcastStatus.SENDING, BroadcastStatus.DONE,
                        finished_at=self.clock(),
                    ):  # fmt: skip
                        await self._report(session, broadcast, cancelled=False, tally=tally)
                    continue
                started = broadcast.started_at or self.clock()
                elapsed = (self.clock() - started).total_seconds()
                payload = progress_payload(tally, broadcast.total, elapsed, broadcast.locale)
                await self._show(session, broadcast, payload, BroadcastStatus.SENDING)
        return len(running)

    async def run_forever(self) -> None:
        """The progress loop (leader-only work): a round every ``interval_s``."""
        while True:
            try:
                await self.report_progress()
            except Exception:  # a database hiccup must not end the progress reports
                log.exception("broadcast progress round failed")
            await asyncio.sleep(self.interval_s)

    async def _report(
        self,
        session: AsyncSession,
        broadcast: Broadcast,
        *,
        cancelled: bool,
        tally: Tally | None = None,
    ) -> None:
        tally = tally or await broadcasts.tally(session, broadcast.id)
        payload = report_payload(tally, broadcast.total, broadcast.locale, cancelled=cancelled)
        ended = BroadcastStatus.CANCELLED if cancelled else BroadcastStatus.DONE
        await self._show(session, broadcast, payload, ended)

    async def _show(
        self,
        session: AsyncSession,
        broadcast: Broadcast,
        payload: dict[str, Any],
        status: BroadcastStatus,
    ) -> None:
        """Edit the progress message, only when the text changes: Telegram answers an edit to
        the same text with "message is not modified" (and it costs a send slot).

        Only a sent progress message is edited (a round before it went out changes nothing;
        the next one catches up). The text is stored with a conditional UPDATE on the status
        this round saw and on the text being new: a round that read "sending" just before
        /broadcast cancel committed then changes nothing (PostgreSQL re-checks the row after
        the cancel's lock), so a stale progress line never overwrites the report.
        """
        encoded = encode_payload(payload)
        if encoded == broadcast.progress_text or not await broadcasts.progress_shown(
            session, broadcast
        ):
            return
        final = status is not BroadcastStatus.SENDING
        if not await broadcasts.set_progress(session, broadcast.id, encoded, status, final=final):
            return
        marked = await deliveries.request_edit(
            session, MessageKind.NOTICE, progress_ref_of(broadcast.id), payload,
            chat_id=broadcast.admin_chat_id,
        )  # fmt: skip
        if marked and self._wake is not None:
            self._wake()

    # ------------------------------------------------------------------ audit

    async def _audit(
        self,
        session: AsyncSession,
        actor_id: int,
        action: AuditAction,
        broadcast: Broadcast,
        details: str | None,
    ) -> None:
        """The one call site for the audit log of broadcast actions, written with the action in
        its transaction."""
        await audit_log.add(
            session, actor_id=actor_id, action=action.value, target=ref_of(broadcast.id),
            details=None if details is None else {"value": details}, now=self.clock(),
        )  # fmt: skip
