"""The stall alert: told once when sending stops while messages wait, once when it recovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.stall import Backlog, StallAlarm, StallEvent, StallWatch

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
AFTER = timedelta(minutes=5)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_an_idle_bot_is_not_stalled() -> None:
    watch = StallWatch(AFTER, started=T0)
    assert not watch.due_for_check(at(299))
    assert watch.due_for_check(at(301))
    assert watch.check(at(301), Backlog(0, None)) is None
    assert not watch.stalled


def test_a_new_message_failing_after_a_quiet_hour_gets_its_full_five_minutes() -> None:
    watch = StallWatch(AFTER, started=T0)
    enqueued = at(3600)
    assert watch.check(at(3601), Backlog(10, enqueued)) is None
    assert watch.check(at(3600 + 299), Backlog(10, enqueued)) is None
    alert = watch.check(at(3600 + 300), Backlog(10, enqueued))
    assert alert is not None and (alert.event, alert.minutes, alert.waiting) == (
        StallEvent.STALLED, 5, 10
    )  # fmt: skip


def test_told_once_per_stall_and_once_on_recovery() -> None:
    watch = StallWatch(AFTER, started=T0)
    backlog = Backlog(159, T0)
    first = watch.check(at(310), backlog)
    assert first is not None and first.event is StallEvent.STALLED
    assert not watch.due_for_check(at(400)) and watch.check(at(900), backlog) is None
    assert watch.sent(at(1500)) is True
    recovery = watch.recovered(at(1500), Backlog(150, T0))
    assert (recovery.event, recovery.minutes, recovery.waiting) == (StallEvent.RECOVERED, 25, 150)
    assert watch.sent(at(1501)) is False  # nothing more to say
    assert not watch.due_for_check(at(1700))  # the clock restarted at the last success


def test_checks_of_the_backlog_are_rate_limited() -> None:
    watch = StallWatch(AFTER, started=T0)
    assert watch.check(at(300), Backlog(0, None)) is None
    assert not watch.due_for_check(at(330))  # at most once a minute at the default
    assert watch.due_for_check(at(360))


async def test_the_alarm_tells_the_admins_in_vietnamese_and_survives_a_failing_chat() -> None:
    told: list[str] = []
    broken = True

    async def alert(text: str) -> None:
        if broken:
            raise ConnectionError("Telegram is down too")
        told.append(text)

    async def backlog() -> Backlog:
        return Backlog(159, T0)

    alarm = StallAlarm(StallWatch(AFTER, started=T0), backlog=backlog, alert=alert, locale="vi")
    alarm.failed("Internal Server Error")
    stalled = await alarm.tick(at(300))
    assert stalled is not None and stalled.event is StallEvent.STALLED and told == []
    assert await alarm.tick(at(400)) is None  # told once, even if the message did not get out
    broken = False
    alarm.sent(at(420))
    recovered = await alarm.tick(at(421))
    assert recovered is not None and recovered.event is StallEvent.RECOVERED
    assert told == ["✅ Bot đã gửi tin trở lại sau 7 phút gián đoạn. Còn 159 tin đang chờ gửi."]


async def test_the_stall_text_names_the_wait_the_backlog_and_the_last_error() -> None:
    told: list[str] = []

    async def alert(text: str) -> None:
        told.append(text)

    async def backlog() -> Backlog:
        return Backlog(159, T0)

    alarm = StallAlarm(StallWatch(AFTER, started=T0), backlog=backlog, alert=alert, locale="vi")
    alarm.failed("Internal Server Error")
    await alarm.tick(at(300))
    assert told == [
        "⚠️ Bot không gửi được tin nào trong 5 phút dù còn 159 tin đang chờ gửi. "
        "Bot vẫn tự động thử lại. Lỗi gần nhất: Internal Server Error"
    ]
    english = StallAlarm(StallWatch(AFTER, started=T0), backlog=backlog, alert=alert, locale="en")
    await english.tick(at(300))
    assert told[-1].startswith("⚠️ The bot has not sent any message for 5 min although 159")
    assert told[-1].endswith("Last error: unknown")
