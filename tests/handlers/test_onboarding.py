"""/start as a newcomer sees it: the greeting with the section picker (sections, never tags),
deep links to a section or from a source, and a returning reader's old choices."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.services.onboarding import StartLink, parse_start
from storage.db import Database
from storage.models import Article, ArticleTopic, Feed, Subscriber, Topic
from tests.handlers.test_topics import SECTIONS, followed, labels, tap
from tests.harness import running_bot
from tests.sandbox import Sandbox

CATEGORIES = "/wp-json/wp/v2/categories"
# What kontumtv.vn's WordPress answers, trimmed: top-level categories with their post counts.
WORDPRESS_CATEGORIES = [
    {"id": 1, "name": "Chưa phân loại", "slug": "uncategorized", "count": 3, "parent": 0},
    {"id": 5, "name": "Thời sự", "slug": "thoi-su", "count": 812, "parent": 0},
    {"id": 7, "name": "Văn hóa &amp; Xã hội", "slug": "van-hoa-xa-hoi", "count": 95, "parent": 0},
    {"id": 6, "name": "Kinh tế", "slug": "kinh-te", "count": 240, "parent": 0},
    {"id": 9, "name": "Bóng đá", "slug": "bong-da", "count": 40, "parent": 8},
    {"id": 12, "name": "Giải trí", "slug": "giai-tri", "count": 0, "parent": 0},
]
PICKED = "Chọn các chuyên mục bạn muốn nhận tin (bấm để chọn hoặc bỏ chọn), rồi bấm «Xong»."


def test_deep_links_are_a_section_or_a_sanitised_capped_source() -> None:
    assert parse_start([]) == StartLink()
    assert parse_start(["topic_the-thao"]) == StartLink(topic="the-thao")
    assert parse_start(["src_Facebook"]) == StartLink(source="facebook")
    assert parse_start(["src_qr<script>"]) == StartLink(source="qrscript")
    assert parse_start(["src_" + "x" * 80]) == StartLink(source="x" * 32)
    assert parse_start(["src_"]) == StartLink() == parse_start(["hello"])


async def test_a_vietnamese_newcomer_gets_the_greeting_with_the_sites_sections(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, wordpress_url=sb.station_url) as bot:
        sb.station.set(CATEGORIES, json.dumps(WORDPRESS_CATEGORIES), "application/json")
        lan = sb.user(1001, "Lan")
        await lan.send("/start")
        welcome = await sb.wait_for_message(lan.chat_id)
        text = welcome.text or ""
        assert text.startswith("Xin chào Lan! 👋") and text.endswith(PICKED)
        # Most used first; the default, the empty and the child categories are not sections.
        assert labels(welcome) == [
            "Thời sự", "Kinh tế", "Văn hóa & Xã hội", "✅ Tất cả", "Xong",
        ]  # fmt: skip
        await tap(bot, lan, welcome, "Kinh tế")
        assert labels(welcome)[:3] == ["Thời sự", "✅ Kinh tế", "Văn hóa & Xã hội"]
        assert (welcome.text or "").startswith("Xin chào Lan!"), "a tap edits only the buttons"
        await tap(bot, lan, welcome, "Xong")
        assert welcome.text == "Đã lưu: bạn nhận tin của các chuyên mục Kinh tế. Gõ /topics để đổi."
        # A second reader within the hour is served from the cache.
        await sb.user(1002, "Mai").send("/start")
        await sb.wait_for_message(1002)
        assert len(sb.station.requests_to(CATEGORIES)) == 1
        assert bot.unanswered_queries() == []
    assert await followed(database, lan.chat_id) == (False, {"kinh-te"})


async def test_an_english_newcomer_gets_the_configured_sections_when_wordpress_fails(
    database: Database,
) -> None:
    async with (
        Sandbox() as sb,
        running_bot(sb, database, sections=SECTIONS, wordpress_url=sb.station_url),
    ):
        sb.station.fail(CATEGORIES, "503")
        john = sb.user(1002, "John", language_code="en")
        await john.send("/start")
        welcome = await sb.wait_for_message(john.chat_id)
    text = welcome.text or ""
    assert text.startswith("Hello John! 👋") and text.endswith(
        "Choose the topics you want news from (tap to tick or untick), then tap «Done»."
    )
    assert labels(welcome) == ["Thời sự", "Kinh tế", "Thể thao", "✅ All", "Done"]


async def test_a_section_link_follows_that_section_and_a_source_link_is_stored(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS):
        lan, hung = sb.user(1001, "Lan"), sb.user(1003, "Hùng")
        await lan.send("/start topic_the-thao")
        welcome = await sb.wait_for_message(lan.chat_id)
        assert "của chuyên mục Thể thao:" in (welcome.text or "")
        assert labels(welcome) == ["Thời sự", "Kinh tế", "✅ Thể thao", "Tất cả", "Xong"]

        await hung.send("/start src_QR-code")
        await sb.wait_for_message(hung.chat_id)
        await hung.send("/start src_facebook")  # where a reader first came from is kept
        await sb.wait_for_message(hung.chat_id)
        await hung.send("/start topic_giai-tri")
        unknown = await sb.wait_for_message(hung.chat_id)
        assert (unknown.text or "").endswith(
            "Liên kết này dẫn tới một chuyên mục không có (có thể liên kết đã cũ). "
            "Hãy chọn các chuyên mục bạn muốn nhận tin bên dưới, rồi bấm «Xong»."
        )
        assert labels(unknown) == ["Thời sự", "Kinh tế", "Thể thao", "✅ Tất cả", "Xong"]
        await hung.send("/start topic_kinh-te")  # a reader of everything already gets it
        included = await sb.wait_for_message(hung.chat_id)
        assert "trong đó có «Kinh tế»" in (included.text or "")
    assert await followed(database, lan.chat_id) == (False, {"the-thao"})
    assert await followed(database, hung.chat_id) == (True, set())
    async with database.session() as session:
        sources = dict((await session.execute(select(Subscriber.chat_id, Subscriber.source))).all())
    assert sources == {lan.chat_id: None, hung.chat_id: "qr-code"}


async def test_a_returning_reader_keeps_their_sections_and_a_link_adds_one(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS) as bot:
        lan = sb.user(1001, "Lan")
        await lan.send("/start")
        picker = await sb.wait_for_message(lan.chat_id)
        await tap(bot, lan, picker, "Thời sự")
        await lan.send("/stop")
        question = await sb.wait_for_message(lan.chat_id)
        (yes,) = [b["callback_data"] for b in question.buttons if b["text"] == "Hủy đăng ký"]
        await bot.answer(await lan.tap(question, yes))
        await sb.wait_until(lambda: question.edit_count == 1)

        await lan.send("/start topic_kinh-te")
        back = await sb.wait_for_message(lan.chat_id)
        text = back.text or ""
        assert text.startswith("Chào mừng Lan quay lại!") and "1 chuyên mục đã chọn" in text
        assert text.endswith(
            "Đã thêm chuyên mục «Kinh tế» vào danh sách bạn nhận tin. "
            "Bấm để chọn thêm hoặc bỏ chọn, rồi bấm «Xong»."
        )
        assert labels(back) == ["✅ Thời sự", "✅ Kinh tế", "Thể thao", "Tất cả", "Xong"]
    assert await followed(database, lan.chat_id) == (False, {"thoi-su", "kinh-te"})


async def test_without_sections_configured_the_feeds_most_used_topics_are_offered(
    database: Database,
) -> None:
    published = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
        session.add_all(Topic(id=i, slug=f"chu-de-{i}", name=f"Chủ đề {i}") for i in range(1, 16))
        session.add_all(
            Article(id=a, feed_id=1, guid=f"g{a}", url=f"https://kontumtv.vn/bai-{a}",
                    title=f"Bài {a}", published_at=published, content_hash=f"h{a}")
            for a in range(1, 5)
        )  # fmt: skip
        await session.flush()
        # Topic 15 on every article, 14 on three, the others on one each: 15 topics in all.
        links = {(a, 15) for a in range(1, 5)} | {(a, 14) for a in range(1, 4)}
        links |= {(1 + t % 4, t) for t in range(1, 14)}
        session.add_all(ArticleTopic(article_id=a, topic_id=t) for a, t in links)
    async with Sandbox() as sb, running_bot(sb, database, sections=""):
        lan = sb.user(1001, "Lan")
        await lan.send("/start")
        welcome = await sb.wait_for_message(lan.chat_id)
    offered = labels(welcome)[:-2]
    assert len(offered) == 12 and offered[:2] == ["Chủ đề 15", "Chủ đề 14"]
    assert await followed(database, lan.chat_id) == (True, set())
