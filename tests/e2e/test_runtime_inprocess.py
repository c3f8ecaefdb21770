"""The runtime in-process against the sandbox: what the composition root builds serves users,
and a stop leaves no task and no open connection behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import build
from bot.runner import Runtime
from config import load_settings
from tests.sandbox import Sandbox


async def test_the_built_bot_serves_and_stops_without_leftovers(
    database_url: str, tmp_path: Path
) -> None:
    async with Sandbox() as sb:
        settings = load_settings(
            telegram_token=sb.token,
            telegram_api_url=sb.api_url,
            database_url=database_url,
            feeds=[f"{sb.station_url}/feed"],
            poll_interval=60,
        )
        wiring = build(settings)
        stop = asyncio.Event()
        before = asyncio.all_tasks()
        runtime = Runtime(wiring, stop=stop)
        serving = asyncio.create_task(runtime.serve())
        await asyncio.wait_for(runtime.started.wait(), 15)

        lan = sb.user(user_id=1001, first_name="Lan")
        await lan.send("/start")
        assert "Xin chào Lan" in ((await sb.wait_for_message(lan.chat_id)).text or "")
        for _ in range(100):  # the command menu is published by a background job
            if sb.commands(language_code="vi"):
                break
            await asyncio.sleep(0.05)
        assert sb.commands(language_code="vi")[0]["command"] == "start"

        stop.set()
        await asyncio.wait_for(serving, 10)
        leftovers = {t for t in asyncio.all_tasks() - before if t is not asyncio.current_task()}
        assert not {t.get_name() for t in leftovers if not t.done()}
        transports = wiring.application.bot._request  # the aiohttp sessions are closed
        assert all(r._session is None or r._session.closed for r in transports)  # type: ignore[attr-defined]
