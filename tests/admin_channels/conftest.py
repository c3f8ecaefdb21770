"""The station set-up every admin test starts from: an owner, a stranger, the admin chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.admin_channels.helpers import ADMIN_CHAT, CHANNEL_OWNER, OWNER, STRANGER
from tests.sandbox import Sandbox


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        sandbox.user(OWNER, "Chủ", username="station_owner")
        sandbox.user(STRANGER, "Lạ")
        sandbox.user(CHANNEL_OWNER, "Chủ kênh")
        sandbox.group(ADMIN_CHAT, "Ban biên tập", owner=OWNER)
        yield sandbox
