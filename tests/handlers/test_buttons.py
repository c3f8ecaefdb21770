"""Every tap on a button is answered: the comment button, forged data, stale buttons."""

from __future__ import annotations

from sqlalchemy import delete

from storage.db import Database
from storage.models import Article
from tests.harness import running_bot
from tests.sandbox import Sandbox


async def test_the_comment_button_asks_for_the_comment_in_the_readers_language(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan, john = sb.user(1001, "Lan"), sb.user(1002, "John", language_code="en")
        push = await bot.push_article(lan.chat_id, 7)
        english_push = await bot.push_article(john.chat_id, 8, locale="en")
        vi = await bot.answer(await lan.tap(push, "c:7"))
        en = await bot.answer(await john.tap(english_push, "c:8"))
        vi_prompt = (await sb.wait_for_message(lan.chat_id)).text or ""
        en_prompt = (await sb.wait_for_message(john.chat_id)).text or ""
        assert bot.unanswered_queries() == []
    assert vi == en == {}
    assert vi_prompt.startswith("💬 Mời bạn viết bình luận về bài «")
    assert en_prompt.startswith("💬 Write your comment on «")


FORGED = ["c:abc", "c:-7", "c:07", "c:7:1", "x:7", "c:", "ć:7", "c:" + "9" * 40, "c:7" + " " * 70]


async def test_forged_or_unknown_buttons_get_a_short_answer(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        push = await bot.push_article(lan.chat_id, 7)
        for data in FORGED:
            answer = await bot.answer(await bot.tap_data(lan, push, data))
            assert answer == {"text": "Nút này không còn dùng được. Gõ /help để xem các lệnh."}, (
                data
            )
        assert sb.messages(lan.chat_id) == [push], "a forged tap must not post in the chat"
        assert bot.unanswered_queries() == []


async def test_a_button_of_an_article_no_longer_stored_says_so(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        john = sb.user(1002, "John", language_code="en")
        push = await bot.push_article(john.chat_id, 9, locale="en")
        async with database.session() as session:
            await session.execute(delete(Article).where(Article.id == 9))
        answer = await bot.answer(await john.tap(push, "c:9"))
    assert answer == {"text": "This article is no longer available."}


async def test_a_tap_that_expired_before_the_bot_saw_it_is_not_apologised_for(
    database: Database,
) -> None:
    # callback_ttl=0: Telegram refuses the answer ("query is too old"), as after a long outage.
    async with Sandbox(callback_ttl=0.0) as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        push = await bot.push_article(lan.chat_id, 7)
        await bot.query_handled(await lan.tap(push, "c:7"))
        assert sb.messages(lan.chat_id) == [push]


async def test_a_button_whose_handler_fails_is_answered_with_the_apology(
    database: Database,
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("database went away")

    async with Sandbox() as sb, running_bot(sb, database) as bot:
        bot.application.bot_data["services"].comments.invite = broken
        lan = sb.user(1001, "Lan")
        push = await bot.push_article(lan.chat_id, 7)
        answer = await bot.answer(await lan.tap(push, "c:7"))
    assert answer == {
        "text": "Xin lỗi, đã có lỗi xảy ra. Bạn vui lòng thử lại sau ít phút.",
        "show_alert": True,
    }
