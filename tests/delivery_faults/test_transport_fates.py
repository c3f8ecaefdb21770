"""The transport says how far a failed request got: never sent, or sent without an answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError

from bot.delivery.outcome import Fate, fate_of
from bot.delivery.transport import AiohttpRequest, AnswerLost, AnswerTimedOut, Unsent

TOKEN = "123456:SECRET-token-never-in-errors"


@dataclass
class Api:
    url: str = ""
    received: list[str] = field(default_factory=list)  # chat ids whose request arrived
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    answer_after: float = 0.0


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    state = Api()

    async def handle(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        chat = str(form.get("chat_id", ""))
        state.received.append(chat)
        state.arrived.set()
        if chat == "1":  # hangs until released
            await state.release.wait()
        if chat == "2":  # drops the connection after reading the request
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("dropped")
        if chat == "3":  # redirects forever (aiohttp's error then carries the URL)
            raise web.HTTPTemporaryRedirect(str(request.url))
        await asyncio.sleep(state.answer_after)
        result = {"message_id": 7, "date": 0, "chat": {"id": int(chat), "type": "private"}}
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/bot"
    yield state
    state.release.set()
    await runner.cleanup()


async def send(request: AiohttpRequest, url: str, chat: int) -> None:
    bot = Bot(TOKEN, base_url=url, request=request)
    await bot.send_message(chat, "Tin mới")


async def test_a_refused_connection_is_certainly_unsent() -> None:
    async with AiohttpRequest(connect_timeout=2.0) as request:
        with pytest.raises(Unsent) as caught:
            await send(request, "http://127.0.0.1:9/bot", 42)  # port 9 is not served here
    assert fate_of(caught.value) is Fate.UNSENT
    assert TOKEN not in str(caught.value)


async def test_waiting_for_a_pool_slot_that_never_frees_is_unsent(api: Api) -> None:
    async with AiohttpRequest(connection_pool_size=1, pool_timeout=0.2, connect_timeout=0.2) as rq:
        hanging = asyncio.create_task(send(rq, api.url, 1))
        await asyncio.wait_for(api.arrived.wait(), 5)
        with pytest.raises(Unsent):
            await send(rq, api.url, 42)
        assert api.received == ["1"], "the second request never reached the server"
        api.release.set()
        await hanging


async def test_a_written_request_without_an_answer_in_time_is_uncertain(api: Api) -> None:
    async with AiohttpRequest(read_timeout=0.3) as request:
        with pytest.raises(AnswerTimedOut) as caught:
            await send(request, api.url, 1)
    assert api.received == ["1"], "Telegram had the request: it may have sent the message"
    assert fate_of(caught.value) is Fate.UNCERTAIN


async def test_a_connection_dropped_after_writing_is_uncertain(api: Api) -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(AnswerLost) as caught:
            await send(request, api.url, 2)
    assert api.received == ["2"] and fate_of(caught.value) is Fate.UNCERTAIN


async def test_a_slow_answer_within_the_read_timeout_is_no_failure(api: Api) -> None:
    """The read timeout is not the connect timeout: a short connect bound does not cut a slow
    answer short."""
    api.answer_after = 0.6
    async with AiohttpRequest(read_timeout=3.0, connect_timeout=0.1, pool_timeout=0.1) as rq:
        await send(rq, api.url, 42)
    assert api.received == ["42"]


async def test_error_texts_never_carry_the_token(api: Api) -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await send(request, api.url, 3)
    assert "Redirect" in str(caught.value) and TOKEN not in str(caught.value)
