"""The application's error handler: log every handler error once, apologise when we can, and
tell the admin chat in a short report (rate-limited per error type, secrets masked; the full
trace only in the log)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.context import BotContext
from bot.error_alerts import error_alerts_of
from bot.i18n import t

log = logging.getLogger(__name__)

# Telegram's answer to answerCallbackQuery after ~15 s, or for a query answered already.
_QUERY_TOO_OLD = "query is too old"


async def on_error(update: object, context: BotContext) -> None:
    """Log every handler error once, with the update it came from; tell the user when we can."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: chat unreachable: %s", update_id, error)
        return
    if isinstance(error, BadRequest) and _QUERY_TOO_OLD in str(error).lower():
        # The tap is long past (the bot was down or slow): nobody waits for this answer.
        log.info("update %s: callback query expired before it was answered", update_id)
        return
    if isinstance(error, NetworkError):
        log.warning("update %s: network error: %s", update_id, error)
        return
    log.error("update %s: handler failed", update_id, exc_info=error)
    if isinstance(update, Update):
        await apologise(update, t("error.generic", context.locale))
    if error is not None:
        await report(error, update_id, context)


async def report(error: BaseException, update_id: int | None, context: BotContext) -> None:
    """Tell the admins in a short report, unless the same error type was reported recently."""
    await error_alerts_of(context.bot_data).handler_failed(error, update_id)


async def apologise(update: Update, text: str) -> None:
    """Best-effort: answer the tap if it is still open, else reply in the chat."""
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:  # answered already: the apology goes to the chat instead
                pass
        if update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except Exception:  # the apology is best-effort; the error is already logged
        log.debug("could not send the error apology", exc_info=True)
