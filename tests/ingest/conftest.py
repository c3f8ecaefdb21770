"""Ingest against the sandbox station: the service on an injected clock, an audience, feed edits."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.feeds.fetch import FeedFetcher
from bot.services.ingest import Ingest
from storage.db import Database
from storage.models import Article, Channel, Delivery, Feed, Subscriber
from storage.repositories import feeds
from tests.sandbox import Sandbox

# The morning after the fixture feed's newest item (04/7/2014 13:30 UTC): 08:00 in Kon Tum.
NOW = datetime(2014, 7, 5, 1, 0, tzinfo=UTC)
INTERVAL = 300.0
FEED_PATH = "/feed"
CATEGORY_PATH = "/category/thoi-su/feed"
ITEM = re.compile(r"[ \t]*<item>.*?</item>\s*", re.DOTALL)
INSTANT_SUBSCRIBERS = (1001, 1002, 1003)
CHANNEL = -1001234567890


class Clock:
    """Injected time: tests move it instead of sleeping."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        self.now = when


@dataclass
class Alerts:
    texts: list[str] = field(default_factory=list)

    async def __call__(self, text: str) -> None:
        self.texts.append(text)


# --- the fixture feed, edited the way the station's site changes it ------------------------
def split_feed(feed: str) -> tuple[str, list[str], str]:
    """(head, items newest first, tail) of an RSS document."""
    items = [m.group(0) for m in ITEM.finditer(feed)]
    first = ITEM.search(feed)
    assert first is not None and items
    head = feed[: first.start()]
    last_end = list(ITEM.finditer(feed))[-1].end()
    return head, items, feed[last_end:]


def with_items(feed: str, items: Sequence[str]) -> str:
    head, _, tail = split_feed(feed)
    return head + "".join(items) + tail


def new_item(
    post_id: int,
    title: str | None = "Khánh thành cầu treo qua sông Đăk Bla",
    *,
    published: str | None = "Sat, 05 Jul 2014 00:30:00 +0000",
    link: bool = True,
    categories: Sequence[str] = ("Thời sự",),
    guid: str | None = None,
    body: str = (
        "(kontumtv.vn) &#8211; Sáng 5/7, UBND TP. Kon Tum khánh thành cầu treo qua sông Đăk "
        "Bla, nối làng Kon Klor với trung tâm thành phố. Cây cầu dài 292 m, rộng 3 m, với tổng "
        "vốn đầu tư 12,5 tỷ đồng."
    ),
) -> str:
    slug = f"bai-viet-{post_id}"
    parts = ["\t<item>\n"]
    if title is not None:
        parts.append(f"\t\t<title>{title}</title>\n")
    if link:
        parts.append(f"\t\t<link>https://kontumtv.vn/tin-tuc/thoi-su/{slug}</link>\n")
    if published is not None:
        parts.append(f"\t\t<pubDate>{published}</pubDate>\n")
    parts.extend(f"\t\t<category><![CDATA[{c}]]></category>\n" for c in categories)
    parts.append(
        f'\t\t<guid isPermaLink="false">{guid or f"https://kontumtv.vn/?p={post_id}"}</guid>\n'
    )
    parts.append(f"\t\t<description><![CDATA[{body} [&#8230;]]]></description>\n")
    parts.append(f"\t\t<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded>\n")
    parts.append("\t</item>\n")
    return "".join(parts)


# --- storage views ---------------------------------------------------------------------------
async def all_articles(database: Database) -> list[Article]:
    async with database.session() as session:
        return list((await session.scalars(select(Article).order_by(Article.id))).all())


async def article_count(database: Database) -> int:
    return len(await all_articles(database))


async def all_deliveries(database: Database) -> list[Delivery]:
    async with database.session() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def feed_row(database: Database, feed_id: int) -> Feed:
    async with database.session() as session:
        feed = await feeds.get(session, feed_id)
        assert feed is not None
        return feed


async def add_feed(database: Database, url: str, *, due: datetime = NOW) -> int:
    async with database.session() as session:
        (feed,) = await feeds.ensure_feeds(session, [url], now=due)
        return feed.id


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alerts() -> Alerts:
    return Alerts()


IngestFactory = Callable[..., Ingest]


@pytest.fixture
async def make_poller(
    database: Database, clock: Clock, alerts: Alerts
) -> AsyncIterator[IngestFactory]:
    """Pollers on the test database and clock; their fetchers are closed afterwards."""
    fetchers: list[FeedFetcher] = []

    def make(fetcher: FeedFetcher | None = None, *, concurrency: int = 4, **options: Any) -> Ingest:
        fetcher = fetcher or FeedFetcher(connect_timeout=2, read_timeout=3, total_timeout=5)
        fetchers.append(fetcher)
        return Ingest(
            database,
            fetcher,
            interval_s=INTERVAL,
            clock=clock,
            alert=alerts,
            rng=random.Random(7),
            concurrency=concurrency,
            **options,
        )

    yield make
    for fetcher in fetchers:
        await fetcher.close()


@pytest.fixture
async def poller(make_poller: IngestFactory) -> Ingest:
    return make_poller()


@pytest.fixture
async def audience(database: Database) -> int:
    """Three instant subscribers and the station channel (plus people who must get nothing).

    Returns how many delivery rows one new article should make."""
    async with database.session() as session:
        session.add_all([Subscriber(chat_id=chat_id) for chat_id in INSTANT_SUBSCRIBERS])
        session.add_all(
            [
                Subscriber(chat_id=2001, active=False),  # unsubscribed
                Subscriber(chat_id=2002, instant=False),  # digest only
                Channel(chat_id=CHANNEL, title="Kon Tum TV"),
            ]
        )
    return len(INSTANT_SUBSCRIBERS) + 1


@pytest.fixture
async def feed_id(database: Database, sb: Sandbox) -> int:
    return await add_feed(database, f"{sb.station_url}{FEED_PATH}")
