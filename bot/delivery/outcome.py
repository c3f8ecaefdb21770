"""What a Bot API error means for a delivery: pure rules, tested without Telegram traffic.

Transient failures (network errors, timeouts, 5xx) are retried for as long as the message is
still news: until the row's ``expires_at`` (``None`` = never, e.g. a broadcast until it is
cancelled), with exponential backoff and jitter capped at about five minutes. A fixed number
of tries lost 159 of 200 pushes to a 75-second outage (six tries, 2-32 s apart, ended at
~62 s). Only permanent answers (403, a 400 other than the parse-error and photo fallbacks,
chat not found) end a delivery early. Errors raised by our own code are bugs and keep a small
bound (``MAX_INTERNAL_ATTEMPTS``) so one bad row cannot loop forever.

**Uncertain sends.** A send whose request was written but whose answer never came (a read
timeout, a connection dropped mid-answer) may or may not have reached the reader; the Bot API
has no idempotency key to ask. Policy: an uncertain send is retried after the same backoff as
any transient error, so nothing is lost, and a duplicate can happen only when Telegram did
deliver but its answer never arrived within ``send_timeout`` (30 s by default; Telegram under
load answers in several seconds, so this is rare). The sender counts uncertain attempts and the
sends that followed one (``stats["uncertain"]``, ``stats["resent_after_uncertain"]``): the
second number is an upper bound on duplicates. The retry of a chat whose last try was
uncertain waits twice as long for its answer (up to ``UNCERTAIN_READ_CAP_S``): if Telegram is
slower than ``send_timeout`` for a while, a row is doubled at most once or twice instead of on
every retry until it expires.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.backoff import exponential
from bot.delivery.transport import AnswerLost, AnswerTimedOut, Unsent

BACKOFF_BASE_S = 2.0
# Longest wait between two tries of one row. The jitter adds up to half of the base delay,
# so the base delay stops at cap / 1.5 and no wait exceeds the cap.
BACKOFF_CAP_S = 300.0
_JITTER = 0.5
# A bug in our own code (a render that raises) repeats on every try: six tries, then give up.
MAX_INTERNAL_ATTEMPTS = 6

# Errors that say the chat itself is gone; retrying would only repeat them.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked",
         "not enough rights to send", "need administrator rights", "chat_write_forbidden",
         "have no rights to send", "peer_id_invalid", "bot is not a member")  # fmt: skip
# Photo problems: the article image URL is broken or unacceptable; the text still goes.
_PHOTO = ("wrong file identifier", "failed to get http url content", "wrong type of the web page",
          "photo_invalid_dimensions", "image_process_failed", "wrong remote file",
          "file must be non-empty", "webpage_media_empty", "photo")  # fmt: skip


class Action(StrEnum):
    """What the sender does after a failed call."""

    RETRY = "retry"  # transient: try again after ``delay_s``
    WAIT_CHAT = "wait_chat"  # 429: this chat waits ``retry_after``; not held against the message
    GONE = "gone"  # the chat is unreachable: fail this row, cancel the chat's queue
    MIGRATE = "migrate"  # the group became a supergroup: resend to ``new_chat_id``
    PLAIN_TEXT = "plain_text"  # our HTML was refused: resend as plain text
    NO_PHOTO = "no_photo"  # the image was refused: resend as text
    FAIL = "fail"  # permanent for this message, or no longer news
    DONE = "done"  # an edit that changed nothing: as good as done


class Fate(StrEnum):
    """For a transient failure: could the message have reached the reader anyway?"""

    UNSENT = "unsent"  # the request never left (connect failed, no pool slot): certainly not
    REFUSED = "refused"  # Telegram answered with an error (5xx): not delivered
    UNCERTAIN = "uncertain"  # written, but no answer came: maybe delivered


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do after a failed call."""

    action: Action
    reason: str
    delay_s: float = 0.0
    new_chat_id: int | None = None
    fate: Fate | None = None  # set for transient failures (retried or given up)


# Longest read timeout of a retry after uncertain tries (the doubling stops here).
UNCERTAIN_READ_CAP_S = 120.0


def patience_after_uncertain(previous: float | None, default: float | None) -> float | None:
    """Read timeout for the next try of a chat whose try just timed out after being written:
    twice the one that try used (``previous``, else the transport's ``default``), capped.
    ``None`` (no limit) stays ``None``."""
    base = previous if previous is not None else default
    if base is None:
        return None
    return min(2 * base, max(UNCERTAIN_READ_CAP_S, base))


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Wait before the next try after ``attempts`` failed ones: 2-3 s, 4-6 s, … at most 300 s.

    The base doubles from 2 s; ``rng()`` in [0, 1) adds up to half of it on top, so after an
    outage hundreds of rows come back spread out instead of in one burst.
    """
    base = exponential(attempts, base=BACKOFF_BASE_S, cap=BACKOFF_CAP_S / (1 + _JITTER))
    return float(base * (1 + _JITTER * rng()))


def retry_or_expire(
    reason: str,
    *,
    attempts: int,
    now: datetime,
    expires_at: datetime | None,
    fate: Fate | None = None,
    rng: Callable[[], float] = random.random,
) -> Verdict:
    """A transient failure: retry after backoff while the message is news, else give up.

    The row is given up as soon as the next try would come after ``expires_at``: a try that
    late could only deliver stale news.
    """
    delay = backoff(attempts, rng)
    if expires_at is not None and now + timedelta(seconds=delay) > expires_at:
        return Verdict(Action.FAIL, expired_reason(expires_at, attempts, reason), fate=fate)
    return Verdict(Action.RETRY, reason, delay_s=delay, fate=fate)


def expired_reason(expires_at: datetime, attempts: int, last_error: str | None) -> str:
    """The ``last_error`` of a row given up because it is no longer news (operators read it)."""
    tried = f" after {attempts} attempts" if attempts else ""
    last = f"; last error: {last_error}" if last_error else ""
    return f"no longer news: expired at {expires_at:%Y-%m-%d %H:%M} UTC{tried}{last}"


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    """A row past its ``expires_at`` is not sent at all (a sender down for a day does not
    flood readers with yesterday's news when it comes back)."""
    return expires_at is not None and now >= expires_at


# Corrections are requested up to 48 h after publication (deliveries.EDIT_WINDOW); an edit of
# a message already sent is worth retrying that long, even after the push stopped being news.
EDIT_RETRY_WINDOW = timedelta(hours=48)


def edit_deadline(expires_at: datetime | None, created_at: datetime | None) -> datetime | None:
    """Until when a failed edit is retried: the row's expiry, stretched to the edit window."""
    if expires_at is None or created_at is None:
        return expires_at
    return max(expires_at, created_at + EDIT_RETRY_WINDOW)


def internal_error(
    reason: str, *, attempts: int, rng: Callable[[], float] = random.random
) -> Verdict:
    """Our own code raised for this row: a few tries (it may have been a passing state)."""
    if attempts >= MAX_INTERNAL_ATTEMPTS:  # a bug that repeats must not loop forever
        return Verdict(Action.FAIL, f"gave up after {attempts} attempts: {reason}")
    return Verdict(Action.RETRY, reason, delay_s=backoff(attempts, rng))


def fate_of(error: TelegramError) -> Fate:
    """Whether a transient error could have delivered the message.

    Our transport (:mod:`bot.delivery.transport`) raises ``Unsent`` for requests that never
    left and ``AnswerTimedOut``/``AnswerLost`` for written ones; PTB turns a 5xx answer into a
    bare ``NetworkError``. Anything else (another transport's timeout, PTB's wrapper around an
    unexpected transport exception) cannot say how far it got, so it counts as uncertain.
    """
    if isinstance(error, Unsent):
        return Fate.UNSENT
    if isinstance(error, AnswerTimedOut | AnswerLost | TimedOut):
        return Fate.UNCERTAIN
    if type(error) is NetworkError and not error.message.startswith(_TRANSPORT_WRAPPERS):
        return Fate.REFUSED
    return Fate.UNCERTAIN


# Prefixes of PTB's NetworkError texts for transport failures (HTTPXRequest's, and the wrapper
# around any exception a transport lets through): not an answer from Telegram.
_TRANSPORT_WRAPPERS = ("httpx.", "Unknown error in HTTP implementation", "aiohttp.")


def judge(
    error: TelegramError,
    *,
    attempts: int,
    as_photo: bool,
    editing: bool,
    now: datetime,
    expires_at: datetime | None = None,
    rng: Callable[[], float] = random.random,
) -> Verdict:
    """Classify a Bot API error for one delivery (``attempts`` includes this one)."""
    text = error.message.lower()
    if isinstance(error, RetryAfter):
        return Verdict(Action.WAIT_CHAT, str(error), delay_s=retry_seconds(error.retry_after))
    if isinstance(error, ChatMigrated):
        return Verdict(Action.MIGRATE, str(error), new_chat_id=int(error.new_chat_id))
    if isinstance(error, Forbidden) or (isinstance(error, BadRequest) and _has(text, _GONE)):
        return Verdict(Action.GONE, error.message)
    if isinstance(error, BadRequest):
        if editing and "message is not modified" in text:
            return Verdict(Action.DONE, error.message)
        if editing and ("message to edit not found" in text or "message can't be edited" in text):
            return Verdict(Action.FAIL, error.message)
        if "can't parse entities" in text:
            return Verdict(Action.PLAIN_TEXT, error.message)
        if as_photo and _has(text, _PHOTO):
            return Verdict(Action.NO_PHOTO, error.message)
        return Verdict(Action.FAIL, error.message)
    if isinstance(error, TimedOut | NetworkError):
        fate = fate_of(error)
        reason = error.message if fate is Fate.REFUSED else f"{fate}: {error.message}"
        return retry_or_expire(
            reason, attempts=attempts, now=now, expires_at=expires_at, fate=fate, rng=rng
        )
    return Verdict(Action.FAIL, error.message)


def _has(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def retry_seconds(value: float | timedelta) -> float:
    """``RetryAfter.retry_after`` is seconds or a timedelta, depending on PTB's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
