"""Webhook mode against the sandbox (which POSTs updates to a set webhook as Telegram does):
the bot registers its webhook with a secret, answers users through it, refuses a request
without the right secret with 403 and processes nothing of it, skips a poison update, and a
switch back to long polling deletes the webhook."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from telegram import Bot

from bot.app import Wiring, build
from bot.runner import Runtime
from bot.web.webhook import SECRET_HEADER, Webhook, derived_secret
from config import load_settings
from tests.sandbox import Sandbox


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def running(sb: Sandbox, database_url: str, **extra: Any) -> AsyncIterator[Wiring]:
    settings = load_settings(
        telegram_token=sb.token,
        telegram_api_url=sb.api_url,
        database_url=database_url,
        feeds=[f"{sb.station_url}/feed"],
        poll_interval=60,
        **extra,
    )
    wiring = build(settings)
    stop = asyncio.Event()
    runtime = Runtime(wiring, stop=stop)
    serving = asyncio.create_task(runtime.serve())
    await asyncio.wait_for(runtime.started.wait(), 15)
    try:
        yield wiring
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)


def webhook_mode(port: int) -> dict[str, Any]:
    return {"webhook_url": f"http://127.0.0.1:{port}/telegram", "http_port": port}


async def test_webhook_mode_answers_users_and_refuses_a_wrong_secret(database_url: str) -> None:
    port = free_port()
    async with Sandbox() as sb:
        async for wiring in running(sb, database_url, **webhook_mode(port)):
            source = wiring.source
            assert isinstance(source, Webhook)
            await sb.wait_until(lambda: sb.core.profile.webhook is not None)
            hook = sb.core.profile.webhook
            assert hook is not None and hook["url"] == f"http://127.0.0.1:{port}/telegram"
            assert hook["secret_token"] == derived_secret(sb.token)

            lan = sb.user(user_id=1001, first_name="Lan")
            await lan.send("/start")
            assert "Xin chào Lan" in ((await sb.wait_for_message(lan.chat_id)).text or "")

            # A forger without the secret (wrong, then missing): 403, nothing queued or sent.
            for forged in ("wrong-secret", None):
                hook["secret_token"] = forged
                minh = sb.user(user_id=1002 if forged else 1003, first_name="Minh")
                received, posts = source.received, len(sb.webhook.answers)
                await minh.send("/start")
                await sb.wait_until(lambda n=posts: len(sb.webhook.answers) > n)
                assert sb.webhook.answers[-1] == 403
                assert source.received == received
                assert not sb.messages(minh.chat_id)
            # The real Telegram (right secret) delivers them after all: nothing was lost.
            hook["secret_token"] = derived_secret(sb.token)
            await sb.wait_for_message(1002)
            await sb.wait_for_message(1003)
            assert source.refused >= 2

            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}"
                async with http.post(f"{url}/telegram", json={"update_id": 1}) as answer:
                    assert answer.status == 403
                async with http.get(f"{url}/healthz") as answer:
                    assert answer.status == 200
                    assert (await answer.json())["database"] == "reachable"


async def test_a_poison_update_is_skipped_and_the_next_one_answered(database_url: str) -> None:
    port = free_port()
    async with Sandbox() as sb:
        async for wiring in running(sb, database_url, **webhook_mode(port)):
            source = wiring.source
            assert isinstance(source, Webhook)
            await sb.wait_until(lambda: sb.core.profile.webhook is not None)
            sb.push_raw_update({"message": {"message_id": "not a number", "chat": 5}})
            lan = sb.user(user_id=1001, first_name="Lan")
            await lan.send("/start")
            await sb.wait_for_message(lan.chat_id)
            assert source.skipped == 1
            assert sb.webhook.answers[:2] == [200, 200]  # not retried forever by Telegram


async def test_switching_back_to_polling_deletes_the_webhook(database_url: str) -> None:
    port = free_port()
    async with Sandbox() as sb:
        async for _ in running(sb, database_url, **webhook_mode(port)):
            await sb.wait_until(lambda: sb.core.profile.webhook is not None)
        assert sb.core.profile.webhook is not None  # a stop keeps it: updates wait for us
        async for _ in running(sb, database_url):
            lan = sb.user(user_id=1001, first_name="Lan")
            await lan.send("/start")
            assert "Xin chào Lan" in ((await sb.wait_for_message(lan.chat_id)).text or "")
            assert sb.core.profile.webhook is None


async def test_a_request_without_the_secret_header_gets_403() -> None:
    from bot.web.server import WebServer
    from bot.web.status import StatusSources
    from storage.db import Database

    database = Database("sqlite+aiosqlite:///:memory:")
    status = StatusSources(database, lambda: True, dict, lambda: (0, 0))
    server = WebServer("127.0.0.1", 0, status, stale_after_s=900)
    queue: asyncio.Queue[object] = asyncio.Queue()
    bot = Bot("123456:" + "A" * 35)  # never calls Telegram here: no webhook is registered
    source = Webhook(bot, queue, server, url="https://x.example/hook", secret="s3")
    await server.start()
    source.accept()
    try:
        async with aiohttp.ClientSession() as http:
            chat = {"id": 1, "type": "private"}
            message = {"message_id": 1, "date": 0, "chat": chat, "text": "hi"}
            update = {"update_id": 5, "message": message}
            for headers in ({}, {SECRET_HEADER: "s4"}, {SECRET_HEADER: ""}):
                async with http.post(f"{server.url}/hook", json=update, headers=headers) as a:
                    assert a.status == 403
            assert queue.empty()
            async with http.post(
                f"{server.url}/hook", json=update, headers={SECRET_HEADER: "s3"}
            ) as answer:
                assert answer.status == 200
            assert queue.qsize() == 1
    finally:
        await source.stop()
        await server.stop()
        await database.dispose()
