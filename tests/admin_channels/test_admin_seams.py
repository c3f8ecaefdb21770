"""Where the admin features meet, as the station's staff see them: an admin who adds a channel,
a feed and a broadcast finds each in /audit under its label; a stranger's /stats,
/addchannel, /broadcast, /addfeed and forged admin buttons are refused and audited."""

from __future__ import annotations

from bot import callbacks
from bot.admin_buttons import ChannelButton, ChannelOp, ChannelTopicButton, FeedButton, FeedOp
from bot.i18n import t
from bot.news.topics import slugify
from storage.db import Database
from storage.enums import AuditAction, Role
from storage.repositories import admins
from tests.admin_channels.helpers import (
    CHANNEL_OWNER,
    OWNER,
    STATION_CHANNEL,
    STRANGER,
    command,
    fresh_item,
    publish,
)
from tests.admin_channels.test_channels import station_channel, tap
from tests.broadcasts.helpers import broadcasts, compose, discard_data, send_data
from tests.delivery_e2e.helpers import add_subscribers
from tests.harness import running_bot
from tests.sandbox import Sandbox
from tests.services.test_staff import audit_rows

ADMIN = 43
CATEGORY = "/category/kinh-te/feed"
SETTINGS = {"owner_ids": [OWNER], "feeds_allow_private": True}  # the sandbox is on 127.0.0.1


async def test_an_admins_channel_feed_and_broadcast_are_in_the_audit_log_with_labels(
    sb: Sandbox, database: Database
) -> None:
    async with database.session() as session:
        await admins.grant(session, ADMIN, Role.ADMIN, added_by=OWNER)
    await add_subscribers(database, [70_001, 70_002])
    hoa = sb.user(ADMIN, "Hoa", language_code="en")
    channel = sb.channel(STATION_CHANNEL, "KRT Tin tức", username="krt_news")
    channel.chat.owner_id = CHANNEL_OWNER
    publish(sb, CATEGORY, fresh_item(40001, "Giá cà phê Đăk Hà tăng mạnh"))
    async with running_bot(sb, database, **SETTINGS) as bot:
        await sb.add_bot_to(channel, admin=True, by=CHANNEL_OWNER)  # not station staff
        await hoa.join(channel, admin=True)
        added = await command(bot, hoa, "/addchannel @krt_news")
        assert added.text == t("channels.added", "en", name="@krt_news")
        await sb.wait_for_message(hoa.chat_id)  # the channel's card
        feed = await command(bot, hoa, f"/addfeed {sb.station_url}{CATEGORY}")
        assert (feed.text or "").startswith("✅")
        _preview, question = await compose(sb, hoa, "Lịch phát sóng mới từ 1/12")
        (draft,) = await broadcasts(database)
        await bot.answer(await hoa.tap(question, send_data(draft.id)))
        await sb.wait_until(lambda: question.edit_count == 1)

        log = (await command(bot, hoa, "/audit")).text or ""
        await sb.user(OWNER, "Chủ").send("/audit")
        log_vi = (await sb.wait_for_message(OWNER)).text or ""
    done = [(a, action) for a, action, _ in await audit_rows(database)]
    assert done == [
        (ADMIN, AuditAction.CHANNEL_ADD),
        (ADMIN, AuditAction.FEED_ADD),
        (ADMIN, AuditAction.BROADCAST_SEND),
    ]
    assert log.startswith("Audit log · page 1/1, newest first\n\n")
    lines = log.splitlines()[2:]  # newest first, each with who, what and on what
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "Hoa · sent a broadcast · broadcast:1",
        f"Hoa · added a feed · feed:1 ({sb.station_url}{CATEGORY})",
        f"Hoa · added a channel · channel:{STATION_CHANNEL} (@krt_news)",
    ]
    for label in ("thêm kênh", "thêm nguồn tin", "gửi thông báo"):
        assert f"· Hoa · {label} ·" in log_vi, label


async def test_a_strangers_admin_commands_and_forged_buttons_are_refused_and_audited(
    sb: Sandbox, database: Database
) -> None:
    stranger = sb.user(STRANGER)  # Telegram gives no language: Vietnamese
    refused = t("guard.refused", "vi")
    async with running_bot(sb, database, **SETTINGS) as bot:
        for text in ("/stats", "/addchannel @krt_news", "/broadcast",
                     "/addfeed https://example.com/feed", "/audit"):  # fmt: skip
            assert (await command(bot, stranger, text)).text == refused, text
        own = await command(bot, stranger, "/help")
        forged = [
            callbacks.encode(ChannelButton(STATION_CHANNEL, ChannelOp.REMOVE_YES)),
            callbacks.encode(FeedButton(1, FeedOp.REMOVE_YES)),
            send_data(1),
        ]
        for data in forged:
            answer = await bot.answer(await bot.tap_data(stranger, own, data))
            assert answer == {"text": refused, "show_alert": True}, data
        assert bot.unanswered_queries() == []
    assert await audit_rows(database) == [
        (STRANGER, AuditAction.REFUSED, "command:/stats"),
        (STRANGER, AuditAction.REFUSED, "command:/addchannel"),
        (STRANGER, AuditAction.REFUSED, "command:/broadcast"),
        (STRANGER, AuditAction.REFUSED, "command:/addfeed"),
        (STRANGER, AuditAction.REFUSED, "command:/audit"),
        *[(STRANGER, AuditAction.REFUSED, f"button:{data}") for data in forged],
    ]
    assert await broadcasts(database) == []


async def test_every_channel_feed_and_broadcast_action_is_in_the_audit_log(
    sb: Sandbox, database: Database
) -> None:
    owner = sb.user(OWNER)
    added = f"{sb.station_url}{CATEGORY}"
    publish(sb, CATEGORY, fresh_item(40002, "Hội chợ nông sản Kon Tum"))
    await add_subscribers(database, [70_001])
    async with running_bot(sb, database, **SETTINGS) as bot:
        await station_channel(sb, bot, STATION_CHANNEL, "KRT Tin tức")
        card = await command(bot, owner, "/channels")  # the one channel's card
        for op in (ChannelOp.IMAGES, ChannelOp.SILENT, ChannelOp.COMMENTS, ChannelOp.TOPICS):
            await tap(bot, card, ChannelButton(STATION_CHANNEL, op))
        await tap(bot, card, ChannelTopicButton(STATION_CHANNEL, slugify("Thời sự")))
        for text in ("/pausechannel", "/resumechannel"):
            await command(bot, owner, f"{text} {STATION_CHANNEL}")
        await command(bot, owner, f"/addfeed {added}")
        feed = await command(bot, owner, f"/removefeed {added}")
        (feed_id,) = {int(b["callback_data"].split(":")[1]) for b in feed.buttons}
        await tap(bot, feed, FeedButton(feed_id, FeedOp.REMOVE_YES))
        await command(bot, owner, "/pollnow")
        for decision in (send_data, discard_data):
            _preview, question = await compose(sb, owner, "Thông báo thử")
            draft = (await broadcasts(database))[-1]
            await bot.answer(await owner.tap(question, decision(draft.id)))
            await sb.wait_until(lambda q=question: q.edit_count == 1)  # type: ignore[misc]
            if decision is send_data:
                await command(bot, owner, "/broadcast cancel")
        removal = await command(bot, owner, f"/removechannel {STATION_CHANNEL}")
        await tap(bot, removal, ChannelButton(STATION_CHANNEL, ChannelOp.REMOVE_YES))
        log = (await command(bot, owner, "/audit")).text or ""
    assert [(actor, action) for actor, action, _ in await audit_rows(database)] == [
        (OWNER, action)
        for action in (
            AuditAction.CHANNEL_IMAGES, AuditAction.CHANNEL_SILENT, AuditAction.CHANNEL_COMMENTS,
            AuditAction.CHANNEL_TOPIC, AuditAction.CHANNEL_PAUSE, AuditAction.CHANNEL_RESUME,
            AuditAction.FEED_ADD, AuditAction.FEED_REMOVE, AuditAction.FEED_POLL_NOW,
            AuditAction.BROADCAST_SEND, AuditAction.BROADCAST_CANCEL,
            AuditAction.BROADCAST_DISCARD, AuditAction.CHANNEL_REMOVE,
        )
    ]  # fmt: skip
    assert "trang 1/2" in log  # 13 lines, 10 a page: the newest first, each named
    for label in ("gỡ kênh", "hủy bản nháp thông báo", "dừng gửi thông báo", "gửi thông báo",
                  "lấy tin ngay", f"gỡ nguồn tin · feed:{feed_id} ({added})", "thêm nguồn tin",
                  "tiếp tục kênh", "tạm dừng kênh",
                  f"đổi chuyên mục của kênh · channel:{STATION_CHANNEL} (thoi-su)"):  # fmt: skip
        assert f"· Chủ · {label}" in log, label
