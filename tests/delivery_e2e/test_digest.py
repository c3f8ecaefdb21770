"""The daily digest and quiet hours as readers get them: the real DigestJob, Preferences and
Sender against the sandbox, on one fake clock (no real time passes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.delivery.utf16 import utf16_len
from bot.services.digest import DigestJob
from bot.services.outbox import Outbox
from bot.services.preferences import DeliveryMode, Preferences, QuietHours
from storage.db import Database
from storage.enums import MessageKind
from storage.models import (
    Article,
    ArticleTopic,
    Delivery,
    Feed,
    Subscriber,
    SubscriberTopic,
    Topic,
)
from tests.delivery_e2e.helpers import (
    FakeTime,
    add_channel,
    add_subscribers,
    all_rows,
    assert_no_limbo,
    enqueue,
    seed_article,
    sender_on,
    settle,
)
from tests.sandbox import Sandbox, SentMessage

# 2026-11-30 10:00 in Asia/Ho_Chi_Minh (UTC+7): when the readers choose their digest.
CHOSEN = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
SLOT = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 2026-12-01 07:00 local
SPORT, ECONOMY = 1, 2
LAN, JOHN, MAI = 4001, 4002, 4003


async def station(database: Database) -> None:
    """The feed and the two topics, once."""
    async with database.session() as session:
        if await session.get(Feed, 1) is None:
            session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
            session.add_all([Topic(id=SPORT, slug="the-thao", name="Thể thao"),
                             Topic(id=ECONOMY, slug="kinh-te", name="Kinh tế")])  # fmt: skip


async def store(
    database: Database, article_id: int, title: str, fetched_at: datetime, *topics: int
) -> None:
    """A story as the ingest stores it, ``fetched_at`` on the test's clock."""
    await station(database)
    async with database.session() as session:
        session.add(
            Article(
                id=article_id, feed_id=1, guid=f"g{article_id}", title=title,
                url=f"https://kontumtv.vn/tin-tuc/bai-{article_id}", published_at=fetched_at,
                fetched_at=fetched_at, content_hash=f"h{article_id}",
            )
        )  # fmt: skip
        await session.flush()
        session.add_all([ArticleTopic(article_id=article_id, topic_id=t) for t in topics])


async def follow(database: Database, chat_id: int, *topics: int) -> None:
    await station(database)
    async with database.session() as session:
        reader = await session.get(Subscriber, chat_id)
        assert reader is not None
        reader.all_topics = False
        session.add_all([SubscriberTopic(chat_id=chat_id, topic_id=t) for t in topics])


def links(message: SentMessage) -> list[str]:
    return [e["url"] for e in message.entities or [] if e["type"] == "text_link"]


async def digest_rows(database: Database) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.message_kind == MessageKind.DIGEST)
            )
            or 0
        )


async def test_the_digest_comes_at_the_chosen_time_grouped_by_topic_once_across_restarts(
    database: Database,
) -> None:
    fake = FakeTime(CHOSEN)
    preferences = Preferences(database, clock=fake.now)
    async with Sandbox() as sb:
        sb.users([LAN, JOHN, MAI])
        await add_subscribers(database, [LAN, MAI])
        await add_subscribers(database, [JOHN], language="en")
        await follow(database, JOHN, SPORT)
        assert await preferences.set_digest(LAN, 7 * 60)  # instant pushes and the digest
        john = await preferences.set_mode(JOHN, DeliveryMode.DIGEST)  # the digest only
        assert john is not None and (john.instant, john.digest_at) == (False, 7 * 60)
        # The day's news, stored after the choice and before 07:00 the next day.
        await store(database, 1, "Bóng chuyền nữ Kon Tum thắng lớn", CHOSEN + timedelta(hours=2),
                    SPORT)  # fmt: skip
        await store(database, 2, "Giá cà phê tăng, nông dân Đăk Hà phấn khởi",
                    CHOSEN + timedelta(hours=5), ECONOMY)  # fmt: skip
        await store(database, 3, "Thời tiết: <mưa> & rét", CHOSEN + timedelta(hours=9))
        await store(database, 4, "Sau 7 giờ: cho bản tin ngày mai", SLOT + timedelta(minutes=30),
                    ECONOMY)  # fmt: skip
        # Instant pushes skip the digest-only reader (the SQL filter).
        assert await enqueue(database, 1, now=CHOSEN) == 2
        assert {r.chat_id for r in await all_rows(database)} == {LAN, MAI}
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            assert [len(sb.messages(c)) for c in (LAN, JOHN, MAI)] == [1, 0, 1]

            # 10:00 the day they chose it: nothing yet (today's 07:00 had passed).
            assert await DigestJob(database, clock=fake.now).run_once() == 0
            fake.until(SLOT - timedelta(seconds=1))  # 06:59:59: not yet; then the bot dies
            assert await DigestJob(database, clock=fake.now).run_once() == 0
            fake.until(SLOT + timedelta(minutes=3))  # restarted at 07:03: caught up, once
            woken: list[bool] = []
            job = DigestJob(database, clock=fake.now, on_enqueued=lambda: woken.append(True))
            assert await job.run_once() == 2 and woken == [True]
            assert job.stats["renders"] == 2  # one edition per (topics, language, window)
            assert await DigestJob(database, clock=fake.now).run_once() == 0  # restarted again
            await settle(sender, fake, database)

        _, lan_digest = sb.messages(LAN)
        assert lan_digest.text == (
            "📰 Bản tin tổng hợp\n\n"
            "Kinh tế\n• Giá cà phê tăng, nông dân Đăk Hà phấn khởi\n\n"
            "Thể thao\n• Bóng chuyền nữ Kon Tum thắng lớn\n\n"
            "Tin khác\n• Thời tiết: <mưa> & rét"
        )
        assert links(lan_digest) == [f"https://kontumtv.vn/tin-tuc/bai-{n}" for n in (2, 1, 3)]
        [john_digest] = sb.messages(JOHN)
        assert john_digest.text == (
            "📰 News digest\n\nThể thao\n• Bóng chuyền nữ Kon Tum thắng lớn"
        )
        assert len(sb.messages(MAI)) == 1  # no digest chosen: the push only
        refs = {(r.chat_id, r.ref) for r in await all_rows(database) if r.ref}
        assert refs == {(LAN, "digest:2026-12-01:1"), (JOHN, "digest:2026-12-01:1")}
    await assert_no_limbo(database)


async def test_no_digest_on_a_day_without_news_in_the_readers_topics(database: Database) -> None:
    fake = FakeTime(CHOSEN)
    preferences = Preferences(database, clock=fake.now)
    async with Sandbox() as sb:
        sb.users([LAN, JOHN])
        await add_subscribers(database, [LAN, JOHN])
        await follow(database, JOHN, SPORT)
        for chat_id in (LAN, JOHN):
            await preferences.set_digest(chat_id, 7 * 60)
        await store(database, 1, "Kinh tế: giá cà phê", CHOSEN + timedelta(hours=1), ECONOMY)
        job = DigestJob(database, clock=fake.now)
        async with sender_on(sb, database, fake=fake) as sender:
            fake.until(SLOT)
            assert await job.run_once() == 1  # Lan only: nothing in sport for John
            await settle(sender, fake, database)
            fake.until(SLOT + timedelta(days=1))  # a day with no news at all
            assert await job.run_once() == 0
            fake.until(SLOT + timedelta(days=1, hours=1))
            assert await job.run_once() == 0
            await settle(sender, fake, database)
        assert [len(sb.messages(c)) for c in (LAN, JOHN)] == [1, 0]
        async with database.session() as session:
            made = (await session.scalars(select(Subscriber.last_digest_at))).all()
        assert set(made) == {SLOT + timedelta(days=1)}  # the empty editions count as made
    await assert_no_limbo(database)


async def test_a_long_digest_is_split_over_messages_telegram_accepts(database: Database) -> None:
    fake = FakeTime(CHOSEN)
    async with Sandbox() as sb:
        sb.users([LAN])
        await add_subscribers(database, [LAN])
        await Preferences(database, clock=fake.now).set_digest(LAN, 7 * 60)
        words = "Hội nghị sơ kết 5 năm chương trình mục tiêu quốc gia 🌾 & <phát triển> "
        for n in range(1, 31):
            topic = SPORT if n % 2 else ECONOMY
            await store(database, n, f"{n}. {words * 3}", CHOSEN + timedelta(minutes=n), topic)
        fake.until(SLOT)
        assert await DigestJob(database, clock=fake.now).run_once() == 2
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        first, second = sb.messages(LAN)  # the sandbox refuses a text past 4,096 units
        assert (first.text or "").startswith("📰 Bản tin tổng hợp (1/2)\n\nKinh tế\n• 30. ")
        assert (second.text or "").startswith("📰 Bản tin tổng hợp (2/2)\n\n")
        for message in (first, second):
            assert utf16_len(message.text or "") <= 4096
            assert "…" not in (message.text or "").splitlines()  # nothing was dropped
        assert len(links(first)) + len(links(second)) == 30
    await assert_no_limbo(database)


async def test_quiet_hours_are_decided_when_the_message_is_sent(database: Database) -> None:
    at_2150 = datetime(2026, 12, 1, 14, 50, tzinfo=UTC)  # 21:50 in Hồ Chí Minh City
    fake = FakeTime(at_2150)
    outbox = Outbox(database, clock=fake.now)
    async with Sandbox() as sb:
        sb.users([4101, 4102, 4103])
        await add_subscribers(database, [4101], quiet_start=22 * 60, quiet_end=6 * 60)
        await add_subscribers(database, [4102])
        await add_subscribers(
            database, [4103], quiet_start=22 * 60, quiet_end=6 * 60, timezone="Europe/Berlin"
        )
        broadcast = {"text": "Lịch phát sóng đêm nay"}
        assert await outbox.to_subscribers(MessageKind.BROADCAST, broadcast, ref="b:1") == 3
        async with sender_on(sb, database, fake=fake) as sender:
            fake.advance(15 * 60)  # the sender gets to it at 22:05
            await settle(sender, fake, database)
            fake.until(datetime(2026, 12, 1, 22, 50, tzinfo=UTC))  # 05:50, queued in quiet hours
            assert await outbox.to_subscribers(MessageKind.BROADCAST, broadcast, ref="b:2") == 3
            fake.advance(15 * 60)  # …and sent at 06:05
            await settle(sender, fake, database)
        night = [m.disable_notification for m in (sb.messages(c)[0] for c in (4101, 4102, 4103))]
        assert night == [True, False, False]  # 4103's own clock says 16:05 in Berlin
        morning = [m.disable_notification for m in (sb.messages(c)[1] for c in (4101, 4102, 4103))]
        assert morning == [False, False, True]  # 4103: 00:05 in Berlin
        quiet_call = next(c for c in sb.calls if c.params.get("chat_id") in (4101, "4101"))
        assert quiet_call.params.get("disable_notification") in (True, "true")
    await assert_no_limbo(database)


async def test_a_digest_inside_the_readers_quiet_hours_arrives_silently(database: Database) -> None:
    fake = FakeTime(CHOSEN)
    preferences = Preferences(database, clock=fake.now)
    async with Sandbox() as sb:
        sb.users([LAN, MAI])
        await add_subscribers(database, [LAN, MAI])
        for chat_id in (LAN, MAI):
            await preferences.set_mode(chat_id, DeliveryMode.DIGEST)  # 07:00, no pushes
        # Lan sleeps until 8:00: her 07:00 digest comes without a sound, Mai's rings.
        assert await preferences.set_quiet(LAN, QuietHours(22 * 60, 8 * 60))
        await store(database, 1, "Giá cà phê tăng, nông dân Đăk Hà phấn khởi",
                    CHOSEN + timedelta(hours=5), ECONOMY)  # fmt: skip
        fake.until(SLOT)
        assert await DigestJob(database, clock=fake.now).run_once() == 2
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        [lan], [mai] = sb.messages(LAN), sb.messages(MAI)
        assert (lan.text or "").startswith("📰 Bản tin tổng hợp") and lan.text == mai.text
        assert (lan.disable_notification, mai.disable_notification) == (True, False)
    await assert_no_limbo(database)


async def test_a_silent_channel_and_a_readers_quiet_hours_are_both_kept(database: Database) -> None:
    """Two silence rules meet in one batch: a channel's "silent posts" (always, stored on the
    row) and a reader's quiet hours (on their clock at send time)."""
    night = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 22:30 in Kon Tum
    fake = FakeTime(night)
    loud, hushed, asleep, awake = -1004001, -1004002, 4201, 4202
    async with Sandbox() as sb:
        sb.users([asleep, awake])
        for chat_id in (loud, hushed):
            await sb.add_bot_to(sb.channel(chat_id, f"Kênh {chat_id}"), admin=True)
            await add_channel(database, chat_id, silent=chat_id == hushed)
        await add_subscribers(database, [asleep], quiet_start=22 * 60, quiet_end=6 * 60)
        await add_subscribers(database, [awake])
        for article, when in ((1, night), (2, night + timedelta(hours=12))):  # 22:30, 10:30
            await seed_article(database, article, title=f"Tin số {article}", published_at=when)
        await enqueue(database, 1, now=night)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            fake.until(night + timedelta(hours=12))  # the next morning, 10:30
            await enqueue(database, 2, now=fake.now())
            await settle(sender, fake, database)
        chats = (loud, hushed, asleep, awake)
        silence = [[m.disable_notification for m in sb.messages(c)] for c in chats]
        # The channel has no quiet hours; the silent channel is silent day and night.
        assert silence == [[False, False], [True, True], [True, False], [False, False]]
    await assert_no_limbo(database)
