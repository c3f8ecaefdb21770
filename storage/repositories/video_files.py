"""Telegram's file_id per video URL (or why the URL cannot be sent as a video).

One row per URL, shared by every recipient, channel and sender process, and kept across
restarts: a file uploaded once is sent by its file_id from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, Feed, VideoFile

_FAILURE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class KnownVideo:
    file_id: str | None
    failure: str | None


async def known(session: AsyncSession, urls: Sequence[str]) -> dict[str, KnownVideo]:
    if not urls:
        return {}
    rows = await session.execute(
        select(VideoFile.video_url, VideoFile.file_id, VideoFile.failure).where(
            VideoFile.video_url.in_(list(urls))
        )
    )
    return {url: KnownVideo(file_id, failure) for url, file_id, failure in rows}


async def remember(
    session: AsyncSession,
    url: str,
    *,
    now: datetime,
    file_id: str | None = None,
    size: int | None = None,
    failure: str | None = None,
) -> None:
    """Store what was learned; a file_id wins over a failure (another process may have
    uploaded it meanwhile), so a known file_id is never overwritten by a failure."""
    failure = failure[:_FAILURE_LIMIT] if failure else None
    row = await session.get(VideoFile, url)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(
                    VideoFile(
                        video_url=url, file_id=file_id, size=size, failure=failure, updated_at=now
                    )
                )
            return
        except IntegrityError:  # another sender stored it first
            row = await session.get(VideoFile, url, populate_existing=True)
            if row is None:
                return
    if file_id is not None:
        row.file_id, row.failure = file_id, None
    elif row.file_id is None:
        row.failure = failure
    if size is not None:
        row.size = size
    row.updated_at = now


async def forget(session: AsyncSession, url: str) -> None:
    await session.execute(delete(VideoFile).where(VideoFile.video_url == url))


async def feed_urls(session: AsyncSession, article_ids: Sequence[int]) -> dict[int, str]:
    """article id -> the URL of the feed it came from (a video is fetched from that host only)."""
    if not article_ids:
        return {}
    rows = await session.execute(
        select(Article.id, Feed.url)
        .join(Feed, Feed.id == Article.feed_id)
        .where(Article.id.in_(list(article_ids)))
    )
    return {article_id: url for article_id, url in rows}
