"""Fixtures: a running sandbox, a python-telegram-bot client on it, and a raw HTTP helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram

from tests.sandbox import Sandbox


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[telegram.Bot]:
    # PTB appends the token to base_url: f"{base_url}{token}/{method}"
    client = telegram.Bot(
        sb.token, base_url=f"{sb.api_url}/bot", base_file_url=f"{sb.api_url}/file/bot"
    )
    async with client:
        yield client


class Raw:
    """Plain HTTP calls, to see exactly what the sandbox answers."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sb
        self.session = session

    async def call(
        self, method: str, token: str | None = None, *, json: Any = None, **form: Any
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self.sb.api_url}/bot{token or self.sb.token}/{method}"
        kwargs: dict[str, Any] = {"json": json} if json is not None else {"data": form}
        async with self.session.post(url, **kwargs) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(f"{self.sb.api_url}{path}") as response:
            return response.status, await response.json()

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.post(f"{self.sb.api_url}{path}", json=body) as response:
            return response.status, await response.json()


@pytest.fixture
async def raw(sb: Sandbox) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(sb, session)
