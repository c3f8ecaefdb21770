"""``newsbot run``: start storage, the Telegram application and the background workers in order,
and stop them in reverse on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application
from bot.background import Background, start_background
from bot.handlers.menu import set_command_menu
from config import Settings
from storage.db import Database
from storage.lock import InstanceLock

log = logging.getLogger(__name__)

Worker = Callable[[], Awaitable[None]]


class StartupError(Exception):
    """Start-up cannot go on; the message is one sentence for the operator."""


async def run(settings: Settings) -> None:
    """Run the bot until a stop signal arrives."""
    database = Database(settings.database_url)
    lock = InstanceLock(database)
    try:
        await database.check()
        await lock.acquire()
        await database.upgrade()
        await _run_application(settings, database)
    finally:
        await lock.release()
        await database.dispose()


async def _run_application(settings: Settings, database: Database) -> None:
    application = build_application(settings, database)
    try:
        await application.initialize()
    except InvalidToken:
        raise StartupError(
            "The Bot API rejected NEWSBOT_TELEGRAM_TOKEN; check it with @BotFather."
        ) from None
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    workers: list[asyncio.Task[None]] = []
    background: Background | None = None
    try:
        await set_command_menu(application.bot)
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=30
        )
        await application.start()
        background = await start_background(application)
        for worker in (background.poller.run_forever, background.sender.run_forever):
            workers.append(asyncio.create_task(_supervised(worker), name=worker.__qualname__))
        log.info("bot @%s is running; press Ctrl+C to stop", application.bot.username)
        await stop.wait()
        log.info("stopping")
    finally:
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if background is not None:
            await background.close()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _supervised(worker: Worker) -> None:
    """Keep a background loop alive: an unexpected error is logged and the loop restarts."""
    while True:
        try:
            await worker()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker %s crashed; restarting in 5 s", worker.__qualname__)
            await asyncio.sleep(5)


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
