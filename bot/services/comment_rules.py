"""What happens to a comment a reader sends: pure rules, the clock and the reader's history
passed in, tested without Telegram or a database.

Order matters and follows what a reader should hear first: a ban before anything about the
text; the text's shape (text only, 2–2,000 characters) before rate limits (a refused text
does not count against them: it is never stored); a repeat before the limits (it is ignored,
not counted twice); the block list last before acceptance. An accepted comment waits for a
moderator when it carries a link or is the reader's first, and is otherwise approved only when
auto-approval is on and the reader has enough approved comments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

MIN_LENGTH = 2
MAX_LENGTH = 2000
DUPLICATE_WINDOW = timedelta(minutes=10)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
PSEUDONYM_MAX = 64

# Anything a reader's client or a moderator's would open: scheme URLs, www., bare domains
# with a path or a common top-level domain, t.me and @-less Telegram links.
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|\bt\.me/|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
    r"(?:com|net|org|info|vn|io|me|ru|xyz|top|biz|co|ly|gl|link|site|online|club)\b)",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


class Verdict(StrEnum):
    """The rules' answer; every member has its own message for the reader."""

    HELD = "held"  # stored as pending: a moderator decides
    APPROVED = "approved"  # stored as approved at once (auto-approval)
    NOT_TEXT = "not_text"  # a photo, a sticker…
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"  # the same text within 10 minutes: ignored
    PER_MINUTE = "per_minute"
    PER_DAY = "per_day"
    BANNED = "banned"
    BLOCKED = "blocked"  # a word on the block list: refused outright
    # Not a rule's verdict: the 💬 prompt this answers expired (the text is not stored).
    PROMPT_EXPIRED = "prompt_expired"


class HeldBecause(StrEnum):
    """Why a comment waits for a moderator (shown on its card)."""

    LINK = "link"
    FIRST = "first"
    REVIEW = "review"  # auto-approval is off: every comment is reviewed


@dataclass(frozen=True, slots=True)
class CommentRules:
    per_minute: int = 5
    per_day: int = 30
    blocklist: tuple[str, ...] = ()
    auto_approve_after: int = 0  # approved comments before a reader is trusted; 0 = never


@dataclass(frozen=True, slots=True)
class Earlier:
    """One of the reader's stored comments of the last day."""

    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class History:
    banned: bool = False
    approved: int = 0  # the reader's approved comments, ever
    recent: Sequence[Earlier] = field(default_factory=tuple)  # the last 24 hours


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    held_because: HeldBecause | None = None
    text: str = ""  # the comment as stored (normalised)


def normalise(text: str) -> str:
    """NFC, no control characters but newlines, no leading or trailing space."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return kept.strip()


def length(text: str) -> int:
    """Characters as a reader counts them (code points after NFC)."""
    return len(text)


def has_link(text: str) -> bool:
    return _LINK.search(text) is not None


def _fold(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def blocked_word(text: str, blocklist: Sequence[str]) -> str | None:
    """The first block-list entry found in ``text`` (case-insensitive), as WordPress's
    "disallowed keys" match: a substring of the comment."""
    folded = _fold(text)
    for word in blocklist:
        entry = _fold(word)
        if entry and entry in folded:
            return word
    return None


def judge(text: str | None, history: History, now: datetime, rules: CommentRules) -> Judgement:
    """What happens to ``text`` (None: not a text message) sent by a reader with ``history``."""
    if history.banned:
        return Judgement(Verdict.BANNED)
    if text is None:
        return Judgement(Verdict.NOT_TEXT)
    clean = normalise(text)
    if length(clean) < MIN_LENGTH:
        return Judgement(Verdict.TOO_SHORT)
    if length(clean) > MAX_LENGTH:
        return Judgement(Verdict.TOO_LONG)
    same = _fold(clean)
    if any(now - e.at < DUPLICATE_WINDOW and _fold(e.text) == same for e in history.recent):
        return Judgement(Verdict.DUPLICATE)
    if sum(1 for e in history.recent if now - e.at < MINUTE) >= rules.per_minute:
        return Judgement(Verdict.PER_MINUTE)
    if sum(1 for e in history.recent if now - e.at < DAY) >= rules.per_day:
        return Judgement(Verdict.PER_DAY)
    if blocked_word(clean, rules.blocklist) is not None:
        return Judgement(Verdict.BLOCKED)
    if has_link(clean):
        return Judgement(Verdict.HELD, HeldBecause.LINK, clean)
    if history.approved == 0:
        return Judgement(Verdict.HELD, HeldBecause.FIRST, clean)
    if rules.auto_approve_after > 0 and history.approved >= rules.auto_approve_after:
        return Judgement(Verdict.APPROVED, None, clean)
    return Judgement(Verdict.HELD, HeldBecause.REVIEW, clean)


def pseudonym(text: str) -> str | None:
    """A ``/name`` argument as stored: one line, 2–64 characters, no link; None if unusable."""
    name = _SPACES.sub(" ", normalise(text))
    if not MIN_LENGTH <= len(name) <= PSEUDONYM_MAX or has_link(name) or "@" in name:
        return None
    return name
