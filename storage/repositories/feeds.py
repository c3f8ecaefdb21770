"""Feeds and their polling state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, Feed, UTCDateTime, utcnow


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
    scheduled_at: datetime | None = None,
    requested_poll_at: datetime | None = None,
) -> None:
    """A healthy feed answered 304: schedule it again, keeping validators the 304 omitted.

    With ``scheduled_at`` (the row's next poll time when the poll started): a row whose next
    poll time changed meanwhile had a poll requested, which is kept at ``requested_poll_at``
    (or ``next_poll_at`` if sooner) instead of being overwritten."""
    schedule: object = next_poll_at
    if scheduled_at is not None and requested_poll_at is not None:
        schedule = case(
            (
                Feed.next_poll_at == literal(scheduled_at, UTCDateTime),
                literal(next_poll_at, UTCDateTime),
            ),
            else_=literal(min(next_poll_at, requested_poll_at), UTCDateTime),
        )
    values: dict[str, object] = {
        "last_polled_at": now,
        "last_success_at": now,
        "next_poll_at": schedule,
    }
    if etag:
        values["etag"] = etag
    if last_modified:
        values["last_modified"] = last_modified
    await session.execute(update(Feed).where(Feed.id == feed_id).values(**values))


async def active_feeds(session: AsyncSession) -> list[Feed]:
    """Every feed being polled, in the order they were added."""
    query = select(Feed).where(Feed.active.is_(True)).order_by(Feed.id)
    return list((await session.scalars(query)).all())


async def article_counts(session: AsyncSession, feed_ids: Sequence[int]) -> dict[int, int]:
    """Articles stored per feed (one grouped COUNT)."""
    if not feed_ids:
        return {}
    rows = await session.execute(
        select(Article.feed_id, func.count())
        .where(Article.feed_id.in_(list(feed_ids)))
        .group_by(Article.feed_id)
    )
    return {int(feed_id): int(count) for feed_id, count in rows.all()}


async def add(session: AsyncSession, url: str, *, title: str | None, now: datetime) -> Feed:
    """Poll ``url`` from now on. Its first poll stores what it lists as backlog (never pushed),
    also for a feed removed earlier and added again: what it published meanwhile is old news."""
    feed = await find_by_url(session, url)
    if feed is None:
        feed = Feed(url=url, created_at=now)
        session.add(feed)
    feed.title = title or feed.title
    feed.active, feed.primed, feed.next_poll_at = True, False, now
    feed.etag = feed.last_modified = None
    feed.failures, feed.last_error, feed.alerted_down = 0, None, False
    await session.flush()
    return feed


async def deactivate(session: AsyncSession, feed_id: int) -> bool:
    """Stop polling a feed; its articles stay (they may be linked from sent messages)."""
    result = await session.execute(
        update(Feed).where(Feed.id == feed_id, Feed.active.is_(True)).values(active=False)
    )
    return bool(getattr(result, "rowcount", 0))
