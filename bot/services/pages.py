"""Entries whose feed text yields no summary get one from the article page."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import urlsplit

from bot.feeds.draft import ArticleDraft
from bot.feeds.fetch import FeedFetcher
from bot.feeds.parse import ParsedFeed
from bot.news.extract import extract_article, og_image
from bot.news.summary import summarize
from storage.db import Database
from storage.repositories import articles

PAGE_FETCHES_PER_POLL = 5  # pages fetched for entries whose feed text gives no summary


async def complete_from_pages(
    database: Database,
    fetcher: FeedFetcher,
    feed_id: int,
    parsed: ParsedFeed,
    *,
    feed_url: str,
    summary_limit: int,
) -> ParsedFeed:
    """The feed with its text-less entries completed from their pages.

    Only pages on the feed's own host are fetched: a feed item must not be able to make
    the bot request (and publish) an internal address. An entry stored before and not
    revised since is left alone: its summary is already stored, and re-reading up to
    PAGE_FETCHES_PER_POLL pages on every change of the feed would only load the site.
    """
    host = urlsplit(feed_url).hostname
    bare = [d for d in parsed.entries if not d.summary and urlsplit(d.url).hostname == host]
    if not bare:
        return parsed
    async with database.session() as session:
        stored = await articles.stored_hashes(session, feed_id, [d.guid for d in bare])
    bare = [d for d in bare if stored.get(d.guid) != d.content_hash][-PAGE_FETCHES_PER_POLL:]
    if not bare:
        return parsed
    replaced: dict[str, ArticleDraft] = {}
    for draft in bare:
        page = await fetcher.fetch_page(draft.url)
        if page is None:
            continue
        text = await asyncio.to_thread(extract_article, page, draft.url)
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        replaced[draft.guid] = dataclasses.replace(
            draft,
            text=text,
            summary=summarize(paragraphs, summary_limit),
            image_url=draft.image_url or og_image(page),
        )
    entries = [replaced.get(d.guid, d) for d in parsed.entries]
    return dataclasses.replace(parsed, entries=entries)
