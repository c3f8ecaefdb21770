"""``newsbot run``: the runtime starts what ``bot.app.build`` made, in order, and stops it in
reverse on SIGTERM/SIGINT.

Start-up waits for its dependencies instead of failing: the database, then Telegram, each
retried with capped backoff and one log line per attempt (a station server often boots before
its uplink). What waiting cannot fix (a rejected token, a malformed database URL, another
instance on the database) stops at once with one sentence. Once running, background work is
supervised: a database or Telegram outage costs a log line and a restart, never the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.app import Closer, Wiring, Work, build
from bot.leadership import Leadership, LeaderState
from bot.retry import START_BACKOFF, Backoff, NotReady, Sleep, StartupError, Stopped, until_ready
from config import Settings
from storage.db import DatabaseUnavailable, first_line, is_transient
from storage.lock import AlreadyRunning

log = logging.getLogger(__name__)

__all__ = ["Runtime", "StartupError", "run", "supervise"]

# A job that ran this long before failing was healthy: its next restart starts the backoff anew.
HEALTHY_RUN_S = 60.0
# SIGTERM must end the process within 10 s (container runtimes kill after 10): in-flight sends
# get this long to finish and be recorded before they are cancelled.
STOP_GRACE_S = 5.0


async def run(settings: Settings) -> None:
    """Run the bot until a stop signal arrives."""
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    await Runtime(build(settings), stop=stop).serve()


class Runtime:
    """Starts a ``Wiring`` top to bottom, serves until ``stop`` is set, stops it reversed."""

    def __init__(
        self,
        wiring: Wiring,
        *,
        stop: asyncio.Event,
        backoff: Backoff = START_BACKOFF,
        sleep: Sleep = asyncio.sleep,
        stop_grace_s: float = STOP_GRACE_S,
    ) -> None:
        self.wiring = wiring
        self.stop = stop
        self.backoff = backoff
        self.sleep = sleep
        self.stop_grace_s = stop_grace_s
        self.started = asyncio.Event()  # set once everything runs (tests wait on it)

    async def serve(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            try:
                await self._start(stack)
            except Stopped:
                log.info("stopped before start-up completed")
                return
            self.started.set()
            bot = self.wiring.application.bot
            log.info("bot @%s is running; press Ctrl+C to stop", bot.username)
            await self.stop.wait()
            log.info("stopping")

    async def _start(self, stack: contextlib.AsyncExitStack) -> None:
        w = self.wiring
        for closer in reversed(w.closers):  # closed in the listed order, after everything else
            stack.push_async_callback(_quietly, "closing a client", closer)
        stack.push_async_callback(_quietly, "closing the database", w.database.dispose)
        stack.push_async_callback(_quietly, "releasing the instance lock", w.lock.release)
        if w.web is not None:  # first: /healthz answers 503 while we wait for the database
            await w.web.start()
            stack.push_async_callback(_quietly, "stopping the web server", w.web.stop)
        await until_ready(
            "database", self._open_database, stop=self.stop, backoff=self.backoff, sleep=self.sleep
        )
        application = w.application
        stack.push_async_callback(_quietly, "shutting down the application", application.shutdown)
        await until_ready(
            "Telegram", self._open_telegram, stop=self.stop, backoff=self.backoff, sleep=self.sleep
        )
        await application.start()
        stack.push_async_callback(_quietly, "stopping the application", application.stop)
        await w.source.start()
        stack.push_async_callback(_quietly, "stopping the update source", w.source.stop)

        everywhere = Jobs([job for job in w.work if not job.leader_only], self._supervise)
        everywhere.start()
        stack.push_async_callback(everywhere.stop, self.stop_grace_s)
        leader = LeaderJobs(
            w.leadership,
            [job for job in w.work if job.leader_only],
            self._supervise,
            w.leader_state,
        )
        leader.start()
        stack.push_async_callback(leader.stop, self.stop_grace_s)

    async def _open_database(self) -> None:
        """Reachable, ours alone (the instance lock) and migrated."""
        w = self.wiring
        try:
            await w.database.check()
            if not w.lock.held:
                await w.lock.acquire()
            await w.database.upgrade()
        except DatabaseUnavailable as error:
            raise _classified(error) from None
        except AlreadyRunning:
            raise
        except Exception as error:
            raise _classified(w.database.unavailable(error)) from None

    async def _open_telegram(self) -> None:
        """``getMe`` answered: the token is good and the Bot API reachable."""
        url = self.wiring.settings.telegram_api_url
        try:
            await self.wiring.application.initialize()
        except InvalidToken:
            raise StartupError(
                "The Bot API rejected NEWSBOT_TELEGRAM_TOKEN; check it with @BotFather."
            ) from None
        except TelegramError as error:  # network errors, timeouts, 5xx, 429
            raise NotReady(f"the Bot API at {url} is unreachable ({error.message})") from None

    async def _supervise(self, job: Work) -> None:
        on_crash = self.wiring.error_alerts.job_crashed
        await supervise(job, backoff=self.backoff, sleep=self.sleep, on_crash=on_crash)


def _classified(error: DatabaseUnavailable) -> Exception:
    return StartupError(str(error)) if error.permanent else NotReady(str(error))


Supervise = Callable[[Work], Coroutine[Any, Any, None]]


class Jobs:
    """Background jobs run as supervised tasks; ``stop`` cancels them, then runs ``on_stop``."""

    def __init__(self, jobs: Sequence[Work], supervise: Supervise) -> None:
        self.jobs = list(jobs)
        self._supervise = supervise
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._supervise(job), name=job.name) for job in self.jobs
        ]

    async def stop(self, grace_s: float) -> None:
        tasks, self._tasks = self._tasks, []
        await _cancel(tasks, grace_s)
        for job in reversed(self.jobs):
            if tasks and job.on_stop is not None:
                await _quietly(f"stopping {job.name}", job.on_stop)


class LeaderJobs:
    """The leader-only jobs: started when this process leads, stopped when it stops leading."""

    def __init__(
        self,
        leadership: Leadership,
        jobs: Sequence[Work],
        supervise: Supervise,
        state: LeaderState | None = None,
    ) -> None:
        self.leadership = leadership
        self.state = state or LeaderState()
        self.jobs = Jobs(jobs, supervise)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._lead(), name="leadership")

    async def _lead(self) -> None:
        while True:
            await self.leadership.acquire()
            self.state.leading = True
            self.jobs.start()
            await self.leadership.lost()
            self.state.leading = False
            log.warning("no longer the leader: stopping the ingest and the sender")
            await self.jobs.stop(STOP_GRACE_S)

    async def stop(self, grace_s: float) -> None:
        if self._task is not None:
            await _cancel([self._task], grace_s)
            self._task = None
        await self.jobs.stop(grace_s)
        self.state.leading = False
        await _quietly("stepping down as leader", self.leadership.release)


async def supervise(
    job: Work,
    *,
    backoff: Backoff = START_BACKOFF,
    sleep: Sleep = asyncio.sleep,
    on_crash: Callable[[BaseException, str], Awaitable[None]] | None = None,
) -> None:
    """Run a job until it returns; after a crash log it and restart with capped backoff.

    An outage (database or Telegram unreachable) is one line; anything else is a bug and is
    logged with its traceback, and reported through ``on_crash`` (the admin chat's short,
    rate-limited error report).
    """
    loop = asyncio.get_running_loop()
    delays = backoff.delays()
    while True:
        began = loop.time()
        try:
            await job.run()
            return
        except Exception as error:
            if loop.time() - began > HEALTHY_RUN_S:
                delays = backoff.delays()
            delay = next(delays)
            outage = describe_outage(error)
            if outage is not None:
                log.warning("%s: %s; restarting in %g s", job.name, outage, delay)
            else:
                log.exception("%s crashed; restarting in %g s", job.name, delay)
                if on_crash is not None:
                    await _report_crash(on_crash, error, job.name)
            await sleep(delay)


async def _report_crash(
    report: Callable[[BaseException, str], Awaitable[None]], error: BaseException, job: str
) -> None:
    """Tell the admins; a failing report is logged and the job still restarts."""
    try:
        await report(error, job)
    except Exception as failure:
        log.warning("reporting %s's crash failed: %s", job, first_line(failure))


def describe_outage(error: BaseException) -> str | None:
    """One line for an error that means "a dependency is away", or None for a bug."""
    if isinstance(error, DatabaseUnavailable) and not error.permanent:
        return str(error)
    if isinstance(error, (NetworkError, RetryAfter)):
        return f"Telegram unreachable ({error.message})"
    if is_transient(error):
        return f"database unreachable ({first_line(error)})"
    return None


async def _cancel(tasks: Sequence[asyncio.Task[None]], grace_s: float) -> None:
    """Cancel, give the tasks ``grace_s`` to wind down (finish in-flight sends), then insist."""
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    _, pending = await asyncio.wait(tasks, timeout=grace_s)
    for task in pending:
        log.warning("%s did not stop within %g s; cancelling it again", task.get_name(), grace_s)
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _quietly(what: str, step: Closer) -> None:
    """One step of the stop sequence; its failure is logged and the next step still runs."""
    try:
        await step()
    except Exception as error:
        log.warning("%s failed: %s", what, first_line(error))


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
