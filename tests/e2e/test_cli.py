"""The real CLI against the sandbox: what a reader sees on /start and /help."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.botproc import bot_env, running_bot, start_bot
from tests.sandbox import Sandbox

pytestmark = pytest.mark.slow


async def test_start_and_help_in_vietnamese_and_english(database_url: str, tmp_path: Path) -> None:
    async with Sandbox() as sb, running_bot(sb, database_url, tmp_path):
        lan = sb.user(user_id=1001, first_name="Lan", language_code="vi")
        sent_at = time.monotonic()
        await lan.send("/start")
        welcome = await sb.wait_for_message(lan.chat_id, timeout=5)
        assert time.monotonic() - sent_at < 1.0, "the welcome took more than a second"
        assert welcome.text is not None
        assert (
            "Xin chào Lan" in welcome.text
            and "Đài Phát thanh – Truyền hình Kon Tum" in welcome.text
        )
        assert "tin mới" in welcome.text

        await lan.send("/help")
        help_text = (await sb.wait_for_message(lan.chat_id, timeout=5)).text or ""
        assert "/start" in help_text and "/stop" in help_text and "Các lệnh" in help_text

        john = sb.user(user_id=1002, first_name="John", language_code="en")
        await john.send("/start")
        hello = (await sb.wait_for_message(john.chat_id, timeout=5)).text or ""
        assert "Hello John" in hello and "subscribed" in hello

        # The command menu exists in both languages.
        assert [c["command"] for c in sb.commands(language_code="vi")] == [
            "start", "latest", "search", "topics", "settings",
            "quiet", "digest", "lang", "name", "stop", "help",
        ]  # fmt: skip
        assert sb.commands(language_code="en")[0]["description"] == "Subscribe to news"
    # Every call the bot made was valid per the Bot API spec.
    refused = [c for c in sb.calls if not c.ok and c.method.lower() != "getupdates"]
    assert refused == []


async def test_second_bot_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    """SQLite only: on PostgreSQL a second process stands by (tests/ops/test_leadership.py)."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    async with Sandbox() as sb, running_bot(sb, database_url, tmp_path):
        second = await start_bot(bot_env(sb, database_url), tmp_path / "second.log", tmp_path)
        code = await asyncio.wait_for(second.process.wait(), 30)
        assert code == 2
        assert "already running" in second.output()
        assert "Traceback" not in second.output()


async def test_data_survives_a_restart(database_url: str, tmp_path: Path) -> None:
    async with Sandbox() as sb:
        lan = sb.user(user_id=1001, first_name="Lan", language_code="vi")
        async with running_bot(sb, database_url, tmp_path):
            await lan.send("/start")
            assert "Xin chào" in ((await sb.wait_for_message(lan.chat_id)).text or "")
        async with running_bot(sb, database_url, tmp_path):
            await lan.send("/start")
            assert "Chào mừng Lan quay lại" in ((await sb.wait_for_message(lan.chat_id)).text or "")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True, text=True, timeout=60, env={**base, **(env or {})}, cwd=REPO,
    )  # fmt: skip


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "db", "feed"):
        assert command in result.stdout


def test_run_without_a_token_names_the_variable() -> None:
    result = run_cli("run")
    assert result.returncode == 2
    assert "NEWSBOT_TELEGRAM_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"NEWSBOT_TELEGRAM_TOKEN": "oops"}, "NEWSBOT_TELEGRAM_TOKEN"),
        ({"NEWSBOT_LOCALE": "de"}, "NEWSBOT_LOCALE"),
        # A URL that can never work stops at once (an unreachable server is waited for:
        # tests/e2e/test_startup.py).
        (
            {
                "NEWSBOT_TELEGRAM_TOKEN": "123456789:AAEfakefakefakefakefakefake_123",
                "NEWSBOT_DATABASE_URL": "postgresql+asyncpg://nobody:secretpw@127.0.0.1:port/x",
            },
            "NEWSBOT_DATABASE_URL is malformed",
        ),
        (
            {
                "NEWSBOT_TELEGRAM_TOKEN": "123456789:AAEfakefakefakefakefakefake_123",
                "NEWSBOT_DATABASE_URL": "sqlite+aiosqlite:////proc/newsbot/x.db",
            },
            "NEWSBOT_DATABASE_URL points into /proc/newsbot, which cannot be created",
        ),
    ],
)
def test_wrong_values_are_refused_in_one_sentence(env: dict[str, str], needle: str) -> None:
    result = run_cli("run", env=env)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert "secretpw" not in result.stderr and "fakefake" not in result.stderr


async def test_a_rejected_token_is_a_plain_error(tmp_path: Path) -> None:
    async with Sandbox() as sb:
        env = bot_env(
            sb,
            f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
            NEWSBOT_TELEGRAM_TOKEN="999999:AAEwrongwrongwrongwrongwrong_1",
        )
        bot = await start_bot(env, tmp_path / "bot.log", tmp_path)
        code = await asyncio.wait_for(bot.process.wait(), 30)
    assert code == 2
    assert "rejected NEWSBOT_TELEGRAM_TOKEN" in bot.output()
    assert "wrongwrong" not in bot.output() and "Traceback" not in bot.output()
    assert "Unclosed" not in bot.output()  # the transports were closed though never used
