"""A subscriber's delivery settings: what the typed forms mean and how they are stored.

``/quiet 22-6``, ``/quiet off``, ``/digest 7:00``, ``/digest off``, ``/lang en``. Times are
minutes after local midnight in the subscriber's time zone (420 = 07:00); the parsers are pure
so every accepted and refused form is tested without Telegram or a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.i18n import LOCALES
from bot.services.digest_schedule import first_last, zone_of
from storage.db import Database
from storage.models import utcnow
from storage.repositories import subscribers

__all__ = [
    "DIGEST_PRESETS",
    "OFF",
    "QUIET_PRESETS",
    "DeliveryMode",
    "Off",
    "Preferences",
    "QuietHours",
    "ReaderSettings",
    "clock_text",
    "parse_clock",
    "parse_digest",
    "parse_language",
    "parse_quiet",
]

# "7", "7:00", "07:30", "7h", "7h30", "7g30" (Vietnamese writes 7 giờ 30 as 7g30 or 7h30).
_CLOCK = re.compile(r"([0-9]{1,2})(?:[:h.g]([0-9]{2})?)?")
# "22-6", "22:00-6:00", "22h – 6h": two clocks around a hyphen or dash (spaces allowed).
_RANGE = re.compile(r"(.+?)\s*[-–—]\s*(.+)")
_OFF_WORDS = frozenset({"off", "tat", "tắt"})


class Off(StrEnum):
    """The setting is switched off (``/quiet off``, ``/digest off``)."""

    OFF = "off"


OFF = Off.OFF


class DeliveryMode(StrEnum):
    """How news reaches a reader: each story at once, a daily digest, or both."""

    INSTANT = "instant"
    DIGEST = "digest"
    BOTH = "both"


# The /settings buttons' choices (anything else is typed: /digest 6:30, /quiet 21:30-5).
DIGEST_PRESETS = (6 * 60, 7 * 60, 12 * 60, 18 * 60, 20 * 60)
DEFAULT_DIGEST_AT = 7 * 60  # a digest chosen by its mode button alone comes at 07:00


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Pushes arriving from ``start`` up to ``end`` (minutes, may wrap midnight) are silent."""

    start: int
    end: int


QUIET_PRESETS = (QuietHours(22 * 60, 6 * 60), QuietHours(23 * 60, 7 * 60))


def clock_text(minutes: int) -> str:
    """``7:00``, ``22:30``: how Vietnamese and English readers write a time of day."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def parse_clock(text: str) -> int | None:
    """Minutes after midnight for a typed time of day; None for anything else (``25:99``)."""
    found = _CLOCK.fullmatch(text.strip().lower())
    if found is None:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def _is_off(args: list[str]) -> bool:
    return len(args) == 1 and args[0].strip().lower() in _OFF_WORDS


def parse_quiet(args: list[str]) -> QuietHours | Off | None:
    """``22-6`` (22:00 to 06:00), ``22:30-6:15``, ``off``; None when it is none of these."""
    if _is_off(args):
        return OFF
    found = _RANGE.fullmatch(" ".join(args).strip())
    if found is None:
        return None
    start, end = parse_clock(found.group(1)), parse_clock(found.group(2))
    if start is None or end is None or start == end:
        return None
    return QuietHours(start, end)


def parse_digest(args: list[str]) -> int | Off | None:
    """``7:00`` (a daily digest at 07:00), ``off``; None when it is neither."""
    if _is_off(args):
        return OFF
    if len(args) != 1:
        return None
    return parse_clock(args[0])


def parse_language(args: list[str]) -> str | None:
    """``vi`` or ``en`` (any case); None for anything else."""
    if len(args) != 1:
        return None
    wanted = args[0].strip().lower()
    return wanted if wanted in LOCALES else None


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """What a subscriber chose, as /start shows it to a returning reader."""

    language: str
    instant: bool
    digest_at: int | None
    quiet: QuietHours | None
    all_topics: bool
    topics: int  # how many chosen, when not all
    images: bool = True

    @property
    def mode(self) -> DeliveryMode:
        if self.digest_at is None:
            return DeliveryMode.INSTANT
        return DeliveryMode.BOTH if self.instant else DeliveryMode.DIGEST


class Preferences:
    def __init__(
        self,
        database: Database,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._timezone = timezone  # the station's: readers without a zone of their own
        self._clock = clock

    async def current(self, chat_id: int) -> ReaderSettings | None:
        """The chat's settings; None when it never subscribed."""
        async with self._database.session() as session:
            found = await subscribers.get(session, chat_id)
            if found is None:
                return None
            quiet = None
            if found.quiet_start is not None and found.quiet_end is not None:
                quiet = QuietHours(found.quiet_start, found.quiet_end)
            return ReaderSettings(
                language=found.language,
                instant=found.instant,
                digest_at=found.digest_at,
                quiet=quiet,
                all_topics=found.all_topics,
                topics=0 if found.all_topics else await subscribers.topic_count(session, chat_id),
                images=found.wants_images,
            )

    async def language_of(self, chat_id: int) -> str | None:
        """The chat's stored language (``/lang``, the settings button, or the one it subscribed
        in); None when the bot does not know the chat."""
        async with self._database.session() as session:
            found = await subscribers.language_of(session, chat_id)
        return found if found in LOCALES else None

    async def _change(self, chat_id: int, **values: object) -> ReaderSettings | None:
        """Store settings of an active subscriber and return them; None when not subscribed."""
        async with self._database.session() as session:
            changed = await subscribers.change_settings(session, chat_id, values)
        return await self.current(chat_id) if changed else None

    async def set_quiet(self, chat_id: int, quiet: QuietHours | Off) -> ReaderSettings | None:
        """Store quiet hours (or none)."""
        start, end = (quiet.start, quiet.end) if isinstance(quiet, QuietHours) else (None, None)
        return await self._change(chat_id, quiet_start=start, quiet_end=end)

    async def set_digest(self, chat_id: int, at: int | Off) -> ReaderSettings | None:
        """Store the digest time, keeping the delivery mode (a new reader gets both: instant
        pushes and the digest). ``off`` ends the digest and turns instant pushes back on, so
        a reader never ends up receiving nothing."""
        if at is OFF:
            return await self._change(chat_id, digest_at=None, instant=True)
        return await self._digest(chat_id, int(at), instant=None)

    async def set_mode(self, chat_id: int, mode: DeliveryMode) -> ReaderSettings | None:
        """Instant pushes only, the daily digest only, or both; a digest without a time yet
        comes at 07:00 (the /settings time buttons or /digest change it)."""
        if mode is DeliveryMode.INSTANT:
            return await self._change(chat_id, digest_at=None, instant=True)
        return await self._digest(chat_id, None, instant=mode is DeliveryMode.BOTH)

    async def _digest(
        self, chat_id: int, at: int | None, *, instant: bool | None
    ) -> ReaderSettings | None:
        """Store a digest time; the next edition holds what was stored since the reader's last
        one or since the latest slot of the new time, whichever is later (see
        ``digest_schedule.first_last``): choosing a time never sends an edition at once."""
        async with self._database.session() as session:
            found = await subscribers.get(session, chat_id)
            if found is None or not found.active:
                return None
            minute = at if at is not None else (found.digest_at or DEFAULT_DIGEST_AT)
            start = first_last(self._clock(), minute, zone_of(found.timezone, self._timezone))
            if found.last_digest_at is not None:
                start = max(start, found.last_digest_at)
            values: dict[str, object] = {"digest_at": minute, "last_digest_at": start}
            if instant is not None:
                values["instant"] = instant
            await subscribers.change_settings(session, chat_id, values)
        return await self.current(chat_id)

    async def set_language(self, chat_id: int, language: str) -> ReaderSettings | None:
        """Store the language pushes and digests are written in."""
        return await self._change(chat_id, language=language)

    async def set_images(self, chat_id: int, on: bool) -> ReaderSettings | None:
        """Pushes with the article's photo, or text only (lighter on mobile data)."""
        return await self._change(chat_id, wants_images=on)
