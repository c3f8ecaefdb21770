"""Feeds and their polling state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Feed, utcnow


async def ensure_feeds(
    session: AsyncSession, urls: Sequence[str], *, now: datetime | None = None
) -> list[Feed]:
    """Make sure every configured URL has an active feed row; new ones are polled at once.

    A URL is found by the feed's current address or by the one it was first listed under:
    a feed that moved (301) and is still listed under its old URL is the same feed.
    """
    now = now or utcnow()
    wanted = list(dict.fromkeys(urls))
    rows = (
        await session.scalars(
            select(Feed).where(or_(Feed.url.in_(wanted), Feed.listed_url.in_(wanted)))
        )
    ).all()
    by_url = {feed.url: feed for feed in rows}
    by_listing = {feed.listed_url: feed for feed in rows if feed.listed_url}
    feeds: list[Feed] = []
    for url in wanted:
        feed = by_url.get(url) or by_listing.get(url)
        if feed is None:
            feed = Feed(url=url, listed_url=url, active=True, next_poll_at=now, created_at=now)
            session.add(feed)
            by_url[url] = feed
        elif not feed.active:
            feed.active = True
            feed.next_poll_at = now
        if feed not in feeds:  # the old and the new URL both listed: still one feed
            feeds.append(feed)
    await session.flush()
    return feeds


async def due_feeds(
    session: AsyncSession, now: datetime, *, exclude: Sequence[int] = ()
) -> list[Feed]:
    """Active feeds whose next poll time has come, most overdue first."""
    query = (
        select(Feed)
        .where(Feed.active.is_(True), Feed.next_poll_at <= now)
        .order_by(Feed.next_poll_at)
    )
    if exclude:
        query = query.where(Feed.id.not_in(list(exclude)))
    return list((await session.scalars(query)).all())


async def get(session: AsyncSession, feed_id: int) -> Feed | None:
    return await session.get(Feed, feed_id)


async def find_by_url(session: AsyncSession, url: str) -> Feed | None:
    """The feed at ``url`` now, or first listed under it."""
    return (
        await session.scalars(select(Feed).where(or_(Feed.url == url, Feed.listed_url == url)))
    ).first()


async def record_not_modified(
    session: AsyncSession,
    feed_id: int,
    *,
    now: datetime,
    next_poll_at: datetime,
    etag: str | None,
    last_modified: str | None,
) -> None:
    """A healthy feed answered 304: schedule it again, keeping validators the 304 omitted."""
    values: dict[str, object] = {
        "last_polled_at": now,
        "last_success_at": now,
        "next_poll_at": next_poll_at,
    }
    if etag:
        values["etag"] = etag
    if last_modified:
        values["last_modified"] = last_modified
    await session.execute(update(Feed).where(Feed.id == feed_id).values(**values))
