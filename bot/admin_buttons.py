"""Buttons of the channel and feed admin screens, in the one callback codec.

Own module (like ``bot.comment_buttons``) so the payloads are registered wherever a handler
module needs them, without importing Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.callbacks import button

ALL_TOPICS = "_all"  # ChannelTopicButton's slug for "every topic" (slugs never start with _)


class ChannelOp(StrEnum):
    """What a button under a channel's card does."""

    IMAGES = "i"  # images on / off
    SILENT = "s"  # silent posts on / off
    COMMENTS = "c"  # 💬 button / native discussion comments
    TOPICS = "t"  # open the topic picker
    PAUSE = "p"
    RESUME = "r"
    REMOVE = "x"  # ask for confirmation
    REMOVE_YES = "xy"  # confirmed
    BACK = "b"  # back to the card (from the picker or the confirmation)


@button("chan")
@dataclass(frozen=True, slots=True)
class ChannelButton:
    """``chan:<channel id>:<op>``."""

    chat_id: int
    op: ChannelOp

    def __post_init__(self) -> None:
        if self.chat_id >= 0:
            raise ValueError("channel ids are negative")


@button("chant")
@dataclass(frozen=True, slots=True)
class ChannelTopicButton:
    """One section in a channel's topic picker: ``chant:<channel id>:<slug or _all>``."""

    chat_id: int
    slug: str

    def __post_init__(self) -> None:
        if self.chat_id >= 0:
            raise ValueError("channel ids are negative")


class FeedOp(StrEnum):
    POLL = "p"  # poll this feed now
    REMOVE = "x"  # ask for confirmation
    REMOVE_YES = "xy"
    KEEP = "k"  # confirmation declined


@button("feed")
@dataclass(frozen=True, slots=True)
class FeedButton:
    """``feed:<feed id>:<op>``."""

    feed_id: int
    op: FeedOp

    def __post_init__(self) -> None:
        if self.feed_id <= 0:
            raise ValueError("feed ids are positive")
