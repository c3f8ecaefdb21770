"""The one permission check: ``@requires(Role.MODERATOR)`` in front of every privileged handler.

The caller's role is resolved on every call (no cache: a revoked right is gone at once); a
refusal is the same short, localised sentence everywhere (for a button, the answer to the tap)
and every refused attempt is logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.i18n import t
from bot.services.roles import allows
from storage.enums import Role

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def requires(required: Role) -> Callable[[Handler], Handler]:
    """Run the handler only for callers whose role is ``required`` or higher."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> None:
            user = update.effective_user
            role = None if user is None else await context.services.roles.role_of(user.id)
            if allows(role, required):
                await handler(update, context)
                return
            log.warning(
                "refused %s to user %s in chat %s: role %s, needs %s",
                handler.__name__,
                user.id if user else None,
                update.effective_chat.id if update.effective_chat else None,
                role or "none",
                required,
            )
            await refuse(update, context.locale)

        return guarded

    return decorate


async def refuse(update: Update, locale: str) -> None:
    """Tell the caller, politely, that this is not theirs to do."""
    text = t("guard.refused", locale)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
