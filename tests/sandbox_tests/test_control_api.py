"""The /_sandbox/ control API and the command line, as benchmarks and people use them."""

from __future__ import annotations

import asyncio
import os
import sys

import aiohttp

from tests.sandbox import Sandbox
from tests.sandbox.paths import REPO_DIR

from .conftest import Raw


async def test_play_a_user_and_read_what_the_bot_sent(raw: Raw) -> None:
    status, body = await raw.post(
        "/_sandbox/users/1001/send", {"text": "/start", "language_code": "en"}
    )
    assert status == 200 and body["result"]["chat_id"] == 1001
    _, updates = await raw.call("getUpdates")
    assert updates["result"][0]["message"]["from"]["language_code"] == "en"
    keyboard = '{"inline_keyboard": [[{"text": "Đăng ký", "callback_data": "sub:thoi-su"}]]}'
    _, sent = await raw.call("sendMessage", chat_id=1001, text="Chào", reply_markup=keyboard)
    message_id = sent["result"]["message_id"]
    _, messages = await raw.get("/_sandbox/chats/1001/messages")
    assert [m["text"] for m in messages["result"]] == ["Chào"]
    status, tapped = await raw.post(
        "/_sandbox/users/1001/tap", {"message_id": message_id, "data": "sub:thoi-su"}
    )
    assert status == 200 and tapped["result"]["callback_query_id"]
    status, refused = await raw.post(
        "/_sandbox/users/1001/tap", {"message_id": message_id, "data": "nope"}
    )
    assert status == 400 and "no button" in refused["error"]


async def test_stats_limits_faults_and_reset(raw: Raw, sb: Sandbox) -> None:
    await raw.post("/_sandbox/users", {"first_id": 5000, "count": 3})
    await raw.post("/_sandbox/limits", {"per_chat_per_s": 1, "overall_per_s": 30})
    await raw.call("sendMessage", chat_id=5000, text="a")
    await raw.call("sendMessage", chat_id=5000, text="b")  # too soon: 429
    await raw.post("/_sandbox/faults", {"kind": "rate_limit", "chat_id": 5001, "retry_after": 2})
    await raw.call("sendMessage", chat_id=5001, text="c")
    await raw.post("/_sandbox/faults", {"block": 5002})
    await raw.call("sendMessage", chat_id=5002, text="d")
    _, stats = await raw.get("/_sandbox/stats")
    result = stats["result"]
    assert result["sent_per_chat"] == {"5000": 1}
    assert (result["too_many"], result["violations"]) == (2, 1)
    assert result["errors"] == {"429": 2, "403": 1}
    await raw.post("/_sandbox/reset-stats")
    await raw.post("/_sandbox/limits", {"off": True})
    _, stats = await raw.get("/_sandbox/stats")
    assert stats["result"]["total_sent"] == 0 and stats["result"]["limits"] is None
    assert sb.calls == []


async def test_bad_control_request_says_why(raw: Raw) -> None:
    status, body = await raw.post("/_sandbox/faults", {"kind": "earthquake"})
    assert status == 400 and "earthquake" in body["error"]


async def test_command_line_prints_urls_and_token() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.sandbox",
        "--limits",
        "per_chat=1,overall=30",
        "--users",
        "1001-1002",
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=REPO_DIR,
    )
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        api_url = first.split()[2]
        token = first.split("token ")[1].rstrip(")\n")
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{api_url}/bot{token}/sendMessage", data={"chat_id": 1002, "text": "x"}
            ) as r:
                assert r.status == 200
            async with session.get(f"{api_url}/_sandbox/stats") as r:
                assert (await r.json())["result"]["limits"]["overall_per_s"] == 30
    finally:
        proc.terminate()
        await proc.wait()
