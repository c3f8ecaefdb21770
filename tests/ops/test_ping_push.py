"""End to end: the running bot (poll interval left at 300 s) takes the station's update ping
on its web server and the new post reaches a subscriber within seconds."""

from __future__ import annotations

import asyncio
from email.utils import formatdate

from storage.db import Database
from storage.models import Subscriber
from tests.ingest.conftest import new_item
from tests.ops.test_web import running, wait_for_poll
from tests.sandbox import Sandbox
from tests.sandbox.wordpress_ping import publish_and_ping

TITLE = "Khai mạc Hội chợ thương mại Kon Tum năm 2026"


async def test_a_published_post_reaches_a_subscriber_through_the_ping(database_url: str) -> None:
    async with Sandbox() as sb:
        sb.user(1001, "Lan")
        database = Database(database_url)
        async with database.session() as session:
            session.add(Subscriber(chat_id=1001))
        await database.dispose()
        async for wiring in running(sb, database_url, poll_interval=300):
            assert wiring.web is not None
            await wait_for_poll(wiring.web.url)  # the backlog, never pushed
            fetches = len(sb.station.requests_to("/feed"))
            started = asyncio.get_running_loop().time()
            answer = await publish_and_ping(
                sb.station,
                new_item(90100, TITLE, published=formatdate(usegmt=True)),
                f"{wiring.web.url}/wordpress/ping",
            )
            assert answer.fault is None and answer.result["flerror"] is False
            # The backlog poll was moments ago: the debounce holds this one until 10 s after it.
            push = await sb.wait_for_message(1001, timeout=20, predicate=lambda m: TITLE in m.text)
            assert asyncio.get_running_loop().time() - started < 20  # the interval is 300 s
            assert "Kon Tum" in push.text
            assert len(sb.station.requests_to("/feed")) == fetches + 1
