"""The Bot API calls of one outbox row: its message rendered, then sent or edited.

Every message kind takes the same path: an article renders from its stored row (loaded once
per batch, ``bot.delivery.views``), any other kind from its payload through
``bot.delivery.messages``; both give a ``RenderedMessage``, which the send and edit calls
below handle alike. A send falls back form by form (video -> photo -> text -> plain text) so
that a refused image or a rendering bug never loses the message; a failed call's verdict
becomes the row's outcome in ``bot.delivery.bookkeeping``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.warnings import PTBUserWarning

from bot.delivery import ledger
from bot.delivery.bookkeeping import Books
from bot.delivery.ledger import Outcome, Result
from bot.delivery.messages import BadPayload, render_message
from bot.delivery.outcome import Action, Verdict, edit_deadline, internal_error, judge
from bot.delivery.quiet import QUIETABLE, QuietWindow, is_quiet
from bot.delivery.render import ArticleView, RenderedMessage, render
from bot.delivery.video import Videos
from bot.delivery.video_send import send_video
from storage.enums import MessageKind
from storage.repositories.deliveries import Claimed

log = logging.getLogger("bot.delivery.sender")  # the sender's log lines, as before the split

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


class SendCalls:
    """Renders, sends and edits rows for one sender (``deliver`` is its one entry point)."""

    def __init__(
        self,
        bot: Bot,
        books: Books,
        videos: Videos,
        *,
        clock: Callable[[], datetime],
        rng: Callable[[], float],
        timezone: str,
        paid_broadcast: bool,
    ) -> None:
        self.bot = bot
        self.books = books
        self.videos = videos  # the video form asks how each URL is sent
        self.clock = clock
        self.rng = rng  # backoff jitter
        self.timezone = timezone
        self.paid_broadcast = paid_broadcast
        self._patience = books.patience  # read per call; the books change it
        # The quiet hours of the current batch's chats that have some, loaded with the claim.
        self.quiet: dict[int, QuietWindow] = {}
        self.editions: dict[str, str] = {}  # a digest row's payload -> its edition's

    async def deliver(self, row: Claimed, view: ArticleView | None) -> Outcome:
        """Send (or edit) one row; its outcome, whatever happened (never raises an error)."""
        try:
            message = self.render(row, view)
            if row.edit_revision is not None:
                return await self._edit(row, view, message)
            return await self._send(row, view, message)
        except BadPayload as error:  # a bug upstream: the same payload would fail again
            log.error("delivery %s (%s %s) cannot be rendered: %s", row.id, row.message_kind,
                      row.ref, error, extra=ledger.ids(row))  # fmt: skip
            return Outcome(row, Result.FAILED, error=f"cannot render: {error}")
        except Exception as error:  # never let one row kill the batch
            log.exception("delivery %s crashed", row.id, extra=ledger.ids(row))
            verdict = internal_error(
                f"internal error: {error!r}", attempts=row.attempts + 1, rng=self.rng
            )
            return self.books.after_error(row, verdict)

    def render(self, row: Claimed, view: ArticleView | None) -> RenderedMessage:
        """The row's message: one rendering per content and variant, shared by every row."""
        tz = self.timezone
        if row.message_kind is _ARTICLE:
            assert view is not None  # the sender fails article rows without one
            return render(
                view, locale=row.locale, with_image=row.with_image, tz=tz, buttons=row.with_buttons
            )
        payload = row.payload or ""
        if row.message_kind is _DIGEST:
            payload = self.editions.get(payload, payload)
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
                return self.books.after_error(row, verdict)
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
                return self.books.after_error(row, verdict, revision=row.edit_revision)
        return Outcome(row, Result.EDITED, row.message_id, row.sent_as_photo, row.edit_revision)

    def after_error(self, row: Claimed, verdict: Verdict, revision: int = 0) -> Outcome:
        """The row's outcome after a failed call (also for the video form)."""
        return self.books.after_error(row, verdict, revision)

    def common_params(self, row: Claimed, message: RenderedMessage) -> dict[str, Any]:
        """Parameters every send of ``row`` carries, whatever its form."""
        common: dict[str, Any] = {
            "chat_id": row.chat_id,
            "reply_markup": message.reply_markup,
        }
        if row.silent or (self.quiet and self._is_quiet(row)):
            common["disable_notification"] = True
        if message.reply_to_message_id is not None:
            # A thread's post may have been deleted: the comment still goes to the group.
            common["reply_parameters"] = {
                "message_id": message.reply_to_message_id,
                "allow_sending_without_reply": True,
            }
        if self.paid_broadcast:
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
        window = self.quiet.get(row.chat_id)
        if window is None or row.kind not in QUIETABLE:
            return False
        return is_quiet(window, self.clock(), self.timezone)

    async def _api(self, method: str, **params: Any) -> Any:
        # do_api_request returns the raw result: no Message object is built per send, which
        # matters at 1,000 sends/s.
        patience = self._patience.get(params["chat_id"]) if self._patience else None
        if patience is None:
            return await self.bot.do_api_request(method, api_kwargs=params)
        return await self.bot.do_api_request(method, api_kwargs=params, read_timeout=patience)


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
