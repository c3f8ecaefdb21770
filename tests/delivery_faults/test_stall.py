"""The stall alert: told once when tries keep failing while messages wait, once on recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.stall import StallAlarm, StallEvent, StallWatch

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
AFTER = timedelta(minutes=5)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_an_idle_bot_is_never_stalled() -> None:
    watch = StallWatch(AFTER)
    assert not watch.due_for_check(at(3600))
    assert watch.check(at(3600), waiting=3) is None  # e.g. a digest scheduled for tomorrow
    assert not watch.stalled


def test_a_first_failure_after_a_quiet_hour_gets_its_full_five_minutes() -> None:
    watch = StallWatch(AFTER)
    watch.failed(at(3600))
    watch.failed(at(3700))  # later failures do not move the start
    assert not watch.due_for_check(at(3600 + 299))
    assert watch.check(at(3600 + 299), waiting=10) is None
    assert watch.due_for_check(at(3600 + 300))
    alert = watch.check(at(3600 + 300), waiting=10)
    assert alert is not None
    assert (alert.event, alert.minutes, alert.waiting) == (StallEvent.STALLED, 5, 10)


def test_a_success_restarts_the_clock() -> None:
    watch = StallWatch(AFTER)
    watch.failed(at(0))
    assert watch.sent(at(200)) is False  # no alert was out: nothing to say
    watch.failed(at(250))
    assert not watch.due_for_check(at(400))
    assert watch.due_for_check(at(550))


def test_told_once_per_stall_and_once_on_recovery() -> None:
    watch = StallWatch(AFTER)
    watch.failed(at(10))
    first = watch.check(at(310), waiting=159)
    assert first is not None and first.event is StallEvent.STALLED
    watch.failed(at(320))
    assert not watch.due_for_check(at(900)) and watch.check(at(900), waiting=159) is None
    assert watch.sent(at(1510)) is True
    recovery = watch.recovered(at(1510), waiting=150)
    assert (recovery.event, recovery.minutes, recovery.waiting) == (StallEvent.RECOVERED, 25, 150)
    assert watch.sent(at(1511)) is False


def test_failures_that_ended_without_a_waiting_row_are_no_stall() -> None:
    watch = StallWatch(AFTER)
    watch.failed(at(0))
    assert watch.check(at(300), waiting=0) is None  # the rows expired or were cancelled
    assert not watch.due_for_check(at(1000))


async def test_the_alarm_tells_the_admins_in_vietnamese_and_survives_a_failing_chat() -> None:
    told: list[str] = []
    broken = True

    async def alert(text: str) -> None:
        if broken:
            raise ConnectionError("Telegram is down too")
        told.append(text)

    async def backlog(now: datetime) -> int:
        return 159

    alarm = StallAlarm(StallWatch(AFTER), backlog=backlog, alert=alert, locale="vi")
    alarm.failed(at(0), "Internal Server Error")
    assert await alarm.tick(at(1)) is None
    stalled = await alarm.tick(at(300))
    assert stalled is not None and stalled.event is StallEvent.STALLED and told == []
    alarm.failed(at(310), "Internal Server Error")
    assert await alarm.tick(at(400)) is None  # told once, even if the message did not get out
    broken = False
    alarm.sent()
    recovered = await alarm.tick(at(420))
    assert recovered is not None and recovered.event is StallEvent.RECOVERED
    assert told == ["✅ Bot đã gửi tin trở lại sau 7 phút gián đoạn. Còn 159 tin đang chờ gửi."]


async def test_the_stall_text_names_the_wait_the_backlog_and_the_last_error() -> None:
    told: list[str] = []

    async def alert(text: str) -> None:
        told.append(text)

    async def backlog(now: datetime) -> int:
        return 159

    alarm = StallAlarm(StallWatch(AFTER), backlog=backlog, alert=alert, locale="vi")
    alarm.failed(at(0), "Internal Server Error")
    await alarm.tick(at(300))
    assert told == [
        "⚠️ Bot không gửi được tin nào trong 5 phút dù còn 159 tin đang chờ gửi. "
        "Bot vẫn tự động thử lại. Lỗi gần nhất: Internal Server Error"
    ]
    english = StallAlarm(StallWatch(AFTER), backlog=backlog, alert=alert, locale="en")
    english.watch.failed(at(0))  # a failure without a message: the text says "unknown"
    await english.tick(at(300))
    assert told[-1].startswith("⚠️ The bot has not sent any message for 5 min although 159")
    assert told[-1].endswith("Last error: unknown")


async def test_a_failing_backlog_count_is_logged_and_the_watch_tries_again() -> None:
    told: list[str] = []
    failing = True

    async def alert(text: str) -> None:
        told.append(text)

    async def backlog(now: datetime) -> int:
        if failing:
            raise OSError("database unreachable")
        return 4

    alarm = StallAlarm(StallWatch(AFTER), backlog=backlog, alert=alert, locale="vi")
    alarm.failed(at(0), "Bad Gateway")
    assert await alarm.tick(at(300)) is None and told == []
    failing = False
    stalled = await alarm.tick(at(301))
    assert stalled is not None and stalled.waiting == 4 and len(told) == 1


async def test_a_success_after_half_a_minute_of_failures_makes_waiting_retries_due() -> None:
    resumed: list[datetime] = []

    async def resume(now: datetime) -> int:
        resumed.append(now)
        return 7

    async def backlog(now: datetime) -> int:
        return 0

    alarm = StallAlarm(StallWatch(AFTER), backlog=backlog, alert=None, locale="vi", resume=resume)
    alarm.failed(at(0), "Bad Gateway")
    alarm.sent()
    await alarm.tick(at(10))  # a ten-second blip: backoffs are short, nothing to cut
    assert resumed == []
    alarm.failed(at(20), "Bad Gateway")
    await alarm.tick(at(21))
    alarm.sent()
    await alarm.tick(at(60))
    assert resumed == [at(60)]
    alarm.sent()
    await alarm.tick(at(61))  # once per outage
    assert resumed == [at(60)]
