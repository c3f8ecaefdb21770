"""AiohttpRequest under telegram.Bot, against a tiny fake Bot API server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.transport import AiohttpRequest

TOKEN = "123456:TEST-token"
PHOTO = bytes(range(256)) * 4

ERRORS: dict[int, tuple[int, dict[str, Any]]] = {
    400: (400, {"description": "Bad Request: chat not found"}),
    403: (403, {"description": "Forbidden: bot was blocked by the user"}),
    429: (
        429,
        {"description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}},
    ),
    -1: (
        400,
        {
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": -1001234},
        },
    ),
}
HANG = 999


@dataclass
class FakeApi:
    url: str
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)


def message(chat_id: int, **extra: Any) -> dict[str, Any]:
    return {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}, **extra}


@pytest.fixture
async def api() -> AsyncIterator[FakeApi]:
    state = FakeApi(url="")

    async def handle(request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401}, status=401)
        method = request.match_info["method"]
        form: dict[str, Any] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                form[name] = (value.filename, value.file.read())
            else:
                form[name] = value
        state.calls.append((method, request.content_type, form))
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Tin", "username": "tin_bot"}
            return web.json_response({"ok": True, "result": me})
        chat_id = int(form["chat_id"])
        if chat_id == HANG:
            await state.release.wait()
        if chat_id in ERRORS:
            status, body = ERRORS[chat_id]
            return web.json_response({"ok": False, "error_code": status, **body}, status=status)
        if method == "sendPhoto":
            size = {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}
            return web.json_response({"ok": True, "result": message(chat_id, photo=[size])})
        return web.json_response({"ok": True, "result": message(chat_id, text=form["text"])})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}/bot"
    yield state
    state.release.set()
    await runner.cleanup()


@pytest.fixture
async def bot(api: FakeApi) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN,
        base_url=api.url,
        request=AiohttpRequest(read_timeout=2.0),
        get_updates_request=AiohttpRequest(8),
    ) as bot:
        yield bot


async def test_get_me(bot: Bot, api: FakeApi) -> None:
    me = await bot.get_me()
    assert me.username == "tin_bot"
    assert api.calls[-1][0] == "getMe"


async def test_send_message_form_encodes_json_values(bot: Bot, api: FakeApi) -> None:
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("📖 Đọc bài", url="https://kontumtv.vn/a?x=1&y=2")]]
    )
    sent = await bot.send_message(
        42, "<b>Tin mới</b> & more", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "<b>Tin mới</b> & more"
    method, content_type, form = api.calls[-1]
    assert (method, content_type) == ("sendMessage", "application/x-www-form-urlencoded")
    assert form["chat_id"] == "42" and form["parse_mode"] == "HTML"
    assert form["text"] == "<b>Tin mới</b> & more"
    assert json.loads(form["reply_markup"]) == {
        "inline_keyboard": [[{"text": "📖 Đọc bài", "url": "https://kontumtv.vn/a?x=1&y=2"}]]
    }


async def test_send_photo_bytes_is_multipart(bot: Bot, api: FakeApi) -> None:
    sent = await bot.send_photo(42, PHOTO, caption="Ảnh", filename="anh.jpg")
    assert sent.photo
    method, content_type, form = api.calls[-1]
    assert (method, content_type) == ("sendPhoto", "multipart/form-data")
    assert form["chat_id"] == "42" and form["caption"] == "Ảnh"
    assert form["photo"] == ("anh.jpg", PHOTO)


@pytest.mark.parametrize(
    ("chat_id", "error", "check"),
    [
        (400, BadRequest, "chat not found"),
        (403, Forbidden, "blocked by the user"),
        (429, RetryAfter, "7"),
        (-1, ChatMigrated, "-1001234"),
    ],
)
async def test_error_statuses_become_ptb_exceptions(
    bot: Bot, chat_id: int, error: type[Exception], check: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22's forward-compatible retry_after type
    with pytest.raises(error) as caught:
        await bot.send_message(chat_id, "x")
    assert check.lower() in str(caught.value).lower()
    if isinstance(caught.value, RetryAfter):
        assert caught.value.retry_after == timedelta(seconds=7)
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -1001234


async def test_hanging_server_times_out_with_the_default(api: FakeApi) -> None:
    async with AiohttpRequest(read_timeout=0.2) as request:
        bot = Bot(TOKEN, base_url=api.url, request=request)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(HANG, "x")
        assert time.monotonic() - started < 2


async def test_explicit_timeout_overrides_the_default(bot: Bot) -> None:
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(HANG, "x", read_timeout=0.2)
    assert time.monotonic() - started < 1.5  # not the 2 s default


async def test_connection_refused_is_a_network_error(api: FakeApi) -> None:
    async with AiohttpRequest(connect_timeout=2.0) as request:
        # Port 9 (discard) is not served in the test environment.
        bot = Bot(TOKEN, base_url="http://127.0.0.1:9/bot", request=request)
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(42, "x")
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp" in str(caught.value)


async def test_lifecycle(api: FakeApi) -> None:
    request = AiohttpRequest(read_timeout=3.5)
    assert request.read_timeout == 3.5
    # Works without an explicit initialize(), like PTB's HTTPXRequest.
    status, body = await request.do_request(f"{api.url}{TOKEN}/getMe", "POST")
    assert status == 200 and json.loads(body)["ok"] is True
    await request.shutdown()
    await request.shutdown()  # idempotent
    with pytest.raises(RuntimeError):
        await request.do_request(f"{api.url}{TOKEN}/getMe", "POST")
    await request.initialize()  # and it can be brought back
    status, _ = await request.do_request(f"{api.url}{TOKEN}/getMe", "POST")
    assert status == 200
    await request.shutdown()
