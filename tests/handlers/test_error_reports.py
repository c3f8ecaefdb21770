"""An unhandled error (a handler's, a background job's) reaches the admin chat as one short
report per burst, with no secret in it; the full trace stays in the log."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import Work
from bot.context import BotContext
from bot.error_alerts import ErrorAlerts
from bot.runner import supervise
from bot.services.error_reports import ErrorReports
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


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class Sent:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, text: str) -> None:
        self.texts.append(text)


def test_the_report_is_short_and_says_how_many_were_left_out() -> None:
    alerts = ErrorAlerts(ErrorReports(), Sent(), "en")
    text = alerts.handler_text(RuntimeError("x" * 5000), 7, left_out=11)
    assert len(text) < 500 and text.count("x") < 210
    assert "11 more times" in text and "update 7" in text
    masked = alerts.handler_text(
        RuntimeError("postgresql://newsbot:hunter2@db/newsbot password=s3cret"), 8, 0
    )
    assert "hunter2" not in masked and "s3cret" not in masked


async def test_a_crashing_job_is_reported_once_and_an_outage_never() -> None:
    clock, sent = Ticks(), Sent()
    alerts = ErrorAlerts(ErrorReports(clock=clock), sent, "vi")
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            raise KeyError("article_id")
        if runs <= 5:
            raise ConnectionRefusedError(111, "Connect call failed")  # an outage: no report

    async def no_sleep(seconds: float) -> None:
        clock.t += seconds

    await supervise(Work("ingest", job), sleep=no_sleep, on_crash=alerts.job_crashed)
    assert runs == 6
    assert len(sent.texts) == 1
    assert sent.texts[0].startswith("⚠️ Tác vụ nền «ingest» gặp lỗi") and "KeyError" in sent.texts[0]


async def test_a_failing_report_does_not_stop_the_restart() -> None:
    async def broken(error: BaseException, job: str) -> None:
        raise RuntimeError("alert sink down")

    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise ValueError("a bug")

    async def no_sleep(seconds: float) -> None:
        return None

    await supervise(Work("sender", job), sleep=no_sleep, on_crash=broken)
    assert runs == 2
