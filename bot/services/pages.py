"""Entries whose feed text yields no summary get one from the article page."""

from __future__ import annotations

import dataclasses

from bot.feeds.draft import ArticleDraft
from bot.feeds.fetch import FeedFetcher
from bot.feeds.pages import PAGE_FETCHES_PER_POLL, bare_drafts, complete_drafts
from bot.feeds.parse import ParsedFeed
from storage.db import Database
from storage.repositories import articles

__all__ = ["PAGE_FETCHES_PER_POLL", "complete_from_pages"]


async def complete_from_pages(
    database: Database,
    fetcher: FeedFetcher,
    feed_id: int,
    parsed: ParsedFeed,
    *,
    feed_url: str,
    summary_limit: int,
) -> ParsedFeed:
    """The feed with its text-less entries completed from their pages (`complete_drafts`).

    An entry stored before and not revised since is left alone: its summary is already
    stored, and re-reading up to PAGE_FETCHES_PER_POLL pages on every change of the feed
    would only load the site.
    """
    bare = bare_drafts(parsed.entries, feed_url)
    if not bare:
        return parsed
    async with database.session() as session:
        stored = await articles.stored_hashes(session, feed_id, [d.guid for d in bare])

    def unstored(drafts: list[ArticleDraft]) -> list[ArticleDraft]:
        return [d for d in drafts if stored.get(d.guid) != d.content_hash]

    entries = await complete_drafts(
        fetcher, parsed.entries, feed_url=feed_url, summary_limit=summary_limit, wanted=unstored
    )
    return dataclasses.replace(parsed, entries=entries)
