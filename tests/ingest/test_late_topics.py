"""A story revised into another section reaches that section's readers then, once; readers who
had it already, readers of every topic and stale stories get nothing more."""

from __future__ import annotations

from datetime import timedelta

from bot.services.ingest import Ingest
from storage.db import Database
from storage.models import Channel, ChannelTopic, Subscriber, SubscriberTopic, Topic
from tests.delivery_e2e.helpers import FakeTime, sender_on, settle
from tests.ingest.conftest import Clock, all_deliveries, new_item
from tests.ingest.test_ingest import prime, serve_with_new_item
from tests.sandbox import Sandbox

EVERYTHING, NEWS, SPORT, BOTH, LATECOMER = 1001, 1002, 1003, 1004, 1005
SPORT_CHANNEL = -1001234567891


async def _readers(database: Database) -> None:
    async with database.session() as session:
        news, sport = Topic(slug="thoi-su", name="Thời sự"), Topic(slug="the-thao", name="Thể thao")
        session.add_all([news, sport])
        session.add(Subscriber(chat_id=EVERYTHING))
        for chat_id in (NEWS, SPORT, BOTH):
            session.add(Subscriber(chat_id=chat_id, all_topics=False))
        session.add(Channel(chat_id=SPORT_CHANNEL, title="KRT Thể thao", all_topics=False))
        await session.flush()  # the topics' ids (the sequence's, as the feeds' topics will use)
        session.add_all(
            [SubscriberTopic(chat_id=NEWS, topic_id=news.id),
             SubscriberTopic(chat_id=SPORT, topic_id=sport.id),
             SubscriberTopic(chat_id=BOTH, topic_id=news.id),
             SubscriberTopic(chat_id=BOTH, topic_id=sport.id),
             ChannelTopic(chat_id=SPORT_CHANNEL, topic_id=sport.id)]
        )  # fmt: skip


async def _recipients(database: Database) -> list[int]:
    return sorted(row.chat_id for row in await all_deliveries(database))


async def test_a_revision_adding_a_section_reaches_its_readers_once(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, clock: Clock
) -> None:
    await _readers(database)
    await prime(poller, feed_id)
    serve_with_new_item(sb, new_item(24880, categories=("Thời sự",)))
    await poller.poll(feed_id)
    assert await _recipients(database) == [EVERYTHING, NEWS, BOTH]
    async with database.session() as session:
        session.add(Subscriber(chat_id=LATECOMER))  # follows everything, joined since

    clock.advance(600)
    serve_with_new_item(
        sb,
        new_item(24880, "Đội bóng chuyền Kon Tum đoạt giải", categories=("Thời sự", "Thể thao")),
    )
    outcome = await poller.poll(feed_id)
    assert (outcome.revised, outcome.enqueued) == (1, 2)
    assert await _recipients(database) == sorted([SPORT_CHANNEL, EVERYTHING, NEWS, SPORT, BOTH])

    clock.advance(600)
    assert (await poller.poll(feed_id)).enqueued == 0  # the same revision again: nothing

    for chat_id in (EVERYTHING, NEWS, SPORT, BOTH, LATECOMER):
        sb.user(chat_id)
    async with sender_on(sb, database, fake=FakeTime(clock.now)) as sender:
        await settle(sender, FakeTime(clock.now), database)
    assert [len(sb.messages(c)) for c in (EVERYTHING, NEWS, SPORT, BOTH, LATECOMER)] == [
        1, 1, 1, 1, 0,
    ]  # fmt: skip
    late = sb.messages(SPORT)[0].text or ""
    assert "Đội bóng chuyền Kon Tum đoạt giải" in late


async def test_an_old_story_filed_into_a_section_is_not_pushed_again(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, clock: Clock
) -> None:
    await _readers(database)
    await prime(poller, feed_id)
    serve_with_new_item(sb, new_item(24880, categories=("Thời sự",)))
    await poller.poll(feed_id)
    clock.advance(timedelta(days=3).total_seconds())  # long after it was news
    serve_with_new_item(sb, new_item(24880, categories=("Thời sự", "Thể thao")))
    assert (await poller.poll(feed_id)).enqueued == 0
    assert await _recipients(database) == [EVERYTHING, NEWS, BOTH]


async def test_a_backlog_story_gaining_a_section_is_not_pushed(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int
) -> None:
    await _readers(database)
    feed = sb.station.feed_bytes().decode("utf-8")
    await prime(poller, feed_id)  # the ten backlog stories: stored, never pushed
    sb.station.set("/feed", feed.replace("<![CDATA[Kinh tế]]>", "<![CDATA[Thể thao]]>"))
    await poller.poll(feed_id)
    assert await _recipients(database) == []
