"""The sender's video form of an article: sendVideo by file_id, URL or one upload.

Kept beside the sender's calls (``bot.delivery.send_calls`` tries :func:`send_video` first for
a bulletin and falls back to its photo/text forms when this returns None), so those stay about
messages, not files.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.delivery.ledger import Outcome, Result
from bot.delivery.outcome import Action, judge
from bot.delivery.render import ArticleView, RenderedMessage
from bot.delivery.video import How, Plan, Unavailable
from storage.enums import MessageKind
from storage.repositories.deliveries import Claimed

if TYPE_CHECKING:
    from bot.delivery.send_calls import SendCalls

log = logging.getLogger(__name__)

# Rows of a bulletin being uploaded wait this long when the upload did not finish (a busy or
# blocked first recipient, a network error): the next batch tries again, not counted as a try.
UPLOAD_WAIT_S = 30.0
# 50 MB over a station's uplink of ~2 Mbit/s takes ~200 s; PTB's default would cut it at 20 s.
UPLOAD_WRITE_TIMEOUT_S = 600.0
_TOO_LARGE = ("entity too large", "too large", "too big")
# Telegram's words for a file it could not take (as for an article image, bot.delivery.outcome).
_FILE_REFUSED = ("wrong file identifier", "failed to get http url content",
                 "wrong type of the web page", "wrong remote file", "file must be non-empty",
                 "webpage_media_empty", "photo", "image_process_failed")  # fmt: skip


def video_of(row: Claimed, views: dict[int, ArticleView]) -> str | None:
    """The video URL a row would send, or None (edits, image-less readers, other kinds)."""
    if row.message_kind is not MessageKind.ARTICLE or row.edit_revision is not None:
        return None
    if not row.with_image or row.article_id is None:
        return None
    view = views.get(row.article_id)
    if view is None or not view.video_url:
        return None
    return view.video_url.strip() or None


def hold_for_upload(
    rows: Sequence[Claimed], views: dict[int, ArticleView], plans: dict[str, Plan]
) -> tuple[list[Claimed], list[Claimed]]:
    """(rows to send now, rows held): of a video not yet on Telegram, only its first row goes
    now; the others wait for that send's file_id instead of uploading the file again (or
    having Telegram fetch a URL of up to 20 MB once per recipient)."""
    now: list[Claimed] = []
    held: list[Claimed] = []
    first: set[str] = set()
    for row in rows:
        url = video_of(row, views)
        plan = plans.get(url) if url else None
        if url and plan is not None and plan.how in (How.UPLOAD, How.URL):
            if url in first:
                held.append(row)
                continue
            first.add(url)
        now.append(row)
    return now, held


async def send_video(
    calls: SendCalls, row: Claimed, message: RenderedMessage, revision: int
) -> Outcome | None:
    """Send ``message`` as a video; None -> send the usual text form instead (the video is
    not playable, too big, refused, or failed for good: the push itself is never lost)."""
    url = message.video_url
    plan = calls.videos.current(url) if url else None
    if url is None or plan is None or plan.how is How.TEXT:
        return None
    video: str | InputFile = plan.value
    write_timeout: float | None = None
    if plan.how is How.UPLOAD:
        try:
            data = await calls.videos.download(plan)
        except Unavailable as error:
            log.info("video %s not uploaded: %s; sending text", url, error)
            await calls.videos.failed(url, str(error), calls.clock(), keep=error.permanent)
            return None
        video = InputFile(data, filename=_file_name(url))
        write_timeout = UPLOAD_WRITE_TIMEOUT_S
    params: dict[str, Any] = {
        **calls.common_params(row, message),
        "video": video,
        "caption": message.video_caption,
        "parse_mode": ParseMode.HTML,
        "supports_streaming": True,
    }
    if message.cover_url is not None:
        params["cover"] = message.cover_url
    try:
        result = await _call(calls, params, write_timeout)
    except TelegramError as error:
        return await _refused(calls, row, plan, url, error)
    file_id = _file_id(result)
    if file_id is not None and plan.how is not How.FILE_ID:
        await calls.videos.learned(url, file_id, calls.clock())
    return Outcome(row, Result.SENT, int(result["message_id"]), True, revision)


async def _call(calls: SendCalls, params: dict[str, Any], write_timeout: float | None) -> Any:
    """sendVideo; a cover Telegram cannot fetch must not cost the video: without it, once."""
    try:
        return await calls.call_api("sendVideo", params, write_timeout)
    except BadRequest as error:
        if "cover" not in params or not _has(error.message, _FILE_REFUSED):
            raise
        log.info("video cover %s refused (%s); sending without", params["cover"], error.message)
        return await calls.call_api(
            "sendVideo", {k: v for k, v in params.items() if k != "cover"}, write_timeout
        )


async def _refused(
    calls: SendCalls, row: Claimed, plan: Plan, url: str, error: TelegramError
) -> Outcome | None:
    verdict = judge(
        error,
        attempts=row.attempts + 1,
        as_photo=True,  # the file refused -> NO_PHOTO, as for an article image
        editing=False,
        now=calls.clock(),
        expires_at=row.expires_at,
        rng=calls.rng,
    )
    too_large = isinstance(error, NetworkError) and _has(error.message, _TOO_LARGE)
    file_refused = verdict.action is Action.NO_PHOTO or too_large
    other_refusal = isinstance(error, BadRequest) and verdict.action is Action.FAIL
    if not (file_refused or other_refusal or verdict.action is Action.PLAIN_TEXT):
        return calls.after_error(row, verdict)  # 429, 403, migration, network: as any send
    log.info("video %s refused for %s (%s); sending text", url, row.chat_id, error.message)
    if plan.how is How.FILE_ID and file_refused:
        await calls.videos.forget(url)  # a stale id: the next batch plans from the size again
    elif file_refused or other_refusal:
        # Every other reader goes straight to text (one call each, not two); only Telegram's
        # word on the file itself is kept past this process.
        await calls.videos.failed(url, error.message, calls.clock(), keep=file_refused)
    return None  # a caption refused as HTML: the text form's plain fallback handles it


def _has(text: str, needles: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(needle in lowered for needle in needles)


def held_outcome(row: Claimed) -> Outcome:
    """A held row whose video upload did not finish: back to the queue, not a failed try."""
    return Outcome(row, Result.RETRY, delay_s=UPLOAD_WAIT_S, error=None, count_attempt=False)


def _file_id(result: Any) -> str | None:
    if not isinstance(result, dict):
        return None
    media = result.get("video")
    if isinstance(media, dict) and isinstance(media.get("file_id"), str):
        return str(media["file_id"])
    return None


def _file_name(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name if name.lower().endswith((".mp4", ".m4v")) else "video.mp4"
