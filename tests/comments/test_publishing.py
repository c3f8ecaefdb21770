"""After approval: the comment goes into the channel post's discussion thread (through the
outbox), not twice into the thread it was written in, and into the article's paged list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.enums import Audience, CommentSource, CommentStatus
from storage.repositories import comments as comments_repo
from tests.comments.helpers import (
    ADMIN_CHAT,
    HOSTILE,
    OWNER,
    buttons_of,
    drain,
    pushed,
    record_sent,
    stored_comments,
)
from tests.delivery_e2e.helpers import sender_on
from tests.harness import running_bot
from tests.sandbox import Sandbox

SETTINGS = {"admin_chat_id": ADMIN_CHAT, "owner_ids": [OWNER]}


async def test_an_approved_comment_is_posted_in_the_channel_posts_thread(
    database: Database,
) -> None:
    async with (
        Sandbox() as sb,
        running_bot(sb, database, **SETTINGS) as bot,
        sender_on(sb, database) as sender,
    ):
        owner = sb.user(OWNER, "Chủ")
        room = sb.group(ADMIN_CHAT, "Ban biên tập", owner=OWNER)
        channel = sb.channel(-100100, "Truyền hình Kon Tum", username="kontumtv")
        await sb.add_bot_to(channel, admin=True)
        group = sb.group(-100200, "Bình luận Kon Tum")
        sb.link_discussion(channel, group)
        post = await bot.push_article(channel.id, 7)
        await record_sent(database, channel.id, post.message_id, 7, Audience.CHANNEL)
        [forward] = [m for m in group.chat.messages if m.extra.get("is_automatic_forward")]
        # A reader of the channel comments privately (the post's deep link)…
        lan = sb.user(1001, "Lan")
        await lan.send("/start c_7")
        await sb.wait_for_message(lan.chat_id)
        await lan.send(HOSTILE)
        await sb.wait_for_message(lan.chat_id)
        # …and another in the thread itself.
        hoa = sb.user(1003, "Hoa")
        await hoa.join(group)
        await hoa.reply(forward, "Ủng hộ bà con!", chat=group)
        await sb.wait_for_message(group)  # the bot's thanks in the group
        await drain(sender)
        cards = await sb.wait_for_message(room, count=2)
        private, in_thread = await stored_comments(database)
        for comment, card in zip((private, in_thread), cards, strict=True):
            await bot.answer(await owner.tap(card, f"m:{comment.id}:approve", chat=room))
        await drain(sender)
        posted = await sb.wait_for_message(group)
        assert posted.text == f"💬 Lan: {HOSTILE}"
        assert posted.reply_to_message_id == forward.message_id
        assert [m.text for m in sb.messages(group)][-1] == posted.text  # Hoa's not reposted
        assert not sb.stats.errors


async def test_the_comment_list_is_paged_newest_first_then_the_prompt(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
        async with database.session() as session:
            for n in range(7):
                await comments_repo.add(
                    session, article_id=7, user_id=2000 + n, chat_id=2000 + n,
                    author_name=f"Người {n}", text=f"Ý kiến số {n}", source=CommentSource.REPLY,
                    status=CommentStatus.APPROVED, held_because=None,
                    now=start + timedelta(minutes=n),
                )  # fmt: skip
        await bot.answer(await lan.tap(push, "c:7"))
        listing, prompt = await sb.wait_for_message(lan.chat_id, count=2)
        assert (listing.text or "").splitlines() == [
            "💬 Bình luận về «Giá cà phê tăng, nông dân Đăk Hà phấn khởi» (7)",
            *[f"• Người {n}: Ý kiến số {n}" for n in (6, 5, 4, 3, 2)],
        ]
        assert buttons_of(listing) == ["cl:7:1"]
        assert prompt.reply_markup is not None and prompt.reply_markup.get("force_reply")
        paged = await bot.answer(await lan.tap(listing, "cl:7:1"))
        assert paged == {}
        await sb.wait_until(lambda: "Người 0" in (listing.text or ""))
        assert (listing.text or "").splitlines()[1:] == ["• Người 1: Ý kiến số 1",
                                                        "• Người 0: Ý kiến số 0"]  # fmt: skip
        assert buttons_of(listing) == ["cl:7:0"]
        await lan.send("Bình luận thứ tám")  # the prompt is still open
        assert (await sb.wait_for_message(lan.chat_id)).text == (
            "Cảm ơn bạn! Bình luận đã được gửi và đang chờ kiểm duyệt."
        )
        assert bot.unanswered_queries() == []


async def test_an_approval_in_the_bot_reaches_the_station_site_through_the_relay(
    database: Database,
) -> None:
    async with Sandbox() as sb:
        sb.station.wp_users = {"telegram-relay": "abcd efgh ijkl mnop"}
        sb.station.comments_api.posts.add(7)
        wordpress = {"wordpress_url": sb.station_url, "wordpress_user": "telegram-relay",
                     "wordpress_app_password": "abcd efgh ijkl mnop"}  # fmt: skip
        async with running_bot(sb, database, **SETTINGS, **wordpress) as bot:
            owner = sb.user(OWNER, "Chủ")
            lan = sb.user(1001, "Lan")
            push = await pushed(bot, lan.chat_id, 7)
            await lan.reply(push, HOSTILE)
            await sb.wait_for_message(lan.chat_id)
            [comment] = await stored_comments(database)
            await owner.send("/pending")
            _, card = await sb.wait_for_message(owner.chat_id, count=2)
            await bot.answer(await owner.tap(card, f"m:{comment.id}:approve"))
            relay = bot.application.bot_data["services"].relay
            assert await relay.run_once() == 1  # what the 30-second job does
    [posted] = sb.station.comments
    assert posted["post"] == 7 and posted["author_name"] == "Lan (Telegram)"
    assert posted["raw"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;"
