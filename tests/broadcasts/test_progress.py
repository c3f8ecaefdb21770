"""The progress rules without Telegram: the line's wording and numbers in both languages, the
time left, and an edit only when the text changes (Telegram refuses the same text twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Deferred, render
from bot.services.broadcasts import Broadcasts, Decided, eta_text, progress_payload
from storage.db import Database
from storage.enums import BroadcastStatus, DeliveryStatus, MessageKind
from storage.models import Broadcast, Delivery
from storage.repositories import broadcasts as repository
from storage.repositories.broadcasts import Tally
from tests.broadcasts.helpers import OWNER, broadcasts, rows
from tests.delivery_e2e.helpers import add_subscribers

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def line(tally: Tally, total: int, elapsed_s: float, locale: str) -> str:
    payload = progress_payload(tally, total, elapsed_s, locale)
    return str(render(Deferred.from_json(payload), locale))


def test_the_progress_line_in_vietnamese_and_english() -> None:
    tally = Tally(waiting=8_766, sent=1_231, failed=3)
    # 1,234 done in 40 s: 8,766 left at ~31/s is ~4.7 minutes.
    assert line(tally, 10_000, 40.0, "vi") == (
        "📣 Đang gửi: 1.234/10.000 (12%) · lỗi 3 · còn khoảng 5 phút"
    )
    assert line(tally, 10_000, 40.0, "en") == (
        "📣 Sending: 1,234/10,000 (12%) · 3 failed · about 5 minutes left"
    )


def test_the_time_left() -> None:
    assert eta_text(Tally(waiting=10), 10, 0.0, "vi") == "đang ước tính thời gian"
    assert eta_text(Tally(waiting=10, sent=90), 100, 9.0, "vi") == "còn chưa tới 1 phút"
    assert eta_text(Tally(waiting=60, sent=30), 90, 30.0, "en") == "about 1 minute left"
    # 99,000 left at ~30/s: 55 minutes; 299,000 left: 2 h 45 min, said in hours past two.
    assert eta_text(Tally(waiting=99_000, sent=1_000), 100_000, 33.0, "vi") == "còn khoảng 55 phút"
    assert eta_text(Tally(waiting=299_000, sent=1_000), 300_000, 33.0, "vi") == "còn khoảng 3 giờ"


async def test_an_edit_is_asked_for_only_when_the_text_changes(database: Database) -> None:
    now = [T0]
    service = Broadcasts(database, clock=lambda: now[0])
    await add_subscribers(database, range(500, 510))
    await service.begin(OWNER, OWNER, "vi")
    preview = await service.compose(OWNER, OWNER, "Thông báo", None)
    decision = await service.decide(preview.broadcast_id, OWNER, OWNER, send=True)
    assert decision.outcome is Decided.STARTED and decision.recipients == 10
    (progress,) = await rows(database, MessageKind.NOTICE)

    # Not sent yet: the progress message is left alone (its payload may be rendering).
    await service.report_progress()
    async with database.session() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.id == progress.id)
            .values(status=DeliveryStatus.SENT, message_id=77, sent_revision=1)
        )
    now[0] += timedelta(seconds=5)
    await service.report_progress()
    assert (await rows(database, MessageKind.NOTICE))[0].edit_revision is None  # same text

    async with database.session() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.message_kind == MessageKind.BROADCAST, Delivery.chat_id < 504)
            .values(status=DeliveryStatus.SENT)
        )
    now[0] += timedelta(seconds=5)
    await service.report_progress()
    edited = (await rows(database, MessageKind.NOTICE))[0]
    assert edited.edit_revision == 2
    assert '"done":"4"' in (edited.payload or "")
    await service.report_progress()  # nothing changed since: no new request
    assert (await rows(database, MessageKind.NOTICE))[0].edit_revision == 2

    async with database.session() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.message_kind == MessageKind.BROADCAST)
            .values(status=DeliveryStatus.SENT)
        )
    await service.report_progress()
    (ended,) = await broadcasts(database)
    assert ended.status is BroadcastStatus.DONE and ended.reported
    final = (await rows(database, MessageKind.NOTICE))[0]
    assert final.edit_revision == 3 and "broadcast.report" in (final.payload or "")
    assert await service.report_progress() == 0  # done and reported: never looked at again


async def test_a_forgotten_broadcast_does_not_take_a_message_hours_later(
    database: Database,
) -> None:
    now = [T0]
    service = Broadcasts(database, clock=lambda: now[0])
    await service.begin(OWNER, OWNER, "vi")
    assert await service.composing(OWNER, OWNER)
    assert not await service.composing(OWNER, OWNER + 1)  # another admin in the same chat
    now[0] += timedelta(minutes=31)
    assert not await service.composing(OWNER, OWNER)


async def test_a_second_tap_racing_the_first_is_told_it_is_sent_not_busy(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Broadcasts(database, clock=lambda: T0)
    await add_subscribers(database, range(500, 503))
    await service.begin(OWNER, OWNER, "vi")
    preview = await service.compose(OWNER, OWNER, "Thông báo", None)
    assert preview.broadcast_id is not None
    first_tap = Broadcasts(database, clock=lambda: T0)
    looked_up = repository.in_progress

    async def first_tap_commits_in_between(session: AsyncSession) -> list[Broadcast]:
        # The second tap has read the draft as a draft; the first tap starts it now.
        monkeypatch.setattr(repository, "in_progress", looked_up)
        started = await first_tap.decide(preview.broadcast_id, OWNER, OWNER, send=True)
        assert started.outcome is Decided.STARTED
        return await looked_up(session)

    monkeypatch.setattr(repository, "in_progress", first_tap_commits_in_between)
    second = await service.decide(preview.broadcast_id, OWNER, OWNER, send=True)
    assert second.outcome is Decided.STALE  # "already sent", not "another one is sending"
    assert len(await rows(database, MessageKind.BROADCAST)) == 3  # queued once
