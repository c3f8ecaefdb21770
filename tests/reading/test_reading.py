"""/latest and /search as a reader sees them, over the stored station fixture feed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.reading import LatestProblem, LatestRequest, parse_latest, search_words
from storage.db import Database
from storage.models import Article, Subscriber, SubscriberTopic, Topic
from tests.harness import BotHarness, running_bot
from tests.reading.conftest import load_station
from tests.sandbox import Sandbox, SandboxUser, SentMessage

SEED = "Sơ kết 5 năm thực hiện Hướng dẫn số 35 của Ban Tổ chức Trung ương"
COFFEE = "Giá cà phê tăng, nông dân Đăk Hà phấn khởi chăm sóc vườn"
VOLLEYBALL = "Khai mạc Giải bóng chuyền các dân tộc thiểu số tỉnh lần thứ V"
NEWEST = "Bản tin Thời sự tối 04/7/2014"
OLDEST = "Thu ngân sách 6 tháng đầu năm đạt 52% dự toán"


def links(message: SentMessage) -> list[str]:
    return [e["url"] for e in message.entities or () if e["type"] == "text_link"]


async def ask(sb: Sandbox, user: SandboxUser, text: str) -> SentMessage:
    await user.send(text)
    return await sb.wait_for_message(user.chat_id)


def test_latest_arguments() -> None:
    assert parse_latest([]) == LatestRequest(5)
    assert parse_latest(["3"]) == LatestRequest(3)
    assert parse_latest(["ALL"]) == LatestRequest(10, all_topics=True)
    for bad in (["-5"], ["9999"], ["0"], ["11"], ["99999999999999999999"]):
        assert parse_latest(bad) is LatestProblem.OUT_OF_RANGE, bad
    for bad in (["abc"], ["3", "4"], ["3.5"], ["🎉"]):
        assert parse_latest(bad) is LatestProblem.NOT_A_NUMBER, bad


def test_query_syntax_is_only_words_and_the_query_is_capped() -> None:
    assert search_words('"Hội nghị" NEAR sơ-kết* :x') == ("hoi", "nghi", "near", "so", "ket", "x")
    assert search_words("Ðắk  HÀ") == ("dak", "ha")  # the look-alike capital eth U+00D0
    long = search_words("hội nghị " * 2500)
    assert 1 <= len(long) <= 8 and len(".".join(long)) <= 48
    assert search_words("👍 🎉 <b></b>") == ("b", "b")
    assert search_words("Đắk" * 400) == ("dak" * 16,)  # one long word is cut, not dropped
    assert search_words("👍🎉") == ()


async def test_latest_lists_the_newest_stored_articles_with_links_and_times(
    database: Database,
) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with running_bot(sb, database):
            lan = sb.user(1001, "Lan")
            five = await ask(sb, lan, "/latest")
            three = await ask(sb, lan, "/latest 3")
            every = await ask(sb, lan, "/latest all")
            john = sb.user(1002, "John", language_code="en")
            english = await ask(sb, john, "/latest 1")
    text = five.text or ""
    assert text.startswith("📰 Tin mới nhất")
    assert text.count("• ") == 5 and text.index(NEWEST) < text.index(SEED) < text.index(COFFEE)
    assert f"{NEWEST} (20:30, 04/07/2014)" in text  # 13:30 UTC in Kon Tum time
    assert len(links(five)) == 5 and all(u.startswith("https://kontumtv.vn/") for u in links(five))
    assert (three.text or "").count("• ") == 3
    assert (every.text or "").count("• ") == 10 and OLDEST in (every.text or "")
    assert (english.text or "") == f"📰 Latest news\n\n• {NEWEST} (20:30, 4 Jul 2014)"


async def test_latest_lists_an_item_without_a_link_as_plain_title(database: Database) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with database.session() as session:
            newest = await session.scalar(select(Article).where(Article.title == NEWEST))
            assert newest is not None
            newest.url = None  # as stored for a feed item that has no link
        async with running_bot(sb, database):
            one = await ask(sb, sb.user(1001, "Lan"), "/latest 2")
    text = one.text or ""
    assert f"• {NEWEST} (20:30, 04/07/2014)" in text and "None" not in text
    assert len(links(one)) == 1  # only the other article is linked


async def test_latest_follows_the_readers_topics_unless_asked_for_all(database: Database) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with database.session() as session:
            sport = await session.scalar(select(Topic).where(Topic.name == "Thể thao"))
            assert sport is not None
            session.add(Subscriber(chat_id=1001, all_topics=False))
            await session.flush()
            session.add(SubscriberTopic(chat_id=1001, topic_id=sport.id))
        async with running_bot(sb, database):
            lan = sb.user(1001, "Lan")
            mine = await ask(sb, lan, "/latest")
            every = await ask(sb, lan, "/latest all")
    assert (mine.text or "") == f"📰 Tin mới nhất\n\n• {VOLLEYBALL} (16:12, 02/07/2014)"
    assert (every.text or "").count("• ") == 10


async def test_latest_answers_bad_arguments_and_an_empty_archive(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan")
        empty = await ask(sb, lan, "/latest")
        answers = [(await ask(sb, lan, f"/latest {arg}")).text for arg in ("-5", "9999", "abc")]
    assert (empty.text or "").startswith("Chưa có tin nào.")
    assert answers[0] == answers[1] == "Bot chỉ hiển thị từ 1 đến 10 tin mỗi lần. Ví dụ: /latest 3."
    assert (answers[2] or "").startswith("Cách dùng: /latest – 5 tin mới nhất;")


def first_title(message: SentMessage) -> str:
    lines = (message.text or "").split("\n")
    return lines[2].removeprefix("• ").rsplit(" (", 1)[0]


async def test_search_ignores_accents_case_and_look_alike_letters(database: Database) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with running_bot(sb, database):
            lan = sb.user(1001, "Lan")
            seed = await ask(sb, lan, "/search hoi nghi so ket")
            coffee = await ask(sb, lan, "/search dak ha")
            eth = await ask(sb, lan, "/search Ðắk Hà")  # Ð is U+00D0, not Đ
            sport = await ask(sb, lan, "/search văn hoá thể thao")  # hoá: the old tone placement
            upper = await ask(sb, lan, "/search HỘI NGHỊ SƠ KẾT")
    assert (seed.text or "").startswith("🔎 Kết quả tìm kiếm «hoi nghi so ket»: 1 bài (trang 1/1)")
    assert first_title(seed) == SEED and first_title(upper) == SEED
    assert first_title(coffee) == COFFEE and first_title(eth) == COFFEE
    assert VOLLEYBALL in (sport.text or "")
    assert seed.reply_markup is None  # one page: no ◀ ▶


async def test_title_hits_come_before_body_hits_then_newer_first(database: Database) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with running_bot(sb, database):
            lan = sb.user(1001, "Lan")
            found = await ask(sb, lan, "/search năm")
    titles = [
        line.removeprefix("• ").rsplit(" (", 1)[0]
        for line in (found.text or "").split("\n")
        if line.startswith("• ")
    ]
    # Three titles say "năm" (newest first); the coffee story, newer than two of them, says it
    # only in its text, so it follows them.
    assert titles[:4] == [
        SEED,
        "Hơn 5.200 thí sinh dự thi tốt nghiệp THPT năm 2014",
        OLDEST,
        COFFEE,
    ]


async def page_of(bot: BotHarness, sb: Sandbox, message: SentMessage, edits: int) -> str:
    await sb.wait_until(lambda: message.edit_count >= edits)
    return message.text or ""


async def test_results_page_through_by_editing_the_message(database: Database) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with running_bot(sb, database) as bot:
            lan = sb.user(1001, "Lan")
            results = await ask(sb, lan, "/search nam")
            assert "(trang 1/2)" in (results.text or "")
            buttons = results.buttons
            assert [b["text"] for b in buttons] == ["Trang sau ▶"]
            assert await bot.answer(await lan.tap(results, buttons[0]["callback_data"])) == {}
            second = await page_of(bot, sb, results, 1)
            assert "(trang 2/2)" in second and second.count("• ") == 3
            assert [b["text"] for b in results.buttons] == ["◀ Trang trước"]
            await bot.answer(await lan.tap(results, results.buttons[0]["callback_data"]))
            assert "(trang 1/2)" in await page_of(bot, sb, results, 2)
            # A page past the end (the archive shrank, or forged data): answered, nothing edited.
            stale = await bot.answer(await bot.tap_data(lan, results, "sp:7:nam"))
            forged = await bot.answer(await bot.tap_data(lan, results, "sp:1:NAM"))
            assert bot.unanswered_queries() == []
            assert sb.messages(lan.chat_id) == [results] and results.edit_count == 2
    assert stale == {
        "text": "Trang kết quả này không còn nữa. Hãy tìm lại bằng /search.",
        "show_alert": True,
    }
    assert forged == {"text": "Nút này không còn dùng được. Gõ /help để xem các lệnh."}


async def test_search_answers_empty_queries_misses_and_query_syntax(database: Database) -> None:
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with running_bot(sb, database):
            lan = sb.user(1001, "Lan")
            empty = await ask(sb, lan, "/search")
            emoji = await ask(sb, lan, "/search 👍🎉")
            miss = await ask(sb, lan, "/search <b>xổ số</b>")
            syntax = await ask(sb, lan, '/search "hội nghị" NEAR sơ-kết* OR :')
            sql = await ask(sb, lan, "/search '; DROP TABLE articles; --")
            essay = await ask(sb, lan, "/search " + "cà phê " * 700)
            one_word = await ask(sb, lan, "/search " + "a" * 1000)
            john = sb.user(1002, "John", language_code="en")
            english = await ask(sb, john, "/search nothing here")
    usage = "Gõ từ khóa sau lệnh, có dấu hay không dấu đều được."
    assert (empty.text or "").startswith(usage) and (emoji.text or "").startswith(usage)
    assert (miss.text or "") == (
        "Không tìm thấy bài nào có «b xo so b». Hãy thử từ khóa khác, "
        "hoặc gõ /latest để xem tin mới nhất."
    )
    # Quotes, NEAR, *, - and : are words or nothing: "near" and "or" are not in the seed article.
    assert (syntax.text or "").startswith("Không tìm thấy bài nào có «hoi nghi near so ket or»")
    assert (sql.text or "").startswith("Không tìm thấy bài nào có «drop table articles»")
    assert first_title(essay) == COFFEE
    assert (one_word.text or "").startswith(f"Không tìm thấy bài nào có «{'a' * 48}».")
    assert (english.text or "").startswith("No stories found for «nothing here».")
    async with database.session() as session:
        assert len((await session.scalars(select(Article))).all()) == 10


async def test_a_revised_articles_new_words_are_found(database: Database) -> None:
    """The match is on the stored folded text; revising an article re-indexes it."""
    async with Sandbox() as sb:
        await load_station(sb, database)
        async with database.session() as session:
            article = await session.scalar(select(Article).where(Article.title == OLDEST))
            assert article is not None
            article.search_text += " tuvungmoi"
            article.published_at -= timedelta(days=1)
        async with running_bot(sb, database):
            lan = sb.user(1001, "Lan")
            found = await ask(sb, lan, "/search tuvungmoi")
    assert first_title(found) == OLDEST
