"""The sandbox takes a thousand HTML messages with buttons from 16 clients at once and counts
each exactly once. How fast it does so is the fan-out benchmark's business
(`python -m benchmarks.fanout --json`, `ceiling`): a rate asserted here failed under a loaded
two-worker run (780 requests/s against the 1,000 asked) while the sandbox was correct."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.sandbox import Sandbox

TEXT = (
    "<b>Tin mới</b>: Sơ kết 5 năm thực hiện Hướng dẫn số 35 – "
    '<a href="https://kontumtv.vn/?p=24866">Đọc bài</a>'
)
MARKUP = json.dumps({"inline_keyboard": [[{"text": "Bình luận", "callback_data": "c:24866"}]]})


async def test_a_thousand_concurrent_html_messages_are_each_stored_once(sb: Sandbox) -> None:
    sb.users(range(2000, 2100))
    url = f"{sb.api_url}/bot{sb.token}/sendMessage"
    jobs = iter(range(1000))

    async def worker(session: aiohttp.ClientSession) -> None:
        for i in jobs:
            form = {
                "chat_id": str(2000 + i % 100),
                "text": TEXT,
                "parse_mode": "HTML",
                "reply_markup": MARKUP,
            }
            async with session.post(url, data=form) as response:
                assert response.status == 200

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(16)))
    assert sb.stats.total_sent == 1000
    assert all(sb.stats.sent_per_chat[chat] == 10 for chat in range(2000, 2100))
    assert len(sb.messages(2042)) == 10 and "Tin mới" in (sb.messages(2042)[0].content or "")
