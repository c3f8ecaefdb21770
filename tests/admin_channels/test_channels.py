"""Station channels managed from Telegram, end to end through the sandbox: /addchannel checks
both rights with getChatMember, per-channel settings change what the sender posts, a lost
channel stops and the admins hear of it once."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update

from bot import callbacks
from bot.admin_buttons import ChannelButton, ChannelOp, ChannelTopicButton
from bot.i18n import t
from bot.news.topics import slugify
from storage.db import Database
from storage.enums import DeliveryStatus
from storage.models import Channel
from tests.admin_channels.helpers import (
    ADMIN_CHAT,
    CHANNEL_OWNER,
    OWNER,
    STATION_CHANNEL,
    STRANGER,
    command,
    deliveries_to,
    fresh_item,
    publish,
    run_pipeline,
)
from tests.harness import BotHarness, running_bot
from tests.sandbox import Sandbox, SentMessage

IMAGE = "https://kontumtv.vn/wp-content/uploads/2026/12/cau-treo.jpg"


async def channel_row(database: Database, chat_id: int) -> Channel | None:
    async with database.session() as session:
        return await session.get(Channel, chat_id)


async def station_channel(sb: Sandbox, bot: BotHarness, chat_id: int, title: str) -> None:
    """A channel an owner made the bot an administrator of (registered by my_chat_member)."""
    channel = sb.channel(chat_id, title)
    await sb.add_bot_to(channel, admin=True, by=OWNER)
    await bot.processed(
        lambda u: (
            u.my_chat_member is not None
            and u.my_chat_member.chat.id == chat_id
            and u.my_chat_member.new_chat_member.status == "administrator"
        )
    )


async def test_addchannel_needs_both_administrators_and_then_news_reaches_it(
    sb: Sandbox, database: Database
) -> None:
    owner = sb.user(OWNER)
    channel = sb.channel(STATION_CHANNEL, "KRT Tin tức", username="krt_news")
    channel.chat.owner_id = CHANNEL_OWNER  # someone else created it
    feed = [f"{sb.station_url}/feed"]
    await run_pipeline(sb, database, configured=feed)  # the feed's first poll: backlog
    async with running_bot(sb, database, owner_ids=[OWNER], feeds=feed) as bot:
        # Not in the channel at all: getChat says "chat not found".
        reply = await command(bot, owner, "/addchannel @krt_news")
        assert reply.text == t("channels.refused.not_found", "vi", name="@krt_news")
        # A plain member: not an administrator.
        await sb.add_bot_to(channel, admin=False, by=CHANNEL_OWNER)
        reply = await command(bot, owner, "/addchannel @krt_news")
        assert reply.text == t("channels.refused.bot_not_admin", "vi", name="@krt_news")
        # An administrator without "Post messages".
        await sb.add_bot_to(channel, admin=True, by=CHANNEL_OWNER)
        await sb.set_bot_can_post(channel, False, by=CHANNEL_OWNER)
        reply = await command(bot, owner, "/addchannel -1001234567890")
        assert reply.text == t("channels.refused.bot_cannot_post", "vi", name="@krt_news")
        # The bot may post, but the station's owner does not administer this channel.
        await sb.set_bot_can_post(channel, True, by=CHANNEL_OWNER)
        reply = await command(bot, owner, "/addchannel https://t.me/krt_news")
        assert reply.text == t("channels.refused.requester_not_admin", "vi", name="@krt_news")
        assert await channel_row(database, STATION_CHANNEL) is None
        # Now both hold: added, with its card.
        await owner.join(channel, admin=True)
        reply = await command(bot, owner, "/addchannel @krt_news")
        assert reply.text == t("channels.added", "vi", name="@krt_news")
        card = await sb.wait_for_message(owner.chat_id)
        assert "@krt_news" in (card.text or "")
    stored = await channel_row(database, STATION_CHANNEL)
    assert stored is not None and stored.active and stored.username == "krt_news"

    publish(sb, "/feed", fresh_item(30001, "Khánh thành cầu treo qua sông Đăk Bla"))
    await run_pipeline(sb, database, configured=feed)
    posts = sb.messages(STATION_CHANNEL)
    assert [p.text.splitlines()[0] for p in posts if p.text] == [
        "Khánh thành cầu treo qua sông Đăk Bla"
    ]


async def test_a_forwarded_post_names_the_channel(sb: Sandbox, database: Database) -> None:
    owner = sb.user(OWNER)
    channel = sb.channel(STATION_CHANNEL, "KRT Tin tức")  # no @username: only its id
    channel.chat.owner_id = OWNER
    async with running_bot(sb, database, owner_ids=[OWNER]):
        await sb.add_bot_to(channel, admin=True, by=CHANNEL_OWNER)  # not a station admin
        await owner.join(channel, admin=True)
        post = await owner.send_to(channel, "Bản tin sáng")
        forwarded = await owner.forward(post)
        await sb.wait_for_message(owner.chat_id)  # a forward alone is not a command
        await owner.reply(forwarded, "/addchannel")
        reply = await sb.wait_for_message(owner.chat_id, timeout=10)
        assert reply.text == t("channels.added", "vi", name="KRT Tin tức")
    stored = await channel_row(database, STATION_CHANNEL)
    assert stored is not None and stored.active


async def tap(bot: BotHarness, card: SentMessage, payload: object) -> None:
    user = bot.sb.user(OWNER)
    query = await user.tap(card, callbacks.encode(payload))
    await bot.query_handled(query)
    assert (await bot.answer(query)).get("show_alert") is not True


async def card_of(bot: BotHarness, chat_id: int) -> SentMessage:
    owner = bot.sb.user(OWNER)
    await owner.send("/channels")
    cards = await bot.sb.wait_for_messages(owner.chat_id, 3, timeout=10)
    return next(
        c for c in cards if any(f"chan:{chat_id}:" in b.get("callback_data", "") for b in c.buttons)
    )


async def test_per_channel_settings_change_what_is_posted(sb: Sandbox, database: Database) -> None:
    plain, quiet, sport = -1002001, -1002002, -1002003
    feed = [f"{sb.station_url}/feed"]
    await run_pipeline(sb, database, configured=feed)
    async with running_bot(sb, database, owner_ids=[OWNER], feeds=feed) as bot:
        for chat_id, title in ((plain, "Kênh chính"), (quiet, "Kênh im lặng"), (sport, "Thể thao")):
            await station_channel(sb, bot, chat_id, title)
        card = await card_of(bot, quiet)
        await tap(bot, card, ChannelButton(quiet, ChannelOp.SILENT))
        await tap(bot, card, ChannelButton(quiet, ChannelOp.IMAGES))
        await tap(bot, card, ChannelButton(quiet, ChannelOp.COMMENTS))
        text = card.text or ""
        assert t("channels.comments_native", "vi") in text
        card = await card_of(bot, sport)
        await tap(bot, card, ChannelButton(sport, ChannelOp.TOPICS))
        await tap(bot, card, ChannelTopicButton(sport, slugify("Thể thao")))
        assert "Thể thao" in (card.text or "")

    publish(sb, "/feed", fresh_item(30002, "Cầu treo Kon Klor đón khách", image=IMAGE))
    await run_pipeline(sb, database, configured=feed)
    [main] = sb.messages(plain)
    assert main.method == "sendPhoto" and not main.disable_notification
    assert main.reply_markup and main.reply_markup["inline_keyboard"]  # 📖 and 💬
    [silent] = sb.messages(quiet)
    assert silent.method == "sendMessage" and silent.disable_notification
    assert not silent.reply_markup  # native comments: no keyboard under the post
    assert "Cầu treo Kon Klor đón khách" in (silent.text or "")
    assert sb.messages(sport) == []  # a "Thời sự" story, the channel takes "Thể thao" only


async def test_pause_resume_and_remove(sb: Sandbox, database: Database) -> None:
    owner = sb.user(OWNER)
    async with running_bot(sb, database, owner_ids=[OWNER]) as bot:
        await station_channel(sb, bot, STATION_CHANNEL, "KRT Tin tức")
        reply = await command(bot, owner, "/pausechannel -1001234567890")
        assert reply.text == t("channels.paused", "vi", name="KRT Tin tức")
        stored = await channel_row(database, STATION_CHANNEL)
        assert stored is not None and not stored.active
        reply = await command(bot, owner, "/resumechannel -1001234567890")
        assert reply.text == t("channels.resumed", "vi", name="KRT Tin tức")
        stored = await channel_row(database, STATION_CHANNEL)
        assert stored is not None and stored.active
        reply = await command(bot, owner, "/removechannel -1001234567890")
        assert reply.text == t("channels.remove_confirm", "vi", name="KRT Tin tức")
        assert await channel_row(database, STATION_CHANNEL) is not None  # not before the tap
        await tap(bot, reply, ChannelButton(STATION_CHANNEL, ChannelOp.REMOVE_YES))
        assert await channel_row(database, STATION_CHANNEL) is None
        reply = await command(bot, owner, "/pausechannel -1001234567890")
        assert reply.text == t("channels.unknown", "vi", name="-1001234567890")


async def test_a_lost_channel_stops_and_the_admins_are_told_once(
    sb: Sandbox, database: Database
) -> None:
    kicked, muted = -1003001, -1003002
    settings = {"owner_ids": [OWNER], "admin_chat_id": ADMIN_CHAT}
    async with running_bot(sb, database, **settings) as bot:
        await station_channel(sb, bot, kicked, "Kênh bị gỡ")
        await station_channel(sb, bot, muted, "Kênh mất quyền")
        await sb.remove_bot_from(kicked)
        await sb.remove_bot_from(kicked, kicked=False)  # a second report of the same loss
        await sb.set_bot_can_post(muted, False, by=CHANNEL_OWNER)
        await bot.processed(lambda u: _status(u, kicked) == "left")
        await bot.processed(lambda u: _status(u, muted) == "administrator" and _muted(u))
    for chat_id in (kicked, muted):
        stored = await channel_row(database, chat_id)
        assert stored is not None and not stored.active
    notices = await deliveries_to(database, ADMIN_CHAT)
    assert len(notices) == 2  # one per lost channel, not one per update
    await run_pipeline(sb, database, configured=[])
    texts = sorted(m.text or "" for m in sb.messages(ADMIN_CHAT))
    assert texts == sorted(
        [
            t("channel.lost", "vi", channel="Kênh bị gỡ"),
            t("channel.lost_post_right", "vi", channel="Kênh mất quyền"),
        ]
    )
    assert all(d.status is DeliveryStatus.SENT for d in await deliveries_to(database, ADMIN_CHAT))


def _status(update: Update, chat_id: int) -> str | None:
    change = update.my_chat_member
    if change is None or change.chat.id != chat_id:
        return None
    return change.new_chat_member.status


def _muted(update: Update) -> bool:
    member = update.my_chat_member.new_chat_member if update.my_chat_member else None
    return getattr(member, "can_post_messages", None) is False


async def test_non_admins_are_refused_commands_and_forged_buttons(
    sb: Sandbox, database: Database
) -> None:
    stranger = sb.user(STRANGER)
    refused = t("guard.refused", "vi")
    async with running_bot(sb, database, owner_ids=[OWNER]) as bot:
        await station_channel(sb, bot, STATION_CHANNEL, "KRT Tin tức")
        for text in ("/channels", "/addchannel @krt_news", "/pausechannel -1001234567890",
                     "/removechannel -1001234567890", "/feeds", "/addfeed https://example.com/feed",
                     "/removefeed 1", "/pollnow"):  # fmt: skip
            reply = await command(bot, stranger, text)
            assert reply.text == refused, text
        own = await command(bot, stranger, "/help")
        forged = callbacks.encode(ChannelButton(STATION_CHANNEL, ChannelOp.REMOVE_YES))
        query = await bot.tap_data(stranger, own, forged)
        assert (await bot.answer(query)).get("text") == refused
        garbage = await bot.tap_data(stranger, own, "chan:5:xy")  # not a channel id
        assert (await bot.answer(garbage)).get("text") == t("button.invalid", "vi")
    async with database.session() as session:
        still = (await session.scalars(select(Channel))).all()
    assert [c.chat_id for c in still] == [STATION_CHANNEL] and still[0].active
