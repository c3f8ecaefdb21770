"""Owners manage the staff through the real application: refusals audited by the guard, adding
by reply and by @username, owners that stay, /audit's pages, /help and menus per role."""

from __future__ import annotations

from typing import Any

from bot.callbacks import AuditPageButton, encode
from bot.handlers.role_menu import menu_owed, publish_staff_menus
from bot.services.audit import PAGE_SIZE, Audit
from bot.services.roles import Roles
from storage.db import Database
from storage.enums import AuditAction, Role
from storage.repositories import admins
from tests.harness import running_bot
from tests.sandbox import Sandbox
from tests.services.test_staff import audit_rows

OWNER, ADMIN, MODERATOR, READER, NEWCOMER = 42, 43, 44, 45, 46
REFUSED = "Xin lỗi, bạn không có quyền dùng chức năng này."


async def grant(database: Database, user_id: int, role: Role) -> None:
    async with database.session() as session:
        await admins.grant(session, user_id, role, added_by=OWNER)


async def role_of(database: Database, user_id: int) -> Role | None:
    return await Roles(database, [OWNER]).role_of(user_id)


def chat_scope(user_id: int) -> dict[str, Any]:
    return {"type": "chat", "chat_id": user_id}


def menu(sb: Sandbox, user_id: int, language_code: str = "") -> list[str]:
    return [c["command"] for c in sb.commands(chat_scope(user_id), language_code)]


async def test_a_non_owners_staff_command_is_refused_and_audited_once(
    database: Database,
) -> None:
    await grant(database, ADMIN, Role.ADMIN)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        admin, reader = sb.user(ADMIN, "Hoa"), sb.user(READER, "Lạ")
        await reader.send(f"/addadmin {READER}")
        assert (await sb.wait_for_message(reader.chat_id)).text == REFUSED
        await admin.send(f"/removeadmin {OWNER}")  # an admin never removes an owner
        assert (await sb.wait_for_message(admin.chat_id)).text == REFUSED
    assert await role_of(database, READER) is None
    assert await audit_rows(database) == [
        (READER, AuditAction.REFUSED, "command:/addadmin"),
        (ADMIN, AuditAction.REFUSED, "command:/removeadmin"),
    ]


async def test_the_owner_adds_an_admin_by_reply_and_a_moderator_by_username(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        owner = sb.user(OWNER, "Chủ")
        hoa = sb.user(ADMIN, "Hoa", username="hoa_ktv")
        binh = sb.user(MODERATOR, "Bình", username="Binh_KTV", language_code="en")
        newsroom = sb.group(-100700, "Phòng biên tập", owner=OWNER)
        await hoa.join(newsroom)
        said = await hoa.send_to(newsroom, "Chào cả nhà")
        await owner.reply(said, "/addadmin", chat=newsroom)
        assert (await sb.wait_for_message(newsroom)).text == "✅ Hoa @hoa_ktv đã là quản trị viên."

        unknown = await owner.send("/addmod @binh_ktv")  # Bình never wrote to the bot yet
        await bot.message_handled(unknown)
        answer = (await sb.wait_for_message(owner.chat_id)).text or ""
        assert answer.startswith("Bot chưa gặp @binh_ktv.")
        await binh.send("/help")
        await sb.wait_for_message(binh.chat_id)
        await owner.send("/addmod @BINH_ktv")
        added = (await sb.wait_for_message(owner.chat_id)).text
        assert added == "✅ Bình @Binh_KTV đã là kiểm duyệt viên."

        # The new staff's menus, per chat scope, in both languages.
        assert "audit" in menu(sb, ADMIN) and "addadmin" not in menu(sb, ADMIN)
        assert menu(sb, ADMIN)[:2] == ["start", "latest"] and "pending" in menu(sb, ADMIN)
        en = sb.commands(chat_scope(MODERATOR), "en")
        assert {"command": "pending", "description": "Comments awaiting moderation"} in en
        assert "audit" not in menu(sb, MODERATOR)
        scopes = [c.params.get("scope") for c in sb.calls if c.method == "setMyCommands"]
        assert scopes.count(chat_scope(ADMIN)) == 3  # default language, vi, en

        await owner.send("/admins")
        listing = (await sb.wait_for_message(owner.chat_id)).text or ""
    assert await role_of(database, ADMIN) is Role.ADMIN
    assert await role_of(database, MODERATOR) is Role.MODERATOR
    assert f"Chủ · {OWNER}" in listing and f"Hoa @hoa_ktv · {ADMIN}" in listing
    assert listing.index("Hoa") < listing.index("Kiểm duyệt viên") < listing.index("Bình")
    assert [a for a in await audit_rows(database) if a[1] != AuditAction.REFUSED] == [
        (OWNER, AuditAction.ADMIN_ADDED, f"user:{ADMIN}"),
        (OWNER, AuditAction.MODERATOR_ADDED, f"user:{MODERATOR}"),
    ]


async def test_owners_stay_and_a_removed_admin_loses_the_menu(database: Database) -> None:
    await grant(database, ADMIN, Role.ADMIN)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        owner, admin = sb.user(OWNER, "Chủ"), sb.user(ADMIN, "Hoa")
        await admin.send("/help")  # the bot learns her name
        await sb.wait_for_message(admin.chat_id)
        await publish_staff_menus(bot.application.bot, bot.application.bot_data)
        assert "audit" in menu(sb, ADMIN) and "addadmin" in menu(sb, OWNER, "en")

        await owner.send(f"/removeadmin {OWNER}")
        last = (await sb.wait_for_message(owner.chat_id)).text or ""
        assert "chủ sở hữu duy nhất nên không thể gỡ" in last and "NEWSBOT_OWNER_IDS" in last
        await owner.send(f"/addmod {OWNER}")
        assert "NEWSBOT_OWNER_IDS" in ((await sb.wait_for_message(owner.chat_id)).text or "")

        await owner.send(f"/removemod {ADMIN}")
        assert (
            await sb.wait_for_message(owner.chat_id)
        ).text == "Hoa không phải là kiểm duyệt viên."
        await owner.send(f"/removeadmin {ADMIN}")
        assert (await sb.wait_for_message(owner.chat_id)).text == "Hoa không còn là quản trị viên."
        assert menu(sb, ADMIN) == [] and menu(sb, ADMIN, "en") == []

        for bad in ("/addadmin", "/addadmin lan", "/addadmin 1 2", "/removemod @x"):
            await owner.send(bad)
            usage = (await sb.wait_for_message(owner.chat_id)).text or ""
            assert usage.startswith("Cách dùng: "), bad
        await admin.send("/audit")
        assert (await sb.wait_for_message(admin.chat_id)).text == REFUSED
    assert await role_of(database, OWNER) is Role.OWNER and await role_of(database, ADMIN) is None


async def test_a_menu_telegram_refuses_is_set_at_the_first_message(database: Database) -> None:
    await grant(database, NEWCOMER, Role.MODERATOR)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        sb.user(OWNER, "Chủ")
        await publish_staff_menus(bot.application.bot, bot.application.bot_data)
        assert "addadmin" in menu(sb, OWNER)
        assert menu_owed(bot.application.bot_data, NEWCOMER)  # Telegram: chat not found
        newcomer = sb.user(NEWCOMER, "Mới")  # their chat with the bot exists only now
        await newcomer.send("/help")
        await sb.wait_for_message(newcomer.chat_id)
        assert "pending" in menu(sb, NEWCOMER)
        assert not menu_owed(bot.application.bot_data, NEWCOMER)


async def test_help_lists_what_each_role_allows(database: Database) -> None:
    await grant(database, ADMIN, Role.ADMIN)
    await grant(database, MODERATOR, Role.MODERATOR)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        texts = {}
        for who in (OWNER, ADMIN, MODERATOR, READER):
            user = sb.user(who, f"U{who}")
            await user.send("/help")
            texts[who] = (await sb.wait_for_message(user.chat_id)).text or ""
        group = sb.group(-100800, "Nhóm", owner=OWNER)
        await sb.user(OWNER).send_to(group, "/help")
        in_group = (await sb.wait_for_message(group)).text or ""
    sections = {
        who: [s for s in ("/pending", "/audit", "/addadmin") if s in text]
        for who, text in texts.items()
    }
    assert sections == {
        OWNER: ["/pending", "/audit", "/addadmin"],
        ADMIN: ["/pending", "/audit"],
        MODERATOR: ["/pending"],
        READER: [],
    }
    assert all("/stop – hủy đăng ký" in text for text in texts.values())
    assert "/addadmin" not in in_group  # staff commands stay out of groups


async def test_audit_pages_and_forged_page_buttons(database: Database) -> None:
    await grant(database, ADMIN, Role.ADMIN)
    audit = Audit(database)
    for n in range(PAGE_SIZE + 2):
        await audit.record(READER, AuditAction.REFUSED, f"command:/stats{n}", {"needs": "admin"})
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        admin, reader = sb.user(ADMIN, "Hoa"), sb.user(READER, "Lạ")
        await admin.send("/audit")
        first = await sb.wait_for_message(admin.chat_id)
        assert "trang 1/2" in (first.text or "") and "command:/stats11" in (first.text or "")
        assert "command:/stats1 " not in (first.text or "")
        assert f"· {READER} · bị từ chối quyền · command:/stats11 (cần quyền quản trị viên)" in (
            first.text or ""
        )
        await admin.tap(first, encode(AuditPageButton(1)))
        await sb.wait_until(lambda: "trang 2/2" in (first.text or ""))
        assert "command:/stats0" in (first.text or "") and "command:/stats11" not in first.text
        assert admin.chat_id and not bot.unanswered_queries()

        forged = await bot.answer(await bot.tap_data(admin, first, "au:x"))
        assert forged == {"text": "Nút này không còn dùng được. Gõ /help để xem các lệnh."}
        negative = await bot.answer(await bot.tap_data(admin, first, "au:-1"))
        assert negative == forged
        mine = await bot.push_article(reader.chat_id)
        stolen = await bot.answer(await bot.tap_data(reader, mine, "au:0"))
        assert stolen == {"text": REFUSED, "show_alert": True}
        assert sb.messages(reader.chat_id) == [mine]
    refused = [a for a in await audit_rows(database) if a[1] == AuditAction.REFUSED]
    assert refused[-1] == (READER, AuditAction.REFUSED, "button:au:0")


ADMIN_COMMANDS = [
    "channels", "addchannel", "pausechannel", "resumechannel", "removechannel",
    "feeds", "addfeed", "removefeed", "pollnow", "broadcast", "stats", "audit",
]  # fmt: skip


async def test_an_admins_menu_and_help_list_the_channel_feed_broadcast_stats_and_audit_commands(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        owner = sb.user(OWNER, "Chủ")
        hoa, john = sb.user(ADMIN, "Hoa"), sb.user(NEWCOMER, "John", language_code="en")
        for user in (hoa, john):  # the bot has seen them: their menus can be set
            await user.send("/help")
            await sb.wait_for_message(user.chat_id)
        for who in (ADMIN, NEWCOMER):
            await owner.send(f"/addadmin {who}")
            await sb.wait_for_message(owner.chat_id)
        await hoa.send("/help")
        await john.send("/help")
        help_vi = (await sb.wait_for_message(hoa.chat_id)).text or ""
        help_en = (await sb.wait_for_message(john.chat_id)).text or ""
        menus = {lang: sb.commands(chat_scope(ADMIN), lang) for lang in ("", "vi", "en")}
    for lang, commands in menus.items():
        names = [c["command"] for c in commands]
        assert names[:2] == ["start", "latest"] and names[-len(ADMIN_COMMANDS) :] == ADMIN_COMMANDS
        assert "addadmin" not in names and "pending" in names, lang
    described = {lang: {c["command"]: c["description"] for c in menus[lang]} for lang in menus}
    assert described[""] == described["vi"]  # Vietnamese unless the client is English
    assert [described["vi"][c] for c in ("channels", "addfeed", "broadcast", "stats", "audit")] == [
        "Các kênh của Đài và cài đặt", "Thêm nguồn tin: /addfeed URL",
        "Gửi thông báo tới người đăng ký", "Thống kê và biểu đồ", "Nhật ký quản trị",
    ]  # fmt: skip
    assert [described["en"][c] for c in ("channels", "addfeed", "broadcast", "stats", "audit")] == [
        "The station's channels and settings", "Add a feed: /addfeed URL",
        "Send an announcement to subscribers", "Statistics and a chart", "Audit log",
    ]  # fmt: skip
    for text, heading in ((help_vi, "Quản trị"), (help_en, "Administration")):
        assert heading in text
        for command in ADMIN_COMMANDS:
            assert f"/{command}" in text, (heading, command)
        assert "/addadmin" not in text
    assert "/stats – thống kê và biểu đồ 30 ngày" in help_vi
    assert "/stats – statistics and a 30-day chart" in help_en
