"""The article draft: one feed entry, cleaned and summarised, before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """Everything the bot needs from one feed entry; no storage or Telegram types.

    `guid` is the identity inside one feed (unique per feed+guid in storage): the entry's
    guid/id, else its link, else a hash of its title and text (`parse.entry_identity`).
    `content_hash` changes when the title or summary changes, so the caller can tell a
    revised article (edit the posted message) from an unchanged one seen again.
    """

    guid: str
    url: str | None  # None: the entry has no usable link (pushed without the 📖 button)
    title: str
    author: str | None
    published_at: datetime
    topics: tuple[str, ...]
    image_url: str | None
    video_url: str | None
    summary: str
    text: str
    has_full_content: bool
    content_hash: str
    video_size: int | None = None  # bytes, when the feed says (bot.feeds.media)
