"""`newsbot feed preview SOURCE`: what the bot would make of a feed, without storing or
sending anything and without a Telegram token."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.feeds.draft import ArticleDraft
from bot.feeds.errors import FeedSourceError
from bot.feeds.fetch import FeedFetcher
from bot.feeds.pages import complete_drafts
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.i18n import DEFAULT_LOCALE


def _is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in ("http", "https")


async def preview(
    source: str,
    *,
    summary_limit: int = 400,
    fetcher: FeedFetcher | None = None,
    fetch_pages: bool = False,
) -> list[ArticleDraft]:
    """`preview_feed`'s drafts, oldest first."""
    parsed = await preview_feed(
        source, summary_limit=summary_limit, fetcher=fetcher, fetch_pages=fetch_pages
    )
    return parsed.entries


async def preview_feed(
    source: str,
    *,
    summary_limit: int = 400,
    fetcher: FeedFetcher | None = None,
    fetch_pages: bool = False,
    locale: str = DEFAULT_LOCALE,
) -> ParsedFeed:
    """The feed from a URL (http/https) or a local file as the poller would store it, entries
    oldest first. ``fetch_pages`` completes text-less entries from their article pages, as
    the poller does (on the feed's own host only).

    Raises a FeedError subclass (FeedSourceError, FeedHttpError, NotAFeed, …) whose message
    can be printed as is.
    """
    fetched_at = datetime.now(UTC)
    own = fetcher is None
    active = fetcher or FeedFetcher()
    try:
        if _is_url(source):
            result = await active.fetch(source, etag=None, last_modified=None)
            body, content_type, base = result.body, result.content_type, result.final_url
        else:
            try:
                body = await asyncio.to_thread(Path(source).read_bytes)
            except OSError as exc:
                raise FeedSourceError(
                    f"cannot read {source!r}: {exc.strerror or type(exc).__name__}"
                    " (give an http(s) URL or a feed file)"
                ) from None
            content_type, base = None, None
        parsed = await asyncio.to_thread(
            parse_feed,
            body,
            fetched_at=fetched_at,
            content_type=content_type,
            summary_limit=summary_limit,
            base_url=base,
            locale=locale,
        )
        feed_url = base or parsed.link
        if fetch_pages and feed_url:
            entries = await complete_drafts(
                active, parsed.entries, feed_url=feed_url, summary_limit=summary_limit
            )
            parsed = dataclasses.replace(parsed, entries=entries)
    finally:
        if own:
            await active.close()
    return parsed


def _newest_first(drafts: Sequence[ArticleDraft]) -> list[ArticleDraft]:
    # Reverse first so that items with equal timestamps also come out in reverse order.
    return sorted(reversed(drafts), key=lambda d: d.published_at, reverse=True)


def _iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def preview_json(drafts: Sequence[ArticleDraft]) -> str:
    """One JSON array, newest first, of what the bot would store for each entry: title, url
    (null for an entry without a link), summary, topics, image, published, then guid,
    author, video and the clean text."""
    items = [
        {
            "title": d.title,
            "url": d.url,
            "summary": d.summary,
            "topics": list(d.topics),
            "image": d.image_url,
            "published": _iso_utc(d.published_at),
            "guid": d.guid,
            "author": d.author,
            "video": d.video_url,
            "text": d.text,
        }
        for d in _newest_first(drafts)
    ]
    return json.dumps(items, ensure_ascii=False, indent=2)


def preview_text(drafts: Sequence[ArticleDraft]) -> str:
    """Plain text for a person reading a terminal, newest first. The labels are English like
    the rest of the CLI; the items themselves are shown as subscribers would read them."""
    if not drafts:
        return "(no items)\n"
    blocks: list[str] = []
    for number, d in enumerate(_newest_first(drafts), start=1):
        when = d.published_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [f"{number}. {d.title}", f"   {when}"]
        if d.topics:
            lines.append(f"   Topics: {', '.join(d.topics)}")
        if d.summary:
            lines.append(f"   {d.summary}")
        if d.image_url:
            lines.append(f"   Image: {d.image_url}")
        if d.video_url:
            lines.append(f"   Video: {d.video_url}")
        lines.append(f"   {d.url or '(no link: sent without the read button)'}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
