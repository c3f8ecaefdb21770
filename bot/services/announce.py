"""Telling readers about a poll's new articles: the newest few pushed one by one, the rest of
a burst as one "… and N more" notice (see bot.feeds.burst for the choice).

Each audience is written in its own transaction (a push to 10,000 readers is 10,000 rows, and
SQLite has one writer): every write is idempotent (one row per article, or per notice ref, and
chat), so a poll that dies in between plans the same announcement next time and doubles
nothing. The caller advances the feed's state only after this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.feeds.burst import plan_pushes
from bot.i18n import deferred_n
from storage.db import Database
from storage.repositories import articles, deliveries


@dataclass(frozen=True, slots=True)
class Announced:
    pushed: int  # articles pushed one by one
    summarised: int  # articles announced only in the burst notice
    enqueued: int  # delivery rows written


async def announce(
    database: Database,
    feed_id: int,
    new: dict[int, datetime],
    *,
    since: datetime,
    limit: int,
    source: str,
    site_url: str | None,
    now: datetime,
    expires_at: datetime,
) -> Announced:
    """Announce ``new`` (article id -> published) and whatever this feed stored after
    ``since`` (its last success) without announcing it: a poll that died half-way."""
    async with database.session() as session:
        candidates = dict(await articles.unannounced(session, feed_id, after=since))
    candidates.update(new)
    if not candidates:
        return Announced(0, 0, 0)
    plan = plan_pushes(candidates.items(), limit)
    enqueued = 0
    for article_id in plan.push:
        async with database.session() as session:
            enqueued += await deliveries.enqueue_article(
                session, article_id, now=now, expires_at=expires_at
            )
    if plan.summarised:
        async with database.session() as session:
            covering = await articles.covering_ids(session, plan.summarised)
            enqueued += await deliveries.enqueue_notice_for_articles(
                session,
                covering,
                # One notice per feed and burst, whichever poll finally announces it.
                ref=f"burst:{feed_id}:{plan.summarised[0]}",
                payload=burst_payload(len(plan.summarised), source, site_url),
                now=now,
                expires_at=expires_at,
            )
    return Announced(len(plan.push), len(plan.summarised), enqueued)


def burst_payload(count: int, source: str, site_url: str | None) -> dict[str, Any]:
    """The notice as the outbox stores it: a plural catalogue message, rendered per reader in
    their language ("… và 4.995 tin khác", "… and 4,995 more stories"), and the site's link."""
    payload = deferred_n("news.burst_more", count, source=source).to_json()
    if site_url:
        payload["url"] = site_url
    return payload
