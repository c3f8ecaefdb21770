"""The sender: claims due outbox rows, paces them through the limiter, records every outcome.

Crash safety rests on three rules: a row is leased before it is sent; an outcome is written
soon after the call returns (in small batches); an expired lease makes a row claimable again.
So only messages in flight, or sent but not yet recorded, can be repeated after a crash:
at most ``in_flight + record_batch`` of them.

This module is the claiming and the scheduling of a batch (one call per chat at a time, the
limiter's pace, busy chats deferred, a video's other rows held for its upload). One row's
calls are ``bot.delivery.send_calls``; outcomes and what they leave behind are
``bot.delivery.bookkeeping``; the batch's articles are loaded by ``bot.delivery.views``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Bot

from bot.delivery import ledger
from bot.delivery.bookkeeping import Books
from bot.delivery.ledger import Outcome, Result
from bot.delivery.limiter import RateLimiter
from bot.delivery.outcome import expired_reason, is_expired
from bot.delivery.quiet import QUIETABLE
from bot.delivery.render import ArticleView
from bot.delivery.send_calls import SendCalls
from bot.delivery.stall import StallAlarm, StallWatch
from bot.delivery.video import UPLOAD_LIMIT, How, Limits, Videos, upload_limit_for
from bot.delivery.video_send import held_outcome, hold_for_upload, video_of
from bot.delivery.views import load_views
from config.settings import Settings
from storage.db import Database
from storage.enums import MessageKind
from storage.models import utcnow
from storage.repositories import deliveries, digests, subscribers
from storage.repositories.deliveries import Claimed

_ARTICLE = MessageKind.ARTICLE
_DIGEST = MessageKind.DIGEST


@dataclass(frozen=True, slots=True)
class SenderConfig:
    in_flight: int = 32  # concurrent Bot API calls
    batch: int = 200  # rows claimed at once
    record_batch: int = 16  # outcomes written per transaction
    lease: timedelta = timedelta(seconds=120)
    idle_poll_s: float = 1.0  # how often an idle sender looks for due rows
    defer_after_s: float = 3.0  # a chat not ready for this long goes back to the queue
    paid_broadcast: bool = False  # allow_paid_broadcast: Telegram's 1000/s mode
    timezone: str = "Asia/Ho_Chi_Minh"
    # No successful send for this long while messages wait tells the admins (once).
    stall_alert_after: timedelta = timedelta(seconds=300)
    alert_locale: str = "vi"  # language of the admins' alerts
    video_upload_limit: int = UPLOAD_LIMIT  # 2,000 MB through a local Bot API server

    @classmethod
    def from_settings(cls, settings: Settings) -> SenderConfig:
        """The operator's settings that shape sending (the send timeout is the Bot's)."""
        return cls(
            paid_broadcast=settings.paid_broadcast,
            timezone=settings.timezone,
            stall_alert_after=timedelta(seconds=settings.send_stall_alert_after),
            alert_locale=settings.locale,
            video_upload_limit=upload_limit_for(settings.telegram_api_url),
        )


class Sender:
    """One sender per process; on PostgreSQL several may run side by side."""

    def __init__(
        self,
        database: Database,
        bot: Bot,
        limiter: RateLimiter,
        *,
        config: SenderConfig | None = None,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        alert: Callable[[str], Awaitable[None]] | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.database = database
        self.bot = bot
        self.limiter = limiter
        self.config = config or SenderConfig()
        self.owner = owner or ledger.default_owner()
        self.clock = clock
        self.sleep = sleep  # waits for a busy chat; tests pass the limiter's fake sleep
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(self.config.in_flight)
        # Chats with a call in flight: one call per chat at a time, so a 429 or a 403 is known
        # before the chat's next message goes, and a chat's messages keep their order.
        self._busy: set[int] = set()
        self._finished = asyncio.Event()  # set whenever a call ends
        # Refs of messages cancelled while this sender held their rows (a stopped broadcast):
        # rows of them still in a claimed batch are cancelled, not sent.
        self._dropped: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.rng = rng  # backoff jitter
        self.stall = StallAlarm(
            StallWatch(self.config.stall_alert_after),
            backlog=lambda now: ledger.backlog(database, now),
            resume=lambda now: ledger.resume_retries(database, now),
            alert=alert,
            locale=self.config.alert_locale,
        )
        # Bulletins: how each video URL is sent (file_id, URL, one upload, or text).
        self.videos = Videos(database, limits=Limits(upload=self.config.video_upload_limit))
        self._books = Books(
            database,
            limiter,
            self.stall,
            clock=clock,
            read_timeout=lambda: bot.request.read_timeout,
        )
        self._calls = SendCalls(
            bot,
            self._books,
            self.videos,
            clock=clock,
            rng=rng,
            timezone=self.config.timezone,
            paid_broadcast=self.config.paid_broadcast,
        )

    @property
    def stats(self) -> dict[str, int]:
        """Outcomes and fates counted since start (for /metrics)."""
        return self._books.stats

    def wake(self) -> None:
        """New rows were enqueued: look now instead of at the next idle poll."""
        self._wake.set()

    def drop(self, ref: str) -> None:
        """A message was cancelled (``/broadcast cancel``): its rows this sender already
        claimed are not sent (at 30/s a claimed batch of 200 is ~7 s of sends)."""
        self._dropped.add(ref)

    async def run_forever(self) -> None:
        await self.recover()
        while True:
            handled = await self.run_once()
            if handled == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.config.idle_poll_s)

    async def recover(self) -> int:
        """At start: take back rows leased by this sender's earlier, dead incarnation."""
        return await ledger.recover_leases(self.database, self.owner)

    async def run_once(self) -> int:
        """Claim one batch, send it paced, and record every outcome. Returns rows handled."""
        async with self.database.session() as session:
            rows = await deliveries.claim(
                session,
                owner=self.owner,
                now=self.clock(),
                lease=self.config.lease,
                limit=self.config.batch,
            )
            # One query per batch, not per row: silence is decided per send, at send time.
            self._calls.quiet = await subscribers.quiet_windows(
                session, {r.chat_id for r in rows if r.kind in QUIETABLE}
            )
            # A digest row names its edition, stored once: one query for the batch's editions.
            self._calls.editions = await digests.edition_payloads(
                session, [r.payload for r in rows if r.message_kind is _DIGEST and r.payload]
            )
        if not rows:
            await self.stall.tick(self.clock())
            return 0
        views = await load_views(
            self.database,
            {r.article_id for r in rows if r.article_id is not None and r.message_kind is _ARTICLE},
        )
        # A video to upload goes to its first recipient now; its other rows wait for the
        # file_id (one download, one upload), while every other row of the batch goes on.
        plans = await self.videos.plan(views.values(), self.clock()) if views else {}
        rows_now, held = hold_for_upload(rows, views, plans) if plans else (list(rows), [])
        self._books.gone.clear()  # a chat that unblocked us and subscribed again is not held back
        try:
            await self._send_batch(rows_now, views)
            if held:
                await self._send_batch(await self._after_upload(held, views), views)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._books.flush()
        await self.stall.tick(self.clock())
        return len(rows)

    async def drain(self, *, limit_s: float = 60.0) -> None:
        """Send until nothing is due (tests and benchmarks)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if await self.run_once() == 0:
                return
        raise TimeoutError("the outbox did not drain in time")

    # ------------------------------------------------------------------ scheduling

    async def _send_batch(self, rows: Sequence[Claimed], views: dict[int, ArticleView]) -> None:
        waiting: deque[Claimed] = deque(rows)
        now = self.clock
        books = self._books
        record, gone_chats = books.record, books.gone
        claimed_at = time.monotonic()
        while waiting:
            row = self._next_ready(waiting)
            if row is None:
                await self._wait_for_a_chat(waiting)
                continue
            gone = gone_chats.get(row.chat_id)
            if gone is not None and row.edit_revision is None:
                record(Outcome(row, Result.CANCELLED, error=gone))
                continue
            if row.ref is not None and row.ref in self._dropped and row.edit_revision is None:
                record(Outcome(row, Result.CANCELLED, error="cancelled while claimed"))
                continue
            # No longer news: not sent late (clock read only for rows that can expire).
            if row.expires_at and row.edit_revision is None and is_expired(row.expires_at, now()):
                why = expired_reason(row.expires_at, row.attempts, None)
                record(Outcome(row, Result.FAILED, error=why))
                continue
            view = None  # every kind but the article renders from its payload
            if row.message_kind is _ARTICLE:
                view = views.get(row.article_id) if row.article_id is not None else None
                if view is None:
                    record(Outcome(row, Result.FAILED, error="article no longer exists"))
                    continue
            # Take the connection slot first: booking a send and then queueing for a slot
            # would let the booked time drift and eat the limiter's jitter margin.
            await self._slots.acquire()
            await self.limiter.acquire(row.chat_id)
            self._busy.add(row.chat_id)
            task = asyncio.create_task(self._deliver(row, view))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            if len(books.results) >= self.config.record_batch:
                await books.flush()
            if time.monotonic() - claimed_at > self.config.lease.total_seconds() / 2:
                async with self.database.session() as session:
                    await deliveries.renew_leases(
                        session,
                        [r.id for r in waiting],
                        owner=self.owner,
                        until=self.clock() + self.config.lease,
                    )
                claimed_at = time.monotonic()

    def _next_ready(self, waiting: deque[Claimed]) -> Claimed | None:
        """The first row whose chat may receive now; rows of busy chats keep their place."""
        busy = self._busy
        for index, row in enumerate(waiting):
            if row.chat_id not in busy and self.limiter.chat_wait(row.chat_id) <= 0:
                del waiting[index]
                return row
        return None

    async def _wait_for_a_chat(self, waiting: deque[Claimed]) -> None:
        """Every remaining chat is busy: sleep a little, or hand long waits back to the queue."""
        self._finished.clear()
        waits = [
            (self.limiter.chat_wait(row.chat_id), row)
            for row in waiting
            if row.chat_id not in self._busy
        ]
        later = [(wait, row) for wait, row in waits if wait > self.config.defer_after_s]
        for wait, row in later:
            waiting.remove(row)
            self._books.record(
                Outcome(row, Result.RETRY, delay_s=wait, error=None, count_attempt=False)
            )
        soon = [wait for wait, _ in waits if wait <= self.config.defer_after_s]
        if soon:
            await self.sleep(min(soon))
        elif waiting:  # only chats with a call in flight are left: wait for one to end
            await self._finished.wait()

    async def _after_upload(
        self, held: list[Claimed], views: dict[int, ArticleView]
    ) -> list[Claimed]:
        """Held rows once their video's first send ended: those with a file_id (or a text
        fallback, or still by URL) go now; those still waiting for an upload go back to the
        queue for the next batch."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        ready: list[Claimed] = []
        for row in held:
            url = video_of(row, views)
            plan = self.videos.current(url) if url else None
            if plan is not None and plan.how is How.UPLOAD:
                self._books.record(held_outcome(row))
            else:
                ready.append(row)
        if ready:  # the upload may have taken a while: keep the rows ours
            async with self.database.session() as session:
                await deliveries.renew_leases(
                    session,
                    [r.id for r in ready],
                    owner=self.owner,
                    until=self.clock() + self.config.lease,
                )
        return ready

    # ------------------------------------------------------------------ one delivery

    async def _deliver(self, row: Claimed, view: ArticleView | None) -> None:
        try:
            result = await self._calls.deliver(row, view)
        finally:
            self._slots.release()
            self._busy.discard(row.chat_id)
            self._finished.set()
        self._books.record(result)

    # ------------------------------------------------------------------ bookkeeping

    async def record_pending(self) -> None:
        """Write outcomes not written yet: at a clean stop, after ``run_forever`` was cancelled
        mid-batch, so sends that went out are not handed back and sent again."""
        await self._books.flush()
