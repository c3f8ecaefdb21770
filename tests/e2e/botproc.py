"""Start the real ``newsbot run`` as a subprocess against a sandbox, and stop it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import REPO
from tests.sandbox import DEFAULT_TOKEN, Sandbox


def bot_env(sb: Sandbox, database_url: str, **extra: str) -> dict[str, str]:
    return env_for(sb.api_url, sb.station_url, database_url, token=sb.token, **extra)


def env_for(
    api_url: str, station_url: str, database_url: str, *, token: str = DEFAULT_TOKEN, **extra: str
) -> dict[str, str]:
    """The bot's environment for a sandbox that may not be up yet (its URLs given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_TELEGRAM_TOKEN=token,
        NEWSBOT_TELEGRAM_API_URL=api_url,
        NEWSBOT_DATABASE_URL=database_url,
        NEWSBOT_FEEDS=f"{station_url}/feed",
        NEWSBOT_POLL_INTERVAL="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path, offset: int = 0) -> None:
        self.process = process
        self.log = log
        # A restarted bot appends to the same log: this process's output starts here, so
        # waiting for "is running" is not satisfied by the previous process's line.
        self.offset = offset

    def output(self) -> str:
        with self.log.open("rb") as handle:
            handle.seek(self.offset)
            return handle.read().decode("utf-8", errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, limit_s: float = 15.0) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), limit_s)


async def start_bot(env: dict[str, str], log: Path, cwd: Path) -> BotProcess:
    handle = log.open("ab")
    offset = handle.tell()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=cwd, env={**env, "PYTHONPATH": str(REPO)}, stdout=handle, stderr=handle,
    )  # fmt: skip
    handle.close()
    return BotProcess(process, log, offset)


async def wait_for_log(bot: BotProcess, needle: str, count: int = 1, limit_s: float = 30.0) -> str:
    """Until ``needle`` appears ``count`` times in the bot's log; returns the log."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while (output := bot.output()).count(needle) < count:
        if bot.process.returncode is not None:
            raise AssertionError(f"the bot exited early:\n{output}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{needle!r} not logged {count} times:\n{output}")
        await asyncio.sleep(0.05)
    return output


async def wait_polling(bot: BotProcess, limit_s: float = 30.0) -> None:
    """Until the bot says it runs (its first getUpdates is then on its way); only this
    process's output counts (``BotProcess.output``), even when a restart appends to the log."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while "is running" not in bot.output():
        if bot.process.returncode is not None:
            raise AssertionError(f"the bot exited early:\n{bot.output()}")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the bot did not start polling:\n{bot.output()}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running_bot(
    sb: Sandbox, database_url: str, tmp_path: Path, **extra: str
) -> AsyncIterator[BotProcess]:
    """A started bot that is polling; on exit it is stopped with SIGTERM and must exit 0."""
    bot = await start_bot(bot_env(sb, database_url, **extra), tmp_path / "bot.log", tmp_path)
    try:
        await wait_polling(bot)
        yield bot
    finally:
        code = await bot.stop()
    assert code == 0, f"the bot exited with {code}:\n{bot.output()}"
