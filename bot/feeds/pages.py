"""Drafts whose feed text yields no summary, completed from their article pages.

Shared by the poller (`bot.services.pages`, which first leaves out entries already stored)
and `newsbot feed preview --fetch-pages`, so a preview shows what a poll would store.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from bot.feeds.draft import ArticleDraft
from bot.feeds.fetch import FeedFetcher
from bot.news.extract import extract_article, og_image
from bot.news.summary import summarize

PAGE_FETCHES_PER_POLL = 5  # pages fetched for entries whose feed text gives no summary


def bare_drafts(drafts: Sequence[ArticleDraft], feed_url: str) -> list[ArticleDraft]:
    """Entries without a summary whose page may be fetched.

    Only pages on the feed's own host: a feed item must not be able to make the bot request
    (and publish) an internal address.
    """
    host = urlsplit(feed_url).hostname
    return [d for d in drafts if not d.summary and d.url and urlsplit(d.url).hostname == host]


async def complete_drafts(
    fetcher: FeedFetcher,
    drafts: Sequence[ArticleDraft],
    *,
    feed_url: str,
    summary_limit: int,
    wanted: Callable[[list[ArticleDraft]], list[ArticleDraft]] | None = None,
) -> list[ArticleDraft]:
    """``drafts`` with the newest PAGE_FETCHES_PER_POLL bare ones completed from their pages
    (text, summary, and the page's og:image when the feed gave none). ``wanted`` narrows the
    bare drafts first (the poller drops those already stored)."""
    bare = bare_drafts(drafts, feed_url)
    if wanted is not None and bare:
        bare = wanted(bare)
    bare = bare[-PAGE_FETCHES_PER_POLL:]
    if not bare:
        return list(drafts)
    replaced: dict[str, ArticleDraft] = {}
    for draft in bare:
        page = await fetcher.fetch_page(draft.url) if draft.url else None
        if page is None or draft.url is None:
            continue
        text = await asyncio.to_thread(extract_article, page, draft.url)
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        replaced[draft.guid] = dataclasses.replace(
            draft,
            text=text,
            summary=summarize(paragraphs, summary_limit),
            image_url=draft.image_url or og_image(page),
        )
    return [replaced.get(d.guid, d) for d in drafts]
