"""The admin alert sink: one message to the admin chat, never an exception for the caller."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot

from bot.logsetup import redact

log = logging.getLogger(__name__)

Alert = Callable[[str], Awaitable[None]]


def admin_alert(bot: Bot, admin_chat_id: int | None, *, timeout_s: float = 30.0) -> Alert:
    """``alert_admins(text)``: send ``text`` to the admin chat, or log it when none is set.

    Callers are background loops reporting a fault (a feed down, sending stalled); an alert
    that cannot be sent (Telegram down too, the bot removed from the chat) is logged and
    dropped, never raised into the loop that reported it.
    """

    async def alert_admins(text: str) -> None:
        if admin_chat_id is None:
            log.warning("admin alert (no NEWSBOT_ADMIN_CHAT_ID set): %s", redact(text))
            return
        try:
            async with asyncio.timeout(timeout_s):
                await bot.send_message(admin_chat_id, text)
        except Exception as error:  # the report must not become a second fault
            log.warning(
                "admin alert not delivered to %s (%s): %s",
                admin_chat_id, type(error).__name__, redact(text),
            )  # fmt: skip

    return alert_admins
