"""Log lines say which chat, article and delivery (or feed) they are about, as JSON fields a
log collector can filter on: the sender's and the ingest's own lines, through the JSON
formatter the bot runs with."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logsetup import JsonFormatter, RedactingFilter
from bot.services.ingest import Ingest
from storage.db import Database
from tests.delivery_e2e.helpers import (
    FakeTime,
    add_subscribers,
    enqueue,
    row_for,
    seed_article,
    sender_on,
)
from tests.ingest.conftest import Clock, feed_row, new_item
from tests.sandbox import Sandbox
from tests.sandbox.wordpress_ping import publish


def json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter, redacting = JsonFormatter(), RedactingFilter()
    lines = []
    for record in caplog.records:
        redacting.filter(record)
        lines.append(json.loads(formatter.format(record)))
    return lines


async def test_a_failed_delivery_logs_its_chat_article_and_delivery(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with Sandbox() as sb:
        sb.users([701])
        sb.block(701)
        await add_subscribers(database, [701])
        await seed_article(database, 1, title="Tin số 1")
        await enqueue(database, 1)
        caplog.set_level(logging.INFO, logger="bot.delivery")
        async with sender_on(sb, database, fake=FakeTime()) as sender:
            await sender.run_once()
            await sender.record_pending()
    row = await row_for(database, 701, 1)
    (line,) = [p for p in json_lines(caplog) if "unreachable" in str(p["message"])]
    assert (line["chat_id"], line["article_id"], line["delivery_id"]) == (701, 1, row.id)
    assert line["level"] == "INFO" and line["logger"] == "bot.delivery.ledger"


async def test_a_poll_that_brings_news_logs_its_feed_and_articles(
    sb: Sandbox, poller: Ingest, clock: Clock, feed_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    await poller.poll_due()  # the backlog
    publish(sb.station, new_item(90200))
    clock.advance(400)
    caplog.set_level(logging.INFO, logger="bot.services.ingest")
    (outcome,) = await poller.poll_due()
    assert outcome.new == 1
    (line,) = [p for p in json_lines(caplog) if "1 new" in str(p["message"])]
    assert line["feed_id"] == feed_id
    assert isinstance(line["article_ids"], list) and len(line["article_ids"]) == 1
    assert (await feed_row(poller.database, feed_id)).failures == 0
