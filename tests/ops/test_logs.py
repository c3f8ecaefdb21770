"""Logs for collectors: ``--log-format json`` writes one JSON object per line, and a whole
debug-level run (webhook mode, a user answered, /addfeed of a URL with credentials, an update
ping, a video downloaded and uploaded, a stop) never prints the bot token, the webhook secret,
the WordPress application password, the database password or a feed URL's password."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.logsetup import JsonFormatter, RedactingFilter
from bot.web.webhook import derived_secret
from storage.db import Database
from tests.conftest import REPO
from tests.delivery_e2e.helpers import add_subscribers
from tests.e2e.botproc import bot_env
from tests.e2e.test_cli import run_cli
from tests.ingest.conftest import new_item
from tests.ops.test_webhook import free_port
from tests.sandbox import Sandbox
from tests.sandbox.upload_book import MB
from tests.sandbox.wordpress_ping import BLOG_NAME, publish, weblog_ping

TOKEN = "123456789:AAEfakefakefakefakefakefake_123"
APP_PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"
DB_PASSWORD = "Db-Pw-9x7q"
FEED_PASSWORD = "Feed-Pw-42k"
OWNER, READER = 1001, 1002
ADDED_PATH = "/category/kinh-te/feed"
VIDEO = "/wp-content/uploads/2014/07/thoi-su-trua-05-07-2014.mp4"


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


def with_password(database_url: str) -> str:
    """PostgreSQL's URL with a password in it (the test server trusts local connections, so
    any password is accepted: what matters is that the bot never prints it)."""
    if not database_url.startswith("postgresql"):
        return database_url
    return make_url(database_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)


def bulletin(post_id: int, video_url: str) -> str:
    """A new post in the station's feed with a 25 MB video: the bot downloads and uploads it."""
    now = format_datetime(datetime.now(UTC))  # fresh: older news is not pushed
    item = new_item(post_id, "Bản tin Thời sự trưa 05/7/2014", published=now)
    enclosure = f'\t\t<enclosure url="{video_url}" length="{25 * MB}" type="video/mp4" />\n'
    return item.replace("\t</item>", enclosure + "\t</item>")


async def test_a_debug_run_in_json_prints_one_object_per_line_and_no_secret(
    tmp_path: Path, database_url: str
) -> None:
    """A whole debug-level run: webhook mode, a reader answered, /addfeed of a URL with
    credentials, an update ping polling that feed, a bulletin's video downloaded from a URL
    with credentials and uploaded, a stop. No token, webhook secret, WordPress application
    password, database password or feed/video password anywhere in the log."""
    port = free_port()
    log_path = tmp_path / "bot.log"
    database = Database(database_url)
    try:
        await add_subscribers(database, [READER])
    finally:
        await database.dispose()
    async with Sandbox() as sb:
        sb.users([READER])
        added_host = sb.station_url.replace("127.0.0.1", "localhost")
        sb.station.set(ADDED_PATH, sb.station.feed_bytes(), "application/rss+xml")
        env = bot_env(
            sb,
            with_password(database_url),
            NEWSBOT_LOG_LEVEL="DEBUG",
            NEWSBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            NEWSBOT_HTTP_PORT=str(port),
            NEWSBOT_WORDPRESS_URL=sb.station_url,
            NEWSBOT_WORDPRESS_USER="telegram-bot",
            NEWSBOT_WORDPRESS_APP_PASSWORD=APP_PASSWORD,
            NEWSBOT_OWNER_IDS=str(OWNER),
            NEWSBOT_FEEDS_ALLOW_PRIVATE="true",
        )
        with log_path.open("ab") as handle:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--webhook", "--log-format", "json",
                cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)}, stdout=handle, stderr=handle,
            )  # fmt: skip
        try:
            lan = sb.user(user_id=OWNER, first_name="Lan")
            await sb.wait_until(lambda: sb.core.profile.webhook is not None, timeout=30)
            await lan.send("/start")
            await sb.wait_for_message(lan.chat_id, timeout=30)
            # The first poll stored the backlog; a new bulletin is pushed as a video.
            await sb.wait_until(lambda: len(sb.station.requests_to("/feed")) >= 1, timeout=30)
            video_url = f"{sb.station_url.replace('://', f'://editor:{FEED_PASSWORD}@')}{VIDEO}"
            sb.station.set(VIDEO, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (25 * MB - 12),
                           "video/mp4")  # fmt: skip
            publish(sb.station, bulletin(90020, video_url))
            pushed = await sb.wait_for_message(READER, timeout=30)
            assert pushed.method == "sendVideo", pushed

            added = f"{added_host.replace('://', f'://editor:{FEED_PASSWORD}@')}{ADDED_PATH}"
            await lan.send(f"/addfeed {added}")
            await sb.wait_for_message(
                lan.chat_id, timeout=30, predicate=lambda m: "localhost" in (m.content or "")
            )
            before = len(sb.station.requests_to(ADDED_PATH))
            ping = await weblog_ping(
                f"http://127.0.0.1:{port}/wordpress/ping", BLOG_NAME, added_host + "/", added
            )
            assert ping.fault is None, ping
            await sb.wait_until(
                lambda: len(sb.station.requests_to(ADDED_PATH)) > before, timeout=30
            )
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
    assert any("update ping" in p["message"] for p in parsed)
    for secret in (sb.token, derived_secret(sb.token), APP_PASSWORD, DB_PASSWORD, FEED_PASSWORD):
        assert secret not in text, secret
    assert sb.token.split(":", 1)[1] not in text
    for word in APP_PASSWORD.split():  # nor a piece of it (a password cut at its spaces)
        assert f"'{word}" not in text and f"{word}'" not in text


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
