"""The sender: claims due outbox rows, paces them through the limiter, records every outcome.

Crash safety rests on three rules: a row is leased before it is sent; an outcome is written
soon after the call returns (in small batches); an expired lease makes a row claimable again.
So only messages in flight, or sent but not yet recorded, can be repeated after a crash:
at most ``in_flight + record_batch`` of them.

Every message kind takes the same path: an article renders from its stored row (loaded once
per batch), any other kind from its payload through ``bot.delivery.messages``; both give a
``RenderedMessage``, which the send and edit calls below handle alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.warnings import PTBUserWarning

from bot.delivery import ledger
from bot.delivery.ledger import Outcome, Result
from bot.delivery.limiter import RateLimiter
from bot.delivery.messages import BadPayload, render_message
from bot.delivery.outcome import (
    Action,
    Fate,
    Verdict,
    edit_deadline,
    expired_reason,
    internal_error,
    is_expired,
    judge,
    patience_after_uncertain,
)
from bot.delivery.quiet import QuietWindow, is_quiet
from bot.delivery.render import ArticleView, RenderedMessage, render
from bot.delivery.stall import StallAlarm, StallWatch
from bot.delivery.video import UPLOAD_LIMIT, How, Limits, Videos, upload_limit_for
from bot.delivery.video_send import held_outcome, hold_for_upload, send_video, video_of
from config.settings import Settings
from storage.db import Database
from storage.enums import Audience, MessageKind
from storage.models import Article, utcnow
from storage.repositories import comments, deliveries, digests, subscribers
from storage.repositories.deliveries import Claimed

log = logging.getLogger(__name__)

# The sender calls do_api_request on purpose (raw results, no Message objects at 1,000/s);
# PTB warns on every such call that a typed method exists.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ARTICLE = MessageKind.ARTICLE
_DIGEST = MessageKind.DIGEST
# Quiet hours silence pushes, broadcasts and digests; a reply or a channel post rings as usual.
_QUIETABLE = frozenset({Audience.INSTANT, Audience.BULK})


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
        self._results: list[Outcome] = []
        # Chats with a call in flight: one call per chat at a time, so a 429 or a 403 is known
        # before the chat's next message goes, and a chat's messages keep their order.
        self._busy: set[int] = set()
        self._finished = asyncio.Event()  # set whenever a call ends
        # Chats found unreachable during this batch: their other rows in it are cancelled, not
        # sent (later batches never see them: the chat's queue is cancelled when recorded).
        self._gone: dict[int, str] = {}
        # Refs of messages cancelled while this sender held their rows (a stopped broadcast):
        # rows of them still in a claimed batch are cancelled, not sent.
        self._dropped: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats: dict[str, int] = {}
        self.rng = rng  # backoff jitter
        # Rows whose last try was uncertain (maybe delivered): a later send may be a duplicate.
        self._uncertain: set[int] = set()
        # Read timeout for a chat's next call after an uncertain one (one call per chat at a
        # time, so the chat identifies the retry): a slow Telegram gets longer to answer.
        self._patience: dict[int, float] = {}
        # The quiet hours of the current batch's chats that have some, loaded with the claim.
        self._quiet: dict[int, QuietWindow] = {}
        self._editions: dict[str, str] = {}  # a digest row's payload -> its edition's
        self.stall = StallAlarm(
            StallWatch(self.config.stall_alert_after),
            backlog=lambda now: ledger.backlog(database, now),
            resume=lambda now: ledger.resume_retries(database, now),
            alert=alert,
            locale=self.config.alert_locale,
        )
        # Bulletins: how each video URL is sent (file_id, URL, one upload, or text).
        self.videos = Videos(database, limits=Limits(upload=self.config.video_upload_limit))

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
            self._quiet = await subscribers.quiet_windows(
                session, {r.chat_id for r in rows if r.kind in _QUIETABLE}
            )
            # A digest row names its edition, stored once: one query for the batch's editions.
            self._editions = await digests.edition_payloads(
                session, [r.payload for r in rows if r.message_kind is _DIGEST and r.payload]
            )
        if not rows:
            await self.stall.tick(self.clock())
            return 0
        views = await self._load_views(
            {r.article_id for r in rows if r.article_id is not None and r.message_kind is _ARTICLE}
        )
        # A video to upload goes to its first recipient now; its other rows wait for the
        # file_id (one download, one upload), while every other row of the batch goes on.
        plans = await self.videos.plan(views.values(), self.clock()) if views else {}
        rows_now, held = hold_for_upload(rows, views, plans) if plans else (list(rows), [])
        self._gone.clear()  # a chat that unblocked us and subscribed again is not held back
        try:
            await self._send_batch(rows_now, views)
            if held:
                await self._send_batch(await self._after_upload(held, views), views)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._flush()
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
        claimed_at = time.monotonic()
        while waiting:
            row = self._next_ready(waiting)
            if row is None:
                await self._wait_for_a_chat(waiting)
                continue
            gone = self._gone.get(row.chat_id)
            if gone is not None and row.edit_revision is None:
                self._record(Outcome(row, Result.CANCELLED, error=gone))
                continue
            if row.ref is not None and row.ref in self._dropped and row.edit_revision is None:
                self._record(Outcome(row, Result.CANCELLED, error="cancelled while claimed"))
                continue
            # No longer news: not sent late (clock read only for rows that can expire).
            if row.expires_at and row.edit_revision is None and is_expired(row.expires_at, now()):
                why = expired_reason(row.expires_at, row.attempts, None)
                self._record(Outcome(row, Result.FAILED, error=why))
                continue
            view = None  # every kind but the article renders from its payload
            if row.message_kind is _ARTICLE:
                view = views.get(row.article_id) if row.article_id is not None else None
                if view is None:
                    self._record(Outcome(row, Result.FAILED, error="article no longer exists"))
                    continue
            # Take the connection slot first: booking a send and then queueing for a slot
            # would let the booked time drift and eat the limiter's jitter margin.
            await self._slots.acquire()
            await self.limiter.acquire(row.chat_id)
            self._busy.add(row.chat_id)
            task = asyncio.create_task(self._deliver(row, view))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            if len(self._results) >= self.config.record_batch:
                await self._flush()
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
            self._record(Outcome(row, Result.RETRY, delay_s=wait, error=None, count_attempt=False))
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
                self._record(held_outcome(row))
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
            message = self._render(row, view)
            if row.edit_revision is not None:
                result = await self._edit(row, view, message)
            else:
                result = await self._send(row, view, message)
        except BadPayload as error:  # a bug upstream: the same payload would fail again
            log.error("delivery %s (%s %s) cannot be rendered: %s", row.id, row.message_kind,
                      row.ref, error, extra=ledger.ids(row))  # fmt: skip
            result = Outcome(row, Result.FAILED, error=f"cannot render: {error}")
        except Exception as error:  # never let one row kill the batch
            log.exception("delivery %s crashed", row.id, extra=ledger.ids(row))
            verdict = internal_error(
                f"internal error: {error!r}", attempts=row.attempts + 1, rng=self.rng
            )
            result = self._after_error(row, verdict)
        finally:
            self._slots.release()
            self._busy.discard(row.chat_id)
            self._finished.set()
        self._record(result)

    def _render(self, row: Claimed, view: ArticleView | None) -> RenderedMessage:
        """The row's message: one rendering per content and variant, shared by every row."""
        tz = self.config.timezone
        if row.message_kind is _ARTICLE:
            assert view is not None  # _send_batch fails article rows without one
            return render(
                view, locale=row.locale, with_image=row.with_image, tz=tz, buttons=row.with_buttons
            )
        payload = row.payload or ""
        if row.message_kind is _DIGEST:
            payload = self._editions.get(payload, payload)
        return render_message(
            row.message_kind, payload, locale=row.locale, with_image=row.with_image,
            tz=tz, buttons=row.with_buttons,
        )  # fmt: skip

    async def _send(
        self, row: Claimed, view: ArticleView | None, message: RenderedMessage
    ) -> Outcome:
        as_photo = message.photo_url is not None and message.caption is not None
        plain = False
        # An article's revision; any other message starts at 1 (request_edit counts on).
        revision = view.revision if view is not None else 1
        if message.video_url is not None and row.message_kind is _ARTICLE:
            played = await send_video(self, row, message, revision)
            if played is not None:
                return played
        for _ in range(3):  # photo -> text -> plain text, at most
            try:
                sent = await self._call_send(row, message, as_photo=as_photo, plain=plain)
                return Outcome(row, Result.SENT, sent, as_photo, revision)
            except TelegramError as error:
                verdict = judge(
                    error,
                    attempts=row.attempts + 1,
                    as_photo=as_photo,
                    editing=False,
                    now=self.clock(),
                    expires_at=row.expires_at,
                    rng=self.rng,
                )
                if verdict.action is Action.NO_PHOTO:
                    log.info(
                        "photo for %s refused (%s); sending text",
                        _what(row),
                        error,
                        extra=ledger.ids(row),
                    )
                    as_photo = False
                    continue
                if verdict.action is Action.PLAIN_TEXT and not plain:
                    log.error(
                        "rendering bug: %s refused as HTML: %s",
                        _what(row),
                        error,
                        extra=ledger.ids(row),
                    )
                    plain, as_photo = True, False
                    continue
                return self._after_error(row, verdict)
        return Outcome(row, Result.FAILED, error="no form of the message was accepted")

    async def _edit(
        self, row: Claimed, view: ArticleView | None, message: RenderedMessage
    ) -> Outcome:
        assert row.message_id is not None and row.edit_revision is not None
        editing = {"chat_id": row.chat_id, "message_id": row.message_id}
        try:
            if row.sent_as_photo:
                await self._api(
                    "editMessageCaption",
                    **editing,
                    caption=message.caption or message.video_caption or _cut_caption(message),
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.reply_markup,
                )
            else:
                await self._api(
                    "editMessageText",
                    **editing,
                    text=message.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.reply_markup,
                    link_preview_options=_preview(message),
                )
        except TelegramError as error:
            verdict = judge(
                error,
                attempts=row.attempts + 1,
                as_photo=False,
                editing=True,
                now=self.clock(),
                expires_at=edit_deadline(row.expires_at, row.created_at),
                rng=self.rng,
            )
            if verdict.action is not Action.DONE:
                return self._after_error(row, verdict, revision=row.edit_revision)
        return Outcome(row, Result.EDITED, row.message_id, row.sent_as_photo, row.edit_revision)

    def after_error(self, row: Claimed, verdict: Verdict, revision: int = 0) -> Outcome:
        """The row's outcome after a failed call (also for the video form)."""
        return self._after_error(row, verdict, revision)

    def _after_error(self, row: Claimed, verdict: Verdict, revision: int = 0) -> Outcome:
        if verdict.fate is not None:
            self.stats[verdict.fate] = self.stats.get(verdict.fate, 0) + 1
            if verdict.fate is Fate.UNCERTAIN:
                log.warning(
                    "delivery %s to %s: %s",
                    row.id,
                    row.chat_id,
                    verdict.reason,
                    extra=ledger.ids(row),
                )
                self._uncertain.add(row.id)
                patience = patience_after_uncertain(
                    self._patience.get(row.chat_id), self.bot.request.read_timeout
                )
                if patience is not None:
                    self._patience[row.chat_id] = patience
        match verdict.action:
            case Action.WAIT_CHAT:  # a 429: counted for /metrics
                self.stats["rate_limited"] = self.stats.get("rate_limited", 0) + 1
                self.limiter.block_chat(row.chat_id, verdict.delay_s)
                # Recorded (the station sees why the row waits) but not held against the message.
                return Outcome(
                    row,
                    Result.RETRY,
                    error=verdict.reason,
                    delay_s=verdict.delay_s,
                    count_attempt=False,
                )
            case Action.MIGRATE:
                return Outcome(
                    row, Result.MIGRATED, new_chat_id=verdict.new_chat_id, error=verdict.reason
                )
            case Action.GONE:
                self._gone[row.chat_id] = verdict.reason
                return Outcome(row, Result.GONE, error=verdict.reason)
            case Action.RETRY:
                return Outcome(row, Result.RETRY, error=verdict.reason, delay_s=verdict.delay_s)
            case Action.FAIL | Action.DONE | Action.PLAIN_TEXT | Action.NO_PHOTO:
                # DONE and the fallbacks are handled by the callers; here they end the row.
                return Outcome(row, Result.FAILED, error=verdict.reason, revision=revision)

    def common_params(self, row: Claimed, message: RenderedMessage) -> dict[str, Any]:
        """Parameters every send of ``row`` carries, whatever its form."""
        common: dict[str, Any] = {
            "chat_id": row.chat_id,
            "reply_markup": message.reply_markup,
        }
        if row.silent or (self._quiet and self._is_quiet(row)):
            common["disable_notification"] = True
        if message.reply_to_message_id is not None:
            # A thread's post may have been deleted: the comment still goes to the group.
            common["reply_parameters"] = {
                "message_id": message.reply_to_message_id,
                "allow_sending_without_reply": True,
            }
        if self.config.paid_broadcast:
            common["allow_paid_broadcast"] = True
        return common

    async def call_api(
        self, method: str, params: dict[str, Any], write_timeout: float | None = None
    ) -> Any:
        """One raw Bot API call (the video form passes a longer write timeout for uploads)."""
        if write_timeout is None:
            return await self._api(method, **params)
        return await self.bot.do_api_request(method, api_kwargs=params, write_timeout=write_timeout)

    async def _call_send(
        self, row: Claimed, message: RenderedMessage, *, as_photo: bool, plain: bool
    ) -> int:
        common = self.common_params(row, message)
        if as_photo:
            result = await self._api(
                "sendPhoto",
                **common,
                photo=message.photo_url,
                caption=message.caption,
                parse_mode=ParseMode.HTML,
            )
        elif plain:
            result = await self._api(
                "sendMessage", **common, text=message.plain_text, link_preview_options=_NO_PREVIEW
            )
        else:
            result = await self._api(
                "sendMessage",
                **common,
                text=message.text,
                parse_mode=ParseMode.HTML,
                link_preview_options=_preview(message),
            )
        return int(result["message_id"])

    def _is_quiet(self, row: Claimed) -> bool:
        """Inside the reader's quiet hours now, on their clock (a row queued at 21:50 and sent
        at 22:05 is silent for quiet hours from 22:00)."""
        window = self._quiet.get(row.chat_id)
        if window is None or row.kind not in _QUIETABLE:
            return False
        return is_quiet(window, self.clock(), self.config.timezone)

    async def _api(self, method: str, **params: Any) -> Any:
        # do_api_request returns the raw result: no Message object is built per send, which
        # matters at 1,000 sends/s.
        patience = self._patience.get(params["chat_id"]) if self._patience else None
        if patience is None:
            return await self.bot.do_api_request(method, api_kwargs=params)
        return await self.bot.do_api_request(method, api_kwargs=params, read_timeout=patience)

    # ------------------------------------------------------------------ bookkeeping

    def _record(self, result: Outcome) -> None:
        self._results.append(result)
        self.stats[result.kind] = self.stats.get(result.kind, 0) + 1
        if result.kind in (Result.SENT, Result.EDITED):
            self.stall.sent()
        elif result.kind is Result.RETRY and result.error:  # not a busy chat's deferral
            self.stall.failed(self.clock(), result.error)
        if result.kind is not Result.RETRY and self._patience:
            self._patience.pop(result.row.chat_id, None)
        if result.kind is not Result.RETRY and result.row.id in self._uncertain:
            self._uncertain.discard(result.row.id)
            if result.kind is Result.SENT:  # the earlier, uncertain try may have arrived too
                self.stats["resent_after_uncertain"] = (
                    self.stats.get("resent_after_uncertain", 0) + 1
                )

    async def record_pending(self) -> None:
        """Write outcomes not written yet: at a clean stop, after ``run_forever`` was cancelled
        mid-batch, so sends that went out are not handed back and sent again."""
        await self._flush()

    async def _flush(self) -> None:
        if not self._results:
            return
        results, self._results = self._results, []
        now = self.clock()
        async with self.database.session() as session:
            await ledger.record(session, results, now=now)

    async def _load_views(self, article_ids: set[int]) -> dict[int, ArticleView]:
        if not article_ids:
            return {}
        async with self.database.session() as session:
            found = (
                await session.scalars(select(Article).where(Article.id.in_(list(article_ids))))
            ).all()
            # One grouped COUNT per batch (a batch of a broadcast holds one article).
            counts = await comments.approved_counts(session, list(article_ids))
            return {
                article.id: article_view(article, counts.get(article.id, 0)) for article in found
            }


def article_view(article: Article, comments: int = 0) -> ArticleView:
    return ArticleView(
        id=article.id,
        title=article.title,
        url=article.url,
        summary=article.summary,
        topics=tuple((t.name, t.slug) for t in article.topics),
        published_at=article.published_at,
        image_url=article.image_url,
        revision=article.revision,
        comments=comments,
        video_url=article.video_url,
        video_size=article.video_size,
    )


def _what(row: Claimed) -> str:
    """A row's message, for logs: ``article 12`` or ``notice burst:3:…``."""
    if row.message_kind is _ARTICLE:
        return f"article {row.article_id}"
    return f"{row.message_kind} {row.ref}"


def _preview(message: RenderedMessage) -> LinkPreviewOptions:
    if message.link_preview_url is None:
        return _NO_PREVIEW
    return LinkPreviewOptions(url=message.link_preview_url, prefer_large_media=True)


def _cut_caption(message: RenderedMessage) -> str:
    """A photo message whose revised text no longer fits a caption keeps a plain headline."""
    return message.plain_text.split("\n", 1)[0][:1000]


__all__ = ["InlineKeyboardMarkup", "Sender", "SenderConfig", "article_view"]
