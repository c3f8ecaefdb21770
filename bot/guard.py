"""The one permission check: ``@requires(Role.MODERATOR)`` in front of every privileged handler.

The caller's role is resolved on every call (no cache: a revoked right is gone at once); a
refusal is the same short, localised sentence everywhere (for a button, the answer to the tap)
and every refused attempt is logged and audited (once, here: handlers never audit refusals).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.context import BotContext
from bot.i18n import t
from bot.services.roles import allows
from storage.enums import AuditAction, Role

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
            await _audit_refusal(update, context, handler.__name__, role, required)
            await refuse(update, context.locale)

        return guarded

    return decorate


def _attempt(update: Update) -> str:
    """What was tried, for the audit log: the command word or the button's data (capped)."""
    if update.callback_query is not None:
        return f"button:{(update.callback_query.data or '')[:64]}"
    message = update.effective_message
    words = (message.text or message.caption or "").split() if message is not None else []
    return f"command:{words[0][:64]}" if words else "command:"


async def _audit_refusal(
    update: Update, context: BotContext, handler: str, role: Role | None, required: Role
) -> None:
    user, chat = update.effective_user, update.effective_chat
    details = {
        "handler": handler,
        "role": role.value if role else None,
        "needs": required.value,
        "chat_id": chat.id if chat else None,
    }
    try:
        await context.services.audit.record(
            user.id if user else None, AuditAction.REFUSED, _attempt(update), details
        )
    except Exception:  # the refusal still goes out; the log line above records the attempt
        log.exception("could not audit a refused %s", handler)


async def refuse(update: Update, locale: str) -> None:
    """Tell the caller, politely, that this is not theirs to do."""
    text = t("guard.refused", locale)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


# A group's admins change rarely; a minute's cache spares a getChatMember call per tap on a
# busy group's picker, and a demoted admin loses the right within that minute.
GROUP_ADMIN_TTL_S = 60.0
_ADMIN_CACHE_KEY = "group_admin_cache"
_ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


async def is_group_admin(
    update: Update, context: BotContext, *, clock: Callable[[], float] = time.monotonic
) -> bool:
    """True in private chats, and in groups for the group's admins (getChatMember, cached)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if user is None:
        return False
    cache: dict[tuple[int, int], tuple[float, bool]] = context.bot_data.setdefault(
        _ADMIN_CACHE_KEY, {}
    )
    now = clock()
    cached = cache.get((chat.id, user.id))
    if cached is not None and now - cached[0] < GROUP_ADMIN_TTL_S:
        return cached[1]
    member = await context.bot.get_chat_member(chat.id, user.id)
    allowed = member.status in _ADMIN_STATUSES
    cache[(chat.id, user.id)] = (now, allowed)
    return allowed


def group_admins_only(handler: Handler) -> Handler:
    """Run the handler in private chats, and in groups only for the group's admins."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if await is_group_admin(update, context):
            await handler(update, context)
            return
        log.info(
            "refused %s to non-admin %s in group %s",
            handler.__name__,
            update.effective_user.id if update.effective_user else None,
            update.effective_chat.id if update.effective_chat else None,
        )
        text = t("guard.group_admins_only", context.locale)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)

    return guarded
