"""The runtime's waiting rules without a network: backoff, start-up retries, supervision,
the update source's poison handling, and which database errors are worth waiting for."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.error import NetworkError

from bot.alerts import admin_alert
from bot.app import Work
from bot.retry import Backoff, NotReady, StartupError, Stopped, until_ready
from bot.runner import describe_outage, supervise
from bot.updates import LongPolling, next_offset, parse_updates
from storage.db import Database, DatabaseUnavailable, is_transient

GOOD = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": 1001, "type": "private"},
        "text": "/start",
    },
}
BAD = {"update_id": 8, "message": {"message_id": 2, "date": "yesterday", "chat": {"id": 1}}}


class FakeSleep:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = Backoff(first_s=1, cap_s=30).delays()
    assert [next(delays) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


async def test_start_up_logs_one_line_per_failed_attempt_and_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleep, answers = FakeSleep(), iter([NotReady("down"), NotReady("still down"), None])

    async def attempt() -> str:
        answer = next(answers)
        if answer is not None:
            raise answer
        return "up"

    with caplog.at_level(logging.INFO, logger="bot.retry"):
        assert await until_ready("Telegram", attempt, sleep=sleep) == "up"
    assert sleep.slept == [1, 2]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Telegram: down; retrying in 1 s (attempt 1)",
        "Telegram: still down; retrying in 2 s (attempt 2)",
    ]
    assert all(r.exc_info is None for r in caplog.records)  # no traceback


async def test_what_waiting_cannot_fix_stops_at_the_first_attempt() -> None:
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise StartupError("The Bot API rejected NEWSBOT_TELEGRAM_TOKEN.")

    with pytest.raises(StartupError):
        await until_ready("Telegram", attempt, sleep=FakeSleep())
    assert calls == 1


async def test_a_stop_request_ends_the_wait() -> None:
    stop = asyncio.Event()

    async def attempt() -> None:
        stop.set()  # SIGTERM arrives while Telegram is still down
        raise NotReady("down")

    with pytest.raises(Stopped):
        await until_ready("Telegram", attempt, stop=stop)  # the real sleep: returns at once


async def test_a_supervised_job_survives_an_outage_with_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleep, runs = FakeSleep(), 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs <= 2:
            raise ConnectionRefusedError(111, "Connect call failed")

    with caplog.at_level(logging.WARNING, logger="bot.runner"):
        await supervise(Work("ingest", job), sleep=sleep)
    assert runs == 3 and sleep.slept == [1, 2]
    assert len(caplog.records) == 2
    assert "ingest: database unreachable" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is None


async def test_a_bug_in_a_job_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise KeyError("oops")

    with caplog.at_level(logging.ERROR, logger="bot.runner"):
        await supervise(Work("sender", job), sleep=FakeSleep())
    assert runs == 2
    assert caplog.records[0].exc_info is not None
    assert "sender crashed" in caplog.records[0].getMessage()


def test_outages_are_told_apart_from_bugs() -> None:
    assert describe_outage(NetworkError("Bad Gateway")) == "Telegram unreachable (Bad Gateway)"
    assert describe_outage(ConnectionResetError()) is not None
    assert describe_outage(ValueError("a bug")) is None


def test_only_errors_that_pass_are_waited_for() -> None:
    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    assert is_transient(ConnectionRefusedError(111, "refused"))
    assert is_transient(TimeoutError())
    assert is_transient(PgError("57P03"))  # the database system is starting up
    assert is_transient(PgError("53300"))  # too many connections
    assert is_transient(sqlite3.OperationalError("database is locked"))
    assert not is_transient(PgError("3D000"))  # database does not exist
    assert not is_transient(PgError("28P01"))  # password authentication failed
    assert not is_transient(sqlite3.OperationalError("unable to open database file"))
    assert not is_transient(PermissionError(13, "Permission denied"))


async def test_an_unreachable_server_is_transient_and_a_malformed_url_permanent() -> None:
    database = Database("postgresql+asyncpg://nobody:secretpw@127.0.0.1:1/x")
    with pytest.raises(DatabaseUnavailable) as raised:
        await database.check()
    await database.dispose()
    assert not raised.value.permanent
    assert "secretpw" not in str(raised.value) and "unreachable" in str(raised.value)

    with pytest.raises(DatabaseUnavailable) as malformed:
        Database("postgresql+asyncpg://nobody:secretpw@127.0.0.1:port/x")
    assert malformed.value.permanent and "secretpw" not in str(malformed.value)


def _bot() -> Bot:
    return Bot("123456789:AAHkontumSandboxToken0123456789abcde")


def test_updates_are_parsed_one_by_one() -> None:
    updates, rejected = parse_updates([GOOD, BAD, "junk"], _bot())
    assert [u.update_id for u in updates] == [7]
    assert [r.update_id for r in rejected] == [8, None]
    assert "TypeError" in rejected[0].error


def test_the_offset_passes_every_update_of_an_answer_parsed_or_not() -> None:
    assert next_offset([GOOD, BAD], None) == 9
    assert next_offset([], 5) == 5
    assert next_offset(["junk"], 5) == 5


async def test_a_poison_update_is_skipped_counted_and_confirmed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    source = LongPolling(_bot(), queue)
    with caplog.at_level(logging.ERROR, logger="bot.updates"):
        source.handle([GOOD, BAD])  # the bad one last: the offset must still pass it
    assert source.offset == 9 and source.skipped == 1
    first = queue.get_nowait()
    assert isinstance(first, Update) and first.update_id == 7 and queue.empty()
    assert len(caplog.records) == 1 and "skipped update 8" in caplog.records[0].getMessage()


class FakeBot:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.error = error

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((chat_id, text))


async def test_admin_alerts_go_to_the_admin_chat() -> None:
    bot = FakeBot()
    await admin_alert(bot, -100500)("Nguồn tin lỗi")  # type: ignore[arg-type]
    assert bot.sent == [(-100500, "Nguồn tin lỗi")]


async def test_an_admin_alert_never_raises_into_the_loop_that_reported_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.alerts"):
        await admin_alert(FakeBot(NetworkError("down")), -100500)("Nguồn tin lỗi")  # type: ignore[arg-type]
        await admin_alert(FakeBot(), None)("Nguồn tin lỗi")  # type: ignore[arg-type]
    messages = [r.getMessage() for r in caplog.records]
    assert "not delivered" in messages[0] and "Nguồn tin lỗi" in messages[0]
    assert "no NEWSBOT_ADMIN_CHAT_ID" in messages[1]


class FlakyBot:
    """getUpdates fails with a network error ``failures`` times, then returns one update."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[dict[str, Any]] = []

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        self.calls.append(api_kwargs)
        if len(self.calls) <= self.failures:
            raise NetworkError("Bad Gateway")
        return [GOOD]


async def test_long_polling_backs_off_while_telegram_is_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleep = FakeSleep()
    source = LongPolling(FlakyBot(failures=3), asyncio.Queue(), sleep=sleep)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="bot.updates"):
        raw = await source._retrying(source._get)
    assert raw == [GOOD] and sleep.slept == [1, 2, 4]
    lines = [r.getMessage() for r in caplog.records]
    expected = [f"Telegram unreachable (Bad Gateway); retrying in {d} s" for d in (1, 2, 4)]
    assert lines[:3] == expected
    assert "reachable again after 3 failed attempts" in lines[3]
