"""Is sending stalled? A pure decision, clock passed in: the admins hear of it once, and again
when it recovers.

Sending is stalled when no message went out for ``after`` while a message has been waiting at
least that long. The second condition keeps a bot that was idle for an hour from crying
"stalled" one second after a new article meets a single failure: the clock runs from the
later of the last success and the oldest waiting row's creation. Successes are cheap to
report (the sender tells the watch about each batch); the backlog costs a query, so the
watch asks for it only when a stall is possible, and then at most every ``check_every``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import t

log = logging.getLogger(__name__)


class StallEvent(StrEnum):
    STALLED = "stalled"
    RECOVERED = "recovered"


@dataclass(frozen=True, slots=True)
class Backlog:
    """Messages waiting to be sent (pending or leased), and when the oldest was enqueued."""

    waiting: int
    oldest: datetime | None


@dataclass(frozen=True, slots=True)
class StallAlert:
    event: StallEvent
    minutes: int  # how long nothing went out (stalled: so far; recovered: in all)
    waiting: int  # messages waiting at that moment


class StallWatch:
    """Tracks the last successful send; says when to alert. One per sender."""

    def __init__(
        self, after: timedelta, *, started: datetime, check_every: timedelta | None = None
    ) -> None:
        self.after = after
        # A stall is noticed within check_every of the threshold (60 s at the default 300 s).
        self.check_every = (
            check_every if check_every is not None else min(after / 5, timedelta(seconds=60))
        )
        self.last_success = started  # a fresh process has nothing to regret yet
        self.stalled_since: datetime | None = None  # set once the admins were told
        self._checked_at: datetime | None = None

    @property
    def stalled(self) -> bool:
        return self.stalled_since is not None

    def sent(self, now: datetime) -> bool:
        """A message went out. True when this ends an alerted stall (ask for the backlog and
        call :meth:`recovered`)."""
        self.last_success = max(self.last_success, now)
        return self.stalled_since is not None

    def recovered(self, now: datetime, backlog: Backlog) -> StallAlert:
        """The recovery message, after :meth:`sent` said the stall ended."""
        since = self.stalled_since or self.last_success
        self.stalled_since = None
        self._checked_at = None
        return StallAlert(StallEvent.RECOVERED, _minutes(now - since), backlog.waiting)

    def due_for_check(self, now: datetime) -> bool:
        """Could sending be stalled now? (If so, look at the backlog and call :meth:`check`.)"""
        if self.stalled_since is not None or now - self.last_success < self.after:
            return False
        return self._checked_at is None or now - self._checked_at >= self.check_every

    def check(self, now: datetime, backlog: Backlog) -> StallAlert | None:
        """Decide with the backlog in hand; returns the alert to send, at most once a stall."""
        self._checked_at = now
        if self.stalled_since is not None or backlog.waiting == 0 or backlog.oldest is None:
            return None
        since = max(self.last_success, backlog.oldest)
        if now - since < self.after:
            return None
        self.stalled_since = since
        return StallAlert(StallEvent.STALLED, _minutes(now - since), backlog.waiting)


def _minutes(span: timedelta) -> int:
    return max(1, round(span.total_seconds() / 60))


def alert_text(alert: StallAlert, locale: str, last_error: str | None = None) -> str:
    """The admins' message for a stall or a recovery (plain text, not HTML)."""
    if alert.event is StallEvent.STALLED:
        error = (last_error or t("alert.error_unknown", locale))[:300]
        return t(
            "alert.send_stalled", locale, minutes=alert.minutes, waiting=alert.waiting, error=error
        )
    return t("alert.send_recovered", locale, minutes=alert.minutes, waiting=alert.waiting)


class StallAlarm:
    """The sender's side of the watch: feeds it, asks for the backlog, tells the admins.

    ``backlog`` and ``alert`` are injected (the sender passes a database query and the admin
    chat callback), so this stays free of storage and Telegram. A failing ``alert`` is logged
    and never reaches the sender: during a Telegram outage the stall message itself may not
    get through, and the recovery message then tells the admins how long it lasted.
    """

    def __init__(
        self,
        watch: StallWatch,
        *,
        backlog: Callable[[], Awaitable[Backlog]],
        alert: Callable[[str], Awaitable[None]] | None,
        locale: str,
    ) -> None:
        self.watch = watch
        self.backlog = backlog
        self.alert = alert
        self.locale = locale
        self.last_error: str | None = None
        self._sent_at: datetime | None = None

    def sent(self, now: datetime) -> None:
        """A message went out (cheap: called for every success)."""
        self._sent_at = now

    def failed(self, error: str | None) -> None:
        if error:
            self.last_error = error

    async def tick(self, now: datetime) -> StallAlert | None:
        """After each sender round: alert when a stall begins or ends."""
        decided: StallAlert | None = None
        if self._sent_at is not None:
            sent_at, self._sent_at = self._sent_at, None
            if self.watch.sent(sent_at):
                decided = self.watch.recovered(now, await self.backlog())
        elif self.watch.due_for_check(now):
            decided = self.watch.check(now, await self.backlog())
        if decided is not None:
            await self._tell(decided)
        return decided

    async def _tell(self, decided: StallAlert) -> None:
        text = alert_text(decided, self.locale, self.last_error)
        log.warning("sending %s: %s", decided.event, text)
        if self.alert is None:
            return
        try:
            await self.alert(text)
        except Exception as error:  # the admins' chat may be as unreachable as everyone's
            log.warning("could not tell the admins that sending %s: %r", decided.event, error)
