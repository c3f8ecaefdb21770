"""The application's error handler: log every handler error once, apologise when we can."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.handlers.subscriber import locale_of
from bot.i18n import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every handler error once, with the update it came from; tell the user when we can."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: chat unreachable: %s", update_id, error)
        return
    if isinstance(error, NetworkError):
        log.warning("update %s: network error: %s", update_id, error)
        return
    log.error("update %s: handler failed", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        locale = locale_of(update.effective_user)
        try:
            await update.effective_message.reply_text(t("error.generic", locale))
        except Exception:  # the apology is best-effort; the error is already logged
            log.debug("could not send the error apology", exc_info=True)
