"""An unhandled error reaches the admin chat as one short report per burst, with no secret
in it; the full trace stays in the log."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.handlers.errors import report_text
from storage.db import Database
from tests.harness import running_bot
from tests.sandbox import Sandbox

ADMIN_CHAT = -100900


def failing_handler(token: str) -> CommandHandler[BotContext, None]:
    async def boom(update: Update, context: BotContext) -> None:
        """A handler with a bug whose message carries the token (as a request URL would)."""
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/sendMessage failed")

    return CommandHandler("boom", boom)


async def test_a_burst_of_one_error_reaches_the_admin_chat_once_without_the_token(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with Sandbox() as sb:
        handlers = [failing_handler(sb.token)]
        async with running_bot(sb, database, handlers=handlers, admin_chat_id=ADMIN_CHAT) as bot:
            sb.group(ADMIN_CHAT, "Ban biên tập", owner=42)
            readers = sb.users(range(2001, 2013))
            with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
                sent = [await reader.send("/boom") for reader in readers]
                for message in sent:
                    await bot.message_handled(message)
            apologies = [await sb.wait_for_message(r.chat_id) for r in readers]
            reports = sb.messages(ADMIN_CHAT)
    assert all(a.text and a.text.startswith("Xin lỗi, đã có lỗi xảy ra") for a in apologies)
    assert len(reports) == 1
    text = reports[0].text or ""
    assert text.startswith("⚠️ Lỗi chưa được xử lý") and "RuntimeError" in text
    assert sb.token not in text and "<token>" in text
    assert "Traceback" not in text and "line " not in text
    traces = [r for r in caplog.records if r.exc_info is not None]
    assert len(traces) == len(readers)  # every failure's trace is in the log


def test_the_report_is_short_and_says_how_many_were_left_out() -> None:
    long = RuntimeError("x" * 5000)
    text = report_text(long, 7, left_out=11, locale="en")
    assert len(text) < 500 and text.count("x") < 210
    assert "11 more times" in text and "update 7" in text
