"""After approval: the comment goes into the channel post's discussion thread (through the
outbox), and not twice into the thread it was written in."""

from __future__ import annotations

from storage.db import Database
from storage.enums import Audience
from tests.comments.helpers import (
    ADMIN_CHAT,
    HOSTILE,
    OWNER,
    drain,
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
