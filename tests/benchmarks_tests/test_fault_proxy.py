"""The fault benchmark's proxy: passes Bot API calls through, injects outages and slow answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from telegram.error import NetworkError

from benchmarks.fault_proxy import FaultProxy
from tests.sandbox import Sandbox

READER = 1001


class Gate:
    """A fake sleep: held answers wait until the test opens the gate, not for real time."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.entered = asyncio.Event()
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.entered.set()
        await self.opened.wait()


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        sandbox.user(READER, "Lan")
        yield sandbox


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
async def proxy(sb: Sandbox, gate: Gate) -> AsyncIterator[FaultProxy]:
    fault_proxy = FaultProxy(sb.api_url, sleep=gate.sleep)
    await fault_proxy.start()
    yield fault_proxy
    gate.opened.set()
    await fault_proxy.stop()


@pytest.fixture
async def bot(sb: Sandbox, proxy: FaultProxy) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(sb.token, base_url=f"{proxy.url}/bot")
    async with client:
        yield client


async def raw(sb: Sandbox, proxy: FaultProxy, method: str, **params: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"{proxy.url}/bot{sb.token}/{method}"
        async with http.post(url, data=params) as response:
            return response.status, json.loads(await response.read())


async def test_calls_pass_through_unchanged(
    sb: Sandbox, proxy: FaultProxy, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(READER, "Tin mới: <b>Kon Tum</b>", parse_mode="HTML")
    assert [m.text for m in sb.messages(READER)] == ["Tin mới: Kon Tum"]
    assert sent.message_id == sb.messages(READER)[0].message_id
    status, body = await raw(sb, proxy, "sendMessage", chat_id="424242", text="x")
    assert (status, body["ok"], body["error_code"]) == (400, False, 400)  # upstream's own error
    assert proxy.stats.calls["sendMessage"] == 2


async def test_an_outage_answers_telegram_500s_and_forwards_nothing(
    sb: Sandbox, proxy: FaultProxy, bot: telegram.Bot
) -> None:
    await bot.get_me()
    calls_before = len(sb.calls)
    proxy.fail_all()
    status, body = await raw(sb, proxy, "sendMessage", chat_id=str(READER), text="x")
    assert status == 500
    assert body == {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(READER, "Tin mới")
    with pytest.raises(NetworkError):
        await bot.get_updates()
    assert sb.messages(READER) == []
    assert len(sb.calls) == calls_before
    proxy.heal()
    await bot.send_message(READER, "Sau sự cố")
    assert [m.text for m in sb.messages(READER)] == ["Sau sự cố"]
    assert proxy.stats.failed == {"sendMessage": 2, "getUpdates": 1}


async def test_an_outage_cuts_a_waiting_long_poll(sb: Sandbox, proxy: FaultProxy) -> None:
    poll = asyncio.create_task(raw(sb, proxy, "getUpdates", timeout="30"))
    while sb.world.updates._waiter is None and not poll.done():
        await sb.world.changed(0.01)  # until the long poll waits in the sandbox
    assert not poll.done()
    proxy.fail_all()
    status, body = await asyncio.wait_for(poll, 5)  # not the 30 s of the long poll
    assert (status, body["error_code"]) == (500, 500)
    assert proxy.stats.cut_long_polls == 1


async def test_a_slow_spell_stores_the_message_then_holds_the_answer(
    sb: Sandbox, proxy: FaultProxy, bot: telegram.Bot, gate: Gate
) -> None:
    proxy.hold(8.0)
    me = await bot.get_me()  # not a send: never held
    assert me.is_bot and gate.asked == []
    send = asyncio.create_task(raw(sb, proxy, "sendMessage", chat_id=str(READER), text="Chậm"))
    stored = await sb.wait_for_message(READER)
    assert stored.text == "Chậm"
    await asyncio.wait_for(gate.entered.wait(), 5)  # the proxy holds the answer now
    assert gate.asked == [8.0]
    assert not send.done()
    proxy.heal()  # a call that arrived in the slow spell keeps its hold
    assert not send.done()
    gate.opened.set()
    status, body = await send
    assert (status, body["ok"], body["result"]["message_id"]) == (200, True, stored.message_id)
    assert proxy.stats.held == {"sendMessage": 1}
