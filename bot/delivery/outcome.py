"""What a Bot API error means for a delivery: pure rules, tested without Telegram traffic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 600.0

# Errors that say the chat itself is gone; retrying would only repeat them.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked",
         "not enough rights to send", "need administrator rights", "chat_write_forbidden",
         "have no rights to send", "peer_id_invalid", "bot is not a member")  # fmt: skip
# Photo problems: the article image URL is broken or unacceptable; the text still goes.
_PHOTO = ("wrong file identifier", "failed to get http url content", "wrong type of the web page",
          "photo_invalid_dimensions", "image_process_failed", "wrong remote file",
          "file must be non-empty", "webpage_media_empty", "photo")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do after a failed call."""

    action: str  # "retry", "wait_chat", "gone", "migrate", "plain_text", "no_photo", "fail", "done"
    reason: str
    delay_s: float = 0.0
    new_chat_id: int | None = None


def backoff(attempts: int) -> float:
    """Exponential backoff for transient errors: 2 s, 4 s, 8 s … capped at 10 minutes."""
    return float(min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_CAP_S))


def judge(error: TelegramError, *, attempts: int, as_photo: bool, editing: bool) -> Verdict:
    """Classify a Bot API error for one delivery (``attempts`` includes this one)."""
    text = error.message.lower()
    if isinstance(error, RetryAfter):
        return Verdict("wait_chat", str(error), delay_s=retry_seconds(error.retry_after))
    if isinstance(error, ChatMigrated):
        return Verdict("migrate", str(error), new_chat_id=int(error.new_chat_id))
    if isinstance(error, Forbidden) or (isinstance(error, BadRequest) and _has(text, _GONE)):
        return Verdict("gone", error.message)
    if isinstance(error, BadRequest):
        if editing and "message is not modified" in text:
            return Verdict("done", error.message)
        if editing and ("message to edit not found" in text or "message can't be edited" in text):
            return Verdict("fail", error.message)
        if "can't parse entities" in text:
            return Verdict("plain_text", error.message)
        if as_photo and _has(text, _PHOTO):
            return Verdict("no_photo", error.message)
        return Verdict("fail", error.message)
    if isinstance(error, TimedOut | NetworkError):
        if attempts >= MAX_ATTEMPTS:
            return Verdict("fail", f"gave up after {attempts} attempts: {error.message}")
        return Verdict("retry", error.message, delay_s=backoff(attempts))
    return Verdict("fail", error.message)


def _has(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def retry_seconds(value: float | timedelta) -> float:
    """``RetryAfter.retry_after`` is seconds or a timedelta, depending on PTB's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
