"""Is sending stalled? A pure decision, clock passed in: the admins hear of it once, and again
when it recovers.

Sending is stalled when tries have been failing for ``after`` with no success in between,
while messages still wait. The clock starts at the first failed try after the last success,
not at the last success: a bot idle for an hour is not "stalled" one second after a new
article meets its first 500, and a digest scheduled for tomorrow is not a waiting message.
Successes and failures are cheap to report (the sender tells the watch about each outcome);
the backlog costs a query, so the watch asks for it only once the failures have lasted
``after``: once a stall, plus once at its recovery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import t

log = logging.getLogger(__name__)

# Failures for this long, then a success: the outage is over, so rows waiting out their
# backoff are due at once. Without it the last reader of a 1,000-reader fan-out got the
# article 97 s after a 120 s outage ended (backoffs of 64-96 s were running); 30 s of
# failures means backoffs of 16 s and more, worth cutting short.
RESUME_AFTER = timedelta(seconds=30)


class StallEvent(StrEnum):
    STALLED = "stalled"
    RECOVERED = "recovered"


@dataclass(frozen=True, slots=True)
class StallAlert:
    event: StallEvent
    minutes: int  # how long nothing went out (stalled: so far; recovered: in all)
    waiting: int  # messages waiting at that moment


class StallWatch:
    """Tracks failing tries since the last success; says when to alert. One per sender."""

    def __init__(self, after: timedelta) -> None:
        self.after = after
        self.failing_since: datetime | None = None  # first failed try after the last success
        self.stalled_since: datetime | None = None  # set once the admins were told

    @property
    def stalled(self) -> bool:
        return self.stalled_since is not None

    def failed(self, now: datetime) -> None:
        """A try failed and the message waits for another (a retry, not a permanent answer)."""
        if self.failing_since is None:
            self.failing_since = now

    def failing_for(self, now: datetime) -> timedelta | None:
        """How long tries have been failing with no success, or None."""
        return None if self.failing_since is None else now - self.failing_since

    def sent(self, now: datetime) -> bool:
        """A message went out. True when this ends an alerted stall (ask for the backlog and
        call :meth:`recovered`)."""
        self.failing_since = None
        return self.stalled_since is not None

    def recovered(self, now: datetime, waiting: int) -> StallAlert:
        """The recovery message, after :meth:`sent` said the stall ended."""
        since = self.stalled_since or now
        self.stalled_since = None
        return StallAlert(StallEvent.RECOVERED, _minutes(now - since), waiting)

    def due_for_check(self, now: datetime) -> bool:
        """Could sending be stalled now? (If so, count the backlog and call :meth:`check`.)"""
        since = self.failing_since
        return self.stalled_since is None and since is not None and now - since >= self.after

    def check(self, now: datetime, waiting: int) -> StallAlert | None:
        """Decide with the backlog in hand; returns the alert to send, at most once a stall."""
        since = self.failing_since
        if self.stalled_since is not None or since is None or now - since < self.after:
            return None
        if waiting == 0:  # the failing rows ended (expired, cancelled): nothing is held up
            self.failing_since = None
            return None
        self.stalled_since = since
        return StallAlert(StallEvent.STALLED, _minutes(now - since), waiting)


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
    """The sender's side of the watch: feeds it, counts the backlog, tells the admins.

    ``backlog`` (messages waiting, given the time) and ``alert`` are injected (the sender
    passes a database count and the admin chat callback), so this stays free of storage and
    Telegram. A failing ``alert`` is logged and never reaches the sender: during a Telegram
    outage the stall message itself may not get through, and the recovery message then tells
    the admins how long it lasted.
    """

    def __init__(
        self,
        watch: StallWatch,
        *,
        backlog: Callable[[datetime], Awaitable[int]],
        alert: Callable[[str], Awaitable[None]] | None,
        locale: str,
        resume: Callable[[datetime], Awaitable[int]] | None = None,
    ) -> None:
        self.watch = watch
        self.backlog = backlog
        self.resume = resume  # makes rows waiting out a backoff due now; returns how many
        self.alert = alert
        self.locale = locale
        self.last_error: str | None = None
        self._sent = False

    def sent(self) -> None:
        """A message went out (cheap: called for every success)."""
        self._sent = True

    def failed(self, now: datetime, error: str) -> None:
        """A try failed and will be retried."""
        self.last_error = error
        if not self._sent:  # a success in the same round outweighs it
            self.watch.failed(now)

    async def tick(self, now: datetime) -> StallAlert | None:
        """After each sender round: alert when a stall begins or ends."""
        decided: StallAlert | None = None
        try:
            if self._sent:
                self._sent = False
                spell = self.watch.failing_for(now)
                ended_stall = self.watch.sent(now)
                if spell is not None and spell >= RESUME_AFTER and self.resume is not None:
                    moved = await self.resume(now)
                    log.info("sending works again after %.0f s of failures; %d retries moved up",
                             spell.total_seconds(), moved)  # fmt: skip
                if ended_stall:
                    decided = self.watch.recovered(now, await self.backlog(now))
            elif self.watch.due_for_check(now):
                decided = self.watch.check(now, await self.backlog(now))
        except Exception as error:  # a database hiccup here must not stop the sending
            log.warning("could not look at the outbox backlog: %r", error)
            return None
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
