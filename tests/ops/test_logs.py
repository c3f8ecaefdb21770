"""Logs for collectors: ``--log-format json`` writes one JSON object per line, and a whole
debug-level run (webhook mode, a user answered, a stop) never prints the bot token, the
webhook secret or the WordPress application password."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

import pytest

from bot.logsetup import JsonFormatter, RedactingFilter
from bot.web.webhook import derived_secret
from tests.conftest import REPO
from tests.e2e.botproc import bot_env
from tests.e2e.test_cli import run_cli
from tests.ops.test_webhook import free_port
from tests.sandbox import Sandbox

TOKEN = "123456789:AAEfakefakefakefakefakefake_123"
APP_PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"


def test_a_json_line_parses_with_its_ids_and_a_redacted_traceback() -> None:
    record = logging.LogRecord(
        "bot.delivery", logging.ERROR, __file__, 1, "delivery %s to %s failed", (7, 42), None
    )
    record.delivery_id, record.chat_id = 7, 42
    try:
        raise RuntimeError(f"POST /bot{TOKEN}/sendMessage")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line and TOKEN not in line
    parsed = json.loads(line)
    assert parsed["message"] == "delivery 7 to 42 failed"
    assert parsed["level"] == "ERROR" and parsed["logger"] == "bot.delivery"
    assert (parsed["delivery_id"], parsed["chat_id"]) == (7, 42)
    assert "/bot<token>/sendMessage" in parsed["exception"]


def test_run_webhook_without_a_url_says_what_to_set() -> None:
    result = run_cli("run", "--webhook", env={"NEWSBOT_TELEGRAM_TOKEN": TOKEN})
    assert result.returncode == 2
    assert "NEWSBOT_WEBHOOK_URL" in result.stderr and "Traceback" not in result.stderr


async def test_a_debug_run_in_json_prints_one_object_per_line_and_no_secret(
    tmp_path: Path,
) -> None:
    port = free_port()
    log_path = tmp_path / "bot.log"
    async with Sandbox() as sb:
        env = bot_env(
            sb,
            f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            NEWSBOT_LOG_LEVEL="DEBUG",
            NEWSBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            NEWSBOT_HTTP_PORT=str(port),
            NEWSBOT_WORDPRESS_URL=sb.station_url,
            NEWSBOT_WORDPRESS_USER="telegram-bot",
            NEWSBOT_WORDPRESS_APP_PASSWORD=APP_PASSWORD,
        )
        with log_path.open("ab") as handle:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--webhook", "--log-format", "json",
                cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)}, stdout=handle, stderr=handle,
            )  # fmt: skip
        try:
            lan = sb.user(user_id=1001, first_name="Lan")
            await sb.wait_until(lambda: sb.core.profile.webhook is not None, timeout=30)
            await lan.send("/start")
            await sb.wait_for_message(lan.chat_id, timeout=30)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 15)
    assert code == 0
    text = log_path.read_text("utf-8")
    lines = text.splitlines()
    assert len(lines) > 10
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(p["level"] == "DEBUG" for p in parsed)
    assert any("webhook registered" in p["message"] for p in parsed)
    for secret in (sb.token, derived_secret(sb.token), APP_PASSWORD):
        assert secret not in text
    assert sb.token.split(":", 1)[1] not in text


@pytest.mark.parametrize("value", ["xml", "JSONL"])
def test_an_unknown_log_format_is_refused(value: str) -> None:
    result = run_cli("run", env={"NEWSBOT_TELEGRAM_TOKEN": TOKEN, "NEWSBOT_LOG_FORMAT": value})
    assert result.returncode == 2 and "NEWSBOT_LOG_FORMAT" in result.stderr


@pytest.mark.parametrize(
    "line",
    [
        "Calling Bot API endpoint `setWebhook` with `{'url': 'u', 'secret_token': 'S3cr_t'}`",
        '{"secret_token": "S3cr_t", "x": 1}',
        "secret_token=S3cr_t&max_connections=40",
        f"wordpress app_password='{APP_PASSWORD}' password: \"{APP_PASSWORD}\"",
    ],
)
def test_named_secrets_in_logged_parameters_are_masked(line: str) -> None:
    from bot.logsetup import redact

    cleaned = redact(line)
    assert "S3cr_t" not in cleaned and "EFGH" not in cleaned and "***" in cleaned
