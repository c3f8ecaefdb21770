"""``newsbot run`` when Telegram or the database is not there yet, or goes away while it runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import Subscriber
from tests.conftest import truncate_all
from tests.e2e.botproc import (
    bot_env,
    env_for,
    start_bot,
    wait_for_log,
    wait_polling,
)
from tests.e2e.tcpproxy import TcpProxy, free_port
from tests.sandbox import Sandbox

pytestmark = pytest.mark.slow

TELEGRAM_DOWN = "the Bot API at"
DATABASE_DOWN = "NEWSBOT_DATABASE_URL is unreachable"


def assert_clean(log: str) -> None:
    assert "Traceback" not in log, log
    assert "Unclosed" not in log, log  # aiohttp's "Unclosed client session" / connector


async def test_the_bot_waits_for_telegram_and_answers_once_it_is_up(tmp_path: Path) -> None:
    api_port, station_port = free_port(), free_port()
    env = env_for(
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{station_port}",
        f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}",
    )
    bot = await start_bot(env, tmp_path / "bot.log", tmp_path)
    try:
        # Attempts at about 0, 1, 3 and 7 s after the first: each one line, the delay doubling.
        # The scenario of the issue: the uplink comes back about 10 s after the bot started;
        # counted from the fourth attempt, not from the spawn, because starting the
        # interpreter alone took 5 s on a loaded two-core machine.
        await wait_for_log(bot, TELEGRAM_DOWN, count=4, limit_s=45.0)
        async with Sandbox(port=api_port, station_port=station_port) as sb:
            lan = sb.user(user_id=1001, first_name="Lan", language_code="vi")
            await lan.send("/start")
            # The next attempt is due within 8 s of the sandbox coming up (backoff 8 s).
            welcome = await sb.wait_for_message(lan.chat_id, timeout=30)
            assert "Xin chào Lan" in (welcome.text or "")
            code = await bot.stop()
    finally:
        await bot.stop()
    assert code == 0
    log = bot.output()
    assert_clean(log)
    attempts = log.count(TELEGRAM_DOWN)
    assert attempts >= 4 and log.count("retrying in") == attempts  # one line per attempt
    assert "retrying in 1 s" in log and "retrying in 2 s" in log and "retrying in 4 s" in log


async def test_the_bot_waits_for_postgres_and_survives_it_going_away(
    postgres_url: str, tmp_path: Path
) -> None:
    real = make_url(postgres_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    via_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    database = Database(postgres_url)
    await truncate_all(database)
    async with Sandbox() as sb:
        bot = await start_bot(bot_env(sb, via_proxy), tmp_path / "bot.log", tmp_path)
        try:
            await wait_for_log(bot, DATABASE_DOWN, count=2)
            await proxy.start()
            await wait_polling(bot)
            assert_clean(bot.output())

            lan = sb.user(user_id=1001, first_name="Lan")
            await lan.send("/start")
            assert "Xin chào Lan" in ((await sb.wait_for_message(lan.chat_id)).text or "")

            # The server goes away under the running bot: its loops note it and carry on.
            await proxy.stop()
            await wait_for_log(bot, "database unreachable", count=1)
            await proxy.start()
            john = sb.user(user_id=1002, first_name="John", language_code="en")
            await john.send("/start")
            hello = await sb.wait_for_message(john.chat_id, timeout=10)
            assert "Hello John" in (hello.text or "")
            code = await bot.stop()
        finally:
            await bot.stop()
            await proxy.stop()
    assert code == 0, bot.output()
    assert "Unclosed" not in bot.output()
    async with database.session() as session:  # nothing stored before the outage was lost
        assert (await session.get(Subscriber, 1001)) is not None
        assert (await session.get(Subscriber, 1002)) is not None
    await database.dispose()


async def test_a_database_that_does_not_exist_stops_at_once(
    postgres_url: str, tmp_path: Path
) -> None:
    missing = make_url(postgres_url).set(database="newsbot_no_such_database")
    async with Sandbox() as sb:
        env = bot_env(sb, missing.render_as_string(hide_password=False))
        bot = await start_bot(env, tmp_path / "bot.log", tmp_path)
        code = await asyncio.wait_for(bot.process.wait(), 30)
    assert code == 2
    log = bot.output()
    assert "NEWSBOT_DATABASE_URL cannot be used" in log and "does not exist" in log
    assert "retrying" not in log
    assert_clean(log)


async def test_sigterm_while_waiting_for_telegram_stops_cleanly(tmp_path: Path) -> None:
    env = env_for(
        f"http://127.0.0.1:{free_port()}",
        f"http://127.0.0.1:{free_port()}",
        f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}",
    )
    bot = await start_bot(env, tmp_path / "bot.log", tmp_path)
    try:
        await wait_for_log(bot, TELEGRAM_DOWN, count=1)
    finally:
        code = await bot.stop(limit_s=5)
    assert code == 0
    assert_clean(bot.output())


async def test_telegram_going_away_while_running_costs_log_lines_not_the_bot(
    tmp_path: Path,
) -> None:
    api_port, station_port = free_port(), free_port()
    env = env_for(
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{station_port}",
        f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}",
    )
    async with Sandbox(port=api_port, station_port=station_port) as sb:
        bot = await start_bot(env, tmp_path / "bot.log", tmp_path)
        await wait_polling(bot)
        lan = sb.user(user_id=1001, first_name="Lan")
        await lan.send("/start")
        assert "Xin chào Lan" in ((await sb.wait_for_message(lan.chat_id)).text or "")
    try:
        # Telegram is gone: the long poll fails, once per attempt, backing off.
        await wait_for_log(bot, "Telegram unreachable", count=2)
        async with Sandbox(port=api_port, station_port=station_port, first_update_id=500_001) as sb:
            john = sb.user(user_id=1002, first_name="John", language_code="en")
            await john.send("/start")
            hello = await sb.wait_for_message(john.chat_id, timeout=30)
            assert "Hello John" in (hello.text or "")
            code = await bot.stop()
    finally:
        await bot.stop()
    assert code == 0
    log = bot.output()
    assert_clean(log)
    assert "Telegram reachable again" in log
