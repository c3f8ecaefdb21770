"""The four ways in, as a reader does them: a reply, the 💬 prompt, the deep link, a
discussion group's thread. Each ends in a stored pending comment and a moderation card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from storage.db import Database
from storage.enums import Audience, CommentSource, CommentStatus, MessageKind
from storage.models import CommentPrompt, CommentThread
from tests.comments.helpers import ADMIN_CHAT, pushed, record_sent, rows, stored_comments
from tests.harness import running_bot
from tests.sandbox import Sandbox


async def test_a_reply_to_a_pushed_article_is_a_pending_comment_with_a_card(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        lan = sb.user(1001, "Lan", language_code="vi")
        push = await pushed(bot, lan.chat_id, 7)
        await lan.reply(push, "Bài viết rất hay, cảm ơn Đài!")
        answer = (await sb.wait_for_message(lan.chat_id)).text or ""
    assert answer == "Cảm ơn bạn! Bình luận đã được gửi và đang chờ kiểm duyệt."
    [comment] = await stored_comments(database)
    assert (comment.article_id, comment.user_id, comment.text) == (
        7,
        1001,
        "Bài viết rất hay, cảm ơn Đài!",
    )
    assert comment.status is CommentStatus.PENDING and comment.source is CommentSource.REPLY
    assert comment.author_name == "Lan"
    [card] = await rows(database, MessageKind.COMMENT_CARD)
    assert card.chat_id == ADMIN_CHAT and card.ref == f"comment-card:{comment.id}"


async def test_the_comment_button_prompts_with_force_reply_and_takes_the_next_message(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7, title="Giá cà phê <tăng> & nông dân")
        answer = await bot.answer(await lan.tap(push, "c:7"))
        prompt = await sb.wait_for_message(lan.chat_id)
        assert answer == {}
        assert prompt.reply_markup is not None and prompt.reply_markup.get("force_reply") is True
        assert "«Giá cà phê <tăng> & nông dân»" in (prompt.text or "")
        assert "/cancel" in (prompt.text or "")
        # A command meanwhile is a command, and the prompt stays open.
        await lan.send("/help")
        help_text = (await sb.wait_for_message(lan.chat_id)).text or ""
        assert help_text.startswith("Bot tin tức")
        await lan.send("Mong Đài đưa thêm tin về giá cà phê.")
        thanks = (await sb.wait_for_message(lan.chat_id)).text or ""
        assert thanks.startswith("Cảm ơn bạn! Bình luận đã được gửi")
        # The prompt was used: the next message is not a comment.
        await lan.send("cảm ơn")
        other = (await sb.wait_for_message(lan.chat_id)).text or ""
        assert other.startswith("Bot chưa hiểu tin nhắn này")
        assert bot.unanswered_queries() == []
    [comment] = await stored_comments(database)
    assert comment.source is CommentSource.BUTTON and comment.article_id == 7
    assert comment.text == "Mong Đài đưa thêm tin về giá cà phê."


async def test_cancel_aborts_the_prompt(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        john = sb.user(1002, "John", language_code="en")
        push = await pushed(bot, john.chat_id, 8, locale="en")
        await bot.answer(await john.tap(push, "c:8"))
        prompt = (await sb.wait_for_message(john.chat_id)).text or ""
        assert prompt.startswith("💬 Write your comment on «")
        await john.send("/cancel")
        assert (await sb.wait_for_message(john.chat_id)).text == "Comment cancelled."
        await john.send("Not a comment any more")
        assert (await sb.wait_for_message(john.chat_id)).text == (
            "The bot does not understand this message. Type /help to see what it can do."
        )
        await john.send("/cancel")
        assert (await sb.wait_for_message(john.chat_id)).text == "There is nothing to cancel."
    assert await stored_comments(database) == []


async def test_an_expired_prompt_takes_no_comment(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        await bot.answer(await lan.tap(push, "c:7"))
        await sb.wait_for_message(lan.chat_id)
        # Ten minutes later (the prompt's expiry moved instead of the clock).
        async with database.session() as session:
            await session.execute(
                update(CommentPrompt).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        await lan.send("Bình luận muộn")
        late = (await sb.wait_for_message(lan.chat_id)).text or ""
        await lan.send("Một tin nhắn khác")
        other = (await sb.wait_for_message(lan.chat_id)).text or ""
    assert late.startswith("Lời mời viết bình luận đã hết hạn (sau 10 phút)")
    assert other.startswith("Bot chưa hiểu tin nhắn này")
    assert await stored_comments(database) == []


async def test_the_deep_link_prompts_for_a_comment(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        await pushed(bot, lan.chat_id, 7)
        await lan.send("/start c_7")
        prompt = await sb.wait_for_message(lan.chat_id)
        assert prompt.reply_markup is not None and prompt.reply_markup.get("force_reply")
        await lan.send("Thông tin bổ ích!")
        thanks = (await sb.wait_for_message(lan.chat_id)).text or ""
        await lan.send("/start c_999")
        gone = (await sb.wait_for_message(lan.chat_id)).text or ""
    assert thanks.startswith("Cảm ơn bạn!")
    assert gone == "Bài viết này không còn trên hệ thống."
    [comment] = await stored_comments(database)
    assert comment.source is CommentSource.DEEP_LINK and comment.text == "Thông tin bổ ích!"


async def test_the_comment_button_in_a_group_opens_the_bot_by_deep_link(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        group = sb.group(-100500, "Hội nông dân", owner=lan.id)
        push = await pushed(bot, group.id, 7)
        answer = await bot.answer(await lan.tap(push, "c:7"))
    assert answer == {"url": f"https://t.me/{sb.world.bot.username}?start=c_7"}


async def test_a_reply_in_the_discussion_group_to_the_channel_post_is_a_comment(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        channel = sb.channel(-100100, "Truyền hình Kon Tum", username="kontumtv")
        await sb.add_bot_to(channel, admin=True)
        group = sb.group(-100200, "Bình luận Kon Tum")
        sb.link_discussion(channel, group)
        post = await bot.push_article(channel.id, 7)
        await record_sent(database, channel.id, post.message_id, 7, Audience.CHANNEL)
        [forward] = [m for m in group.chat.messages if m.extra.get("is_automatic_forward")]
        hoa = sb.user(1003, "Hoa", last_name="Nguyễn")
        await hoa.join(group)
        await hoa.reply(forward, "Ủng hộ bà con Đăk Hà!", chat=group)
        answer = (await sb.wait_for_message(group)).text or ""
        # Another message in the group, not in a thread: none of the bot's business.
        await hoa.send_to(group, "Chào cả nhà")
        chatter = await hoa.send_to(group, "Hôm nay trời đẹp")
        await bot.message_handled(chatter)
        assert sb.messages(group) == [m for m in sb.messages(group) if m.text == answer]
    assert answer == "Cảm ơn bạn! Bình luận đã được gửi và đang chờ kiểm duyệt."
    [comment] = await stored_comments(database)
    assert comment.source is CommentSource.DISCUSSION and comment.article_id == 7
    assert comment.author_name == "Hoa Nguyễn" and comment.chat_id == group.id
    async with database.session() as session:
        [thread] = (await session.scalars(select(CommentThread))).all()
    assert (thread.group_chat_id, thread.group_message_id) == (group.id, forward.message_id)


async def test_a_reply_in_a_subscribed_group_to_a_pushed_article_is_a_comment(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        lan = sb.user(1001, "Lan")
        group = sb.group(-100500, "Hội nông dân Đăk Hà", owner=lan.id)
        push = await pushed(bot, group.id, 7)
        # An open private prompt does not make group talk a comment.
        await bot.answer(await lan.tap(await pushed(bot, lan.chat_id, 8), "c:8"))
        await sb.wait_for_message(lan.chat_id)
        chatter = await lan.send_to(group, "Chào cả nhà")
        await bot.message_handled(chatter)
        await lan.reply(push, "Giá cà phê năm nay tốt quá", chat=group)
        answer = (await sb.wait_for_message(group)).text
    assert answer == "Cảm ơn bạn! Bình luận đã được gửi và đang chờ kiểm duyệt."
    [comment] = await stored_comments(database)
    assert (comment.article_id, comment.chat_id, comment.source) == (
        7, group.id, CommentSource.REPLY
    )  # fmt: skip
