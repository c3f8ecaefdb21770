"""Several processes on one PostgreSQL database: exactly one leads (polls and sends), the
others stand by, and when the leader dies another takes over within 30 seconds."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.leadership import PostgresLeadership
from storage.db import Database
from storage.lock import AdvisoryLock, InstanceLock
from tests.e2e.botproc import BotProcess, bot_env, start_bot
from tests.ops.test_webhook import free_port
from tests.sandbox import Sandbox

TAKEOVER_LIMIT_S = 30.0  # the goal


async def test_one_holder_at_a_time_and_the_next_wins_once_it_lets_go(postgres_url: str) -> None:
    databases = [Database(postgres_url) for _ in range(3)]
    locks = [AdvisoryLock(db) for db in databases]
    try:
        assert await locks[0].try_acquire()
        assert not await locks[1].try_acquire()
        assert not await locks[2].try_acquire()
        # The old one-instance rule no longer applies on PostgreSQL (the bot's setting).
        await InstanceLock(databases[1], exclusive_on_postgres=False).acquire()
        await locks[0].release()
        assert await locks[1].try_acquire()
        assert not await locks[0].try_acquire()
    finally:
        for lock in locks:
            await lock.release()
        for db in databases:
            await db.dispose()


async def test_a_leader_whose_connection_dies_knows_it_lost(postgres_url: str) -> None:
    leader_db, standby_db, admin_db = (Database(postgres_url) for _ in range(3))
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        await asyncio.sleep(0)

    leader = PostgresLeadership(AdvisoryLock(leader_db), check_s=0, sleep=nap)
    standby = PostgresLeadership(AdvisoryLock(standby_db), retry_s=0, sleep=nap)
    try:
        await leader.acquire()
        waiting = asyncio.create_task(standby.acquire())
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert not waiting.done()  # the standby waits for the lock
        async with admin_db.engine.connect() as admin:  # what a lost connection looks like
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            )
            await admin.commit()
        await asyncio.wait_for(leader.lost(), 10)
        await asyncio.wait_for(waiting, 10)  # and the standby leads now
        assert standby.lock.held and not leader.lock.held
    finally:
        await leader.release()
        await standby.release()
        for db in (leader_db, standby_db, admin_db):
            await db.dispose()


async def role(port: int) -> str | None:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as answer,
        ):
            body = await answer.json()
            return str(body["role"])
    except aiohttp.ClientError:
        return None


async def roles(ports: list[int]) -> list[str | None]:
    return list(await asyncio.gather(*(role(port) for port in ports)))


async def wait_roles(ports: list[int], limit_s: float, leaders: int = 1) -> list[str | None]:
    deadline = time.monotonic() + limit_s
    while True:
        now = await roles(ports)
        if now.count("leader") == leaders and now.count(None) == 0:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"roles after {limit_s} s: {now}")
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_killing_the_leader_hands_over_within_30_seconds(
    postgres_url: str, tmp_path: Path
) -> None:
    ports = [free_port() for _ in range(3)]
    bots: list[BotProcess] = []
    async with Sandbox() as sb:
        try:
            for n, port in enumerate(ports):
                env = bot_env(sb, postgres_url, NEWSBOT_HTTP_PORT=str(port))
                bots.append(await start_bot(env, tmp_path / f"bot{n}.log", tmp_path))
            first = await wait_roles(ports, 60)
            assert first.count("standby") == 2
            leader = first.index("leader")

            # Ids no other test uses: this session-wide database is not emptied between tests.
            lan = sb.user(user_id=9_100_001, first_name="Lan")
            await lan.send("/start")  # the leader polls updates and answers
            assert "Xin chào Lan" in (
                (await sb.wait_for_message(lan.chat_id, timeout=15)).text or ""
            )

            killed_at = time.monotonic()
            bots[leader].process.send_signal(signal.SIGKILL)
            await bots[leader].process.wait()
            alive = [p for i, p in enumerate(ports) if i != leader]
            await wait_roles(alive, TAKEOVER_LIMIT_S)
            takeover_s = time.monotonic() - killed_at
            assert takeover_s < TAKEOVER_LIMIT_S

            minh = sb.user(user_id=9_100_002, first_name="Minh")
            await minh.send("/start")  # the new leader answers
            assert "Xin chào Minh" in (
                (await sb.wait_for_message(minh.chat_id, timeout=15)).text or ""
            )
            print(f"takeover after SIGKILL: {takeover_s:.1f} s")
        finally:
            for bot in bots:
                if bot.process.returncode is None:
                    bot.process.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(b.process.wait(), 15) for b in bots]
    assert sorted(codes)[1:] == [0, 0]  # the standbys and the new leader stop cleanly


@pytest.mark.slow
async def test_sigterm_stops_the_leader_within_10_seconds_and_the_standby_leads(
    postgres_url: str, tmp_path: Path
) -> None:
    """A clean stop (a deploy) finishes, exits 0 within 10 s and steps down: the standby
    leads and answers, as after a crash, but without waiting for a dead connection."""
    ports = [free_port() for _ in range(2)]
    bots: list[BotProcess] = []
    async with Sandbox() as sb:
        try:
            for n, port in enumerate(ports):
                env = bot_env(sb, postgres_url, NEWSBOT_HTTP_PORT=str(port))
                bots.append(await start_bot(env, tmp_path / f"bot{n}.log", tmp_path))
            leader = (await wait_roles(ports, 60)).index("leader")

            stopped_at = time.monotonic()
            bots[leader].process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(bots[leader].process.wait(), 10)
            assert code == 0 and time.monotonic() - stopped_at < 10
            assert "Traceback" not in bots[leader].output()
            await wait_roles([ports[1 - leader]], TAKEOVER_LIMIT_S)

            hoa = sb.user(user_id=9_100_003, first_name="Hoa")  # ids no other test uses
            await hoa.send("/start")
            assert "Xin chào Hoa" in (
                (await sb.wait_for_message(hoa.chat_id, timeout=15)).text or ""
            )
        finally:
            for bot in bots:
                if bot.process.returncode is None:
                    bot.process.send_signal(signal.SIGTERM)
            for bot in bots:
                await asyncio.wait_for(bot.process.wait(), 15)
