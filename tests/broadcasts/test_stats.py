"""/stats: the figures come from grouped queries over seeded data (both engines), the chart is
a real PNG uploaded with sendPhoto (multipart), and Vietnamese renders without missing glyphs."""

from __future__ import annotations

import io
import time
import warnings
from datetime import UTC, date, datetime, timedelta

from PIL import Image
from sqlalchemy import insert

from bot.handlers.stats import chart_labels
from bot.i18n import t
from bot.services.stats import Stats
from bot.services.stats_chart import ChartDay, render_chart
from storage.db import Database
from storage.enums import CommentStatus, DeliveryStatus
from storage.models import Comment, Delivery, Feed, Subscriber, SubscriberTopic, Topic
from tests.broadcasts.helpers import OWNER
from tests.delivery_e2e.helpers import seed_article
from tests.harness import running_bot
from tests.sandbox import Sandbox
from tests.sandbox.spec import Upload

# 10:00 in Kon Tum on 1 December 2026.
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def seed(database: Database) -> None:
    """12 active readers (2 following Thể thao only), 3 gone; a week of deliveries; comments;
    a healthy and a failing feed."""
    await seed_article(database, 1)  # feed 1 (healthy) and an article to comment on
    earlier = NOW - timedelta(days=40)
    async with database.session() as session:
        session.add(Topic(id=5, slug="the-thao", name="Thể thao"))
        session.add(Feed(id=2, url="https://example.org/broken", failures=4, last_error="404"))
        # Where they came from (``/start src_<tag>``): 5 by the QR code, 3 from the website
        # (one of them gone since), the rest without a link.
        came_from = ["qr"] * 5 + ["web"] * 2 + [None] * 5 + ["web"] + [None] * 2
        readers = [
            {"chat_id": 80_000 + n, "active": n < 12, "all_topics": n >= 2,
             "created_at": earlier if n < 8 else NOW - timedelta(days=2),
             "updated_at": NOW - timedelta(days=1) if n >= 12 else earlier,
             "source": came_from[n]}
            for n in range(15)
        ]  # fmt: skip
        await session.execute(insert(Subscriber), readers)
        await session.flush()
        session.add_all(SubscriberTopic(chat_id=80_000 + n, topic_id=5) for n in range(2))

        def row(n: int, status: DeliveryStatus, at: datetime, error: str | None = None) -> dict:  # type: ignore[type-arg]
            return {"chat_id": 90_000 + n, "kind": "broadcast", "message_kind": "broadcast",
                    "priority": 3, "status": status, "ref": f"seed:{n}", "payload": "{}",
                    "last_error": error, "created_at": at, "due_at": at}  # fmt: skip

        today = NOW - timedelta(hours=1)
        # 18:30 UTC yesterday is 01:30 today in Kon Tum: today's, in the station's day.
        late_utc = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
        not_found, expired = "Bad Request: chat not found", "no longer news: expired at …"
        deliveries = (
            [row(n, DeliveryStatus.SENT, today) for n in range(5)]
            + [row(5, DeliveryStatus.SENT, late_utc)]
            + [row(6, DeliveryStatus.FAILED, today, "Forbidden: bot was blocked by the user")]
            + [row(7, DeliveryStatus.PENDING, today)]
            + [row(8 + n, DeliveryStatus.SENT, NOW - timedelta(days=3)) for n in range(4)]
            + [row(12, DeliveryStatus.FAILED, NOW - timedelta(days=3), not_found)]
            + [row(13, DeliveryStatus.FAILED, NOW - timedelta(days=4), expired)]
            + [row(14, DeliveryStatus.SENT, NOW - timedelta(days=20))]
        )  # fmt: skip
        await session.execute(insert(Delivery), deliveries)
        for n, status in enumerate(
            [CommentStatus.PENDING] * 2 + [CommentStatus.APPROVED] * 3 + [CommentStatus.REJECTED]
        ):
            session.add(
                Comment(article_id=1, user_id=n + 1, chat_id=n + 1, author_name="Bạn đọc",
                        text="Bài hay", status=status)
            )  # fmt: skip


async def test_the_figures_are_grouped_counts_of_the_stored_rows(database: Database) -> None:
    await seed(database)
    report = await Stats(database, clock=lambda: NOW).report()
    s = report.snapshot
    assert (s.active, s.inactive) == (12, 3)
    assert s.all_topics == 10 and s.by_topic == [("Thể thao", 2)]
    assert s.by_source == [("qr", 5), (None, 5), ("web", 2)]  # active readers only
    assert s.today == {DeliveryStatus.SENT: 6, DeliveryStatus.FAILED: 1, DeliveryStatus.PENDING: 1}
    assert s.week[DeliveryStatus.SENT] == 10 and s.week[DeliveryStatus.FAILED] == 3
    assert sorted(s.failures) == [("blocked", 1), ("chat_not_found", 1), ("expired", 1)]
    assert s.comments == {
        CommentStatus.PENDING: 2, CommentStatus.APPROVED: 3, CommentStatus.REJECTED: 1
    }  # fmt: skip
    assert (s.feeds_healthy, s.feeds_failing) == (1, 1)

    days = {d.day: d for d in report.days}
    assert len(report.days) == 30 and report.days[-1].day == date(2026, 12, 1)
    assert (days[date(2026, 12, 1)].sent, days[date(2026, 12, 1)].failed) == (6, 1)
    assert days[date(2026, 11, 28)].sent == 4 and days[date(2026, 11, 11)].sent == 1
    # 8 readers from before the window, 7 joined on 29/11; 3 of those left on 30/11.
    assert days[date(2026, 11, 2)].subscribers == 8
    assert days[date(2026, 11, 29)].new_subscribers == 7
    assert days[date(2026, 11, 29)].subscribers == 15
    assert days[date(2026, 12, 1)].subscribers == 12


def test_the_chart_renders_vietnamese_without_missing_glyphs(tmp_path: object) -> None:
    series = [
        ChartDay(date(2026, 11, 2) + timedelta(days=n), 1000 + 9 * n, n % 7, 800 + 50 * n, n % 3)
        for n in range(30)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = render_chart(series, chart_labels("vi"))
        render_chart(series, chart_labels("en"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 792)


async def test_the_owner_gets_the_numbers_and_a_chart_photo(database: Database) -> None:
    await seed(database)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        owner, reader = sb.user(OWNER, "Chủ"), sb.user(5555, "Lan")
        await owner.send("/stats")
        text = await sb.wait_for_message(owner.chat_id, timeout=20)
        # The chart is being drawn (in a worker thread): a reader is answered meanwhile.
        asked = time.monotonic()
        await reader.send("/help")
        await sb.wait_for_message(reader.chat_id, timeout=5)
        answered_in = time.monotonic() - asked
        drawing_meanwhile = not any(c.method == "sendPhoto" for c in sb.calls)
        photo = await sb.wait_for_message(owner.chat_id, timeout=20)
        assert answered_in < 1.0 and drawing_meanwhile
        lines = (text.text or "").splitlines()
        assert lines[0] == t("stats.title", "vi")
        assert "12 đang nhận tin · 3 đã dừng hoặc chặn bot" in lines[1]
        assert "Tất cả chuyên mục: 10 · Thể thao: 2" in lines[2]
        assert "chặn bot: 1" in text.text  # type: ignore[operator]
        assert t("stats.comments", "vi", pending=2, approved=3, rejected=1) in lines
        assert t("stats.feeds", "vi", healthy=1, failing=1) in lines
        assert lines[3] == "🔗 Theo nguồn đăng ký: qr: 5 · không qua liên kết: 5 · web: 2"

        (call,) = [c for c in sb.calls if c.method == "sendPhoto"]
        assert call.ok and isinstance(call.params["photo"], Upload)  # a multipart upload
        assert photo.caption == t("stats.chart_caption", "vi") and photo.photo
        data = call.params["photo"].data
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size == (1200, 792)
        assert 20_000 < len(data) < 1_000_000


async def test_a_deep_links_source_is_counted_by_source_in_stats(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        for reader, text in ((5001, "/start src_QR"), (5002, "/start src_qr"), (5003, "/start")):
            await sb.user(reader, "Bạn đọc").send(text)
            await sb.wait_for_message(reader)
        owner = sb.user(OWNER, "Owner", language_code="en")
        await owner.send("/stats")
        figures, _chart = await sb.wait_for_message(owner.chat_id, timeout=20, count=2)
    assert "🔗 By source: qr: 2 · no link: 1" in (figures.text or "").splitlines()
