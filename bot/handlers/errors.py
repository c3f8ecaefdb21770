"""The application's error handler: log every handler error once, apologise when we can, and
tell the admin chat in a short report (rate-limited per error type, secrets masked; the full
trace only in the log)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.alerts import alert_of
from bot.context import BotContext
from bot.i18n import t
from bot.logsetup import redact

log = logging.getLogger(__name__)

REPORT_DETAIL_CHARS = 200  # of the error's own text: enough to recognise it, never a dump

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


def report_text(error: BaseException, update_id: int | None, left_out: int, locale: str) -> str:
    """The admin chat's short report: the error's type and first words, masked; no trace."""
    detail = redact(" ".join(str(error).split()))
    if len(detail) > REPORT_DETAIL_CHARS:
        detail = detail[: REPORT_DETAIL_CHARS - 1] + "…"
    text = t(
        "error.report",
        locale,
        kind=type(error).__name__,
        detail=detail or "—",
        update_id=str(update_id) if update_id is not None else "—",
    )
    if left_out:
        text += "\n" + t("error.report_left_out", locale, count=left_out)
    return text


async def report(error: BaseException, update_id: int | None, context: BotContext) -> None:
    """Tell the admins, unless the same error type was reported within the window."""
    services = context.services
    kind = f"{type(error).__module__}.{type(error).__qualname__}"
    left_out = services.error_reports.admit(kind)
    if left_out is None:
        log.info("error report for %s left out: reported within the window", kind)
        return
    text = report_text(error, update_id, left_out, services.settings.locale)
    await alert_of(context.bot_data)(text)


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
