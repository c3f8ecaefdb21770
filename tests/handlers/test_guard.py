"""The role guard in front of a privileged command and a privileged button (test-only ones)."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.guard import requires
from storage.db import Database
from storage.enums import Role
from storage.repositories import admins
from tests.harness import running_bot
from tests.sandbox import Sandbox

OWNER, ADMIN, MODERATOR, READER = 42, 43, 44, 45


@requires(Role.ADMIN)
async def secret(update: Update, context: BotContext) -> None:
    """A privileged command for the test."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"ok {context.locale}")


@requires(Role.MODERATOR)
async def moderate(update: Update, context: BotContext) -> None:
    """A privileged button for the test."""
    assert update.callback_query is not None
    await update.callback_query.answer("done")


HANDLERS = [CommandHandler("secret", secret), CallbackQueryHandler(moderate, pattern="^mod$")]


async def grant_roles(database: Database) -> None:
    async with database.session() as session:
        await admins.grant(session, ADMIN, Role.ADMIN, added_by=OWNER)
        await admins.grant(session, MODERATOR, Role.MODERATOR, added_by=OWNER)


async def test_a_privileged_command_runs_for_its_role_and_above_only(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await grant_roles(database)
    async with (
        Sandbox() as sb,
        running_bot(sb, database, handlers=HANDLERS, owner_ids=[OWNER]),
    ):
        people = {
            who: sb.user(who, f"U{who}", language_code="en" if who == READER else "vi")
            for who in (OWNER, ADMIN, MODERATOR, READER)
        }
        answers = {}
        with caplog.at_level(logging.WARNING, logger="bot.guard"):
            for who, user in people.items():
                await user.send("/secret")
                answers[who] = (await sb.wait_for_message(user.chat_id)).text
    assert answers == {
        OWNER: "ok vi",
        ADMIN: "ok vi",
        MODERATOR: "Xin lỗi, bạn không có quyền dùng chức năng này.",
        READER: "Sorry, you are not allowed to use this.",
    }
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 2
    assert any(f"user {READER}" in line and "needs admin" in line for line in refused)


async def test_a_revoked_right_is_gone_at_the_next_call(database: Database) -> None:
    await grant_roles(database)
    async with Sandbox() as sb, running_bot(sb, database, handlers=HANDLERS) as bot:
        admin = sb.user(ADMIN, "Quản trị")
        await admin.send("/secret")
        assert (await sb.wait_for_message(admin.chat_id)).text == "ok vi"
        async with database.session() as session:
            assert await admins.revoke(session, ADMIN)
        await admin.send("/secret")
        refusal = (await sb.wait_for_message(admin.chat_id)).text
        assert refusal == "Xin lỗi, bạn không có quyền dùng chức năng này."
        assert bot.unanswered_queries() == []


async def test_a_privileged_button_refuses_with_an_alert_and_changes_nothing(
    database: Database,
) -> None:
    await grant_roles(database)
    async with Sandbox() as sb, running_bot(sb, database, handlers=HANDLERS) as bot:
        moderator, reader = sb.user(MODERATOR, "Kiểm duyệt"), sb.user(READER, "Lạ")
        card = await bot.push_article(moderator.chat_id, 1)
        forged = await bot.push_article(reader.chat_id, 2)
        assert await bot.answer(await bot.tap_data(moderator, card, "mod")) == {"text": "done"}
        refused = await bot.answer(await bot.tap_data(reader, forged, "mod"))
        assert refused == {
            "text": "Xin lỗi, bạn không có quyền dùng chức năng này.",
            "show_alert": True,
        }
        assert sb.messages(reader.chat_id) == [forged]
