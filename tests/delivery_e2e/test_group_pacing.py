"""A group gets at most 20 messages a minute (Telegram's limit per group), while private chats
served by the same sender are not slowed down by it (fake clock: the test takes no real time)."""

from __future__ import annotations

from typing import Any

from storage.db import Database
from tests.delivery_e2e.helpers import (
    FakeTime,
    add_subscribers,
    enqueue,
    seed_article,
    sender_on,
    settle,
)
from tests.sandbox import Sandbox

GROUP = -100_500
READERS = [501, 502, 503]
ARTICLES = 25


class Stamped(list[Any]):
    """The sandbox's call log, noting the fake time of every sendMessage by chat."""

    def __init__(self, calls: list[Any], fake: FakeTime) -> None:
        super().__init__(calls)
        self.fake = fake
        self.sends: dict[int, list[float]] = {}

    def append(self, record: Any) -> None:
        super().append(record)
        if record.method.lower() == "sendmessage" and record.ok:
            chat = int(record.params["chat_id"])
            self.sends.setdefault(chat, []).append(self.fake.t)


async def test_a_group_gets_20_a_minute_and_private_chats_keep_their_pace(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users(READERS)
        sb.group(GROUP, "Hội nông dân Đăk Hà", owner=READERS[0])
        await add_subscribers(database, [*READERS, GROUP])
        for article in range(1, ARTICLES + 1):
            await seed_article(database, article, title=f"Tin số {article}")
            await enqueue(database, article)
        stamped = Stamped(sb.core.calls, fake)
        sb.core.calls = stamped
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database, rounds=400)
    group = stamped.sends[GROUP]
    assert len(group) == ARTICLES, "every article reached the group, once"
    # Any 21 consecutive sends to the group span more than a minute.
    assert all(later - first >= 60.0 for first, later in zip(group, group[20:], strict=False))
    assert group[19] < 60.0 <= group[20], "the first 20 go at once, the rest wait their minute"
    for reader in READERS:
        sends = stamped.sends[reader]
        assert len(sends) == ARTICLES
        # One a second per private chat (plus the limiter's margin), never held for the group.
        assert sends[-1] < ARTICLES * 1.2, (reader, sends[-1])
