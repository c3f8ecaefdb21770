"""/audit: the latest lines of the audit log for admins and owners, paged with ◀ ▶."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import AuditPageButton, decode_as, encode, matches
from bot.context import BotContext
from bot.guard import requires
from bot.handlers.common import command
from bot.i18n import Markup, format_datetime, t, t_html
from bot.services.audit import AuditLine, AuditPage
from storage.enums import AuditAction, Role

log = logging.getLogger(__name__)


def action_label(action: AuditAction | str, locale: str) -> str:
    """An action's name for people (literal keys); an unknown stored one as it is stored."""
    match action:
        case AuditAction.ADMIN_ADDED:
            return t("audit.action.admin_added", locale)
        case AuditAction.MODERATOR_ADDED:
            return t("audit.action.moderator_added", locale)
        case AuditAction.ADMIN_REMOVED:
            return t("audit.action.admin_removed", locale)
        case AuditAction.MODERATOR_REMOVED:
            return t("audit.action.moderator_removed", locale)
        case AuditAction.REFUSED:
            return t("audit.action.refused", locale)
        case AuditAction.COMMENT_APPROVE:
            return t("audit.action.comment_approve", locale)
        case AuditAction.COMMENT_REJECT:
            return t("audit.action.comment_reject", locale)
        case AuditAction.COMMENT_BAN:
            return t("audit.action.comment_ban", locale)
        case AuditAction.COMMENT_UNBAN:
            return t("audit.action.comment_unban", locale)
        case AuditAction.CHANNEL_ADD:
            return t("audit.action.channel_add", locale)
        case AuditAction.CHANNEL_IMAGES:
            return t("audit.action.channel_images", locale)
        case AuditAction.CHANNEL_SILENT:
            return t("audit.action.channel_silent", locale)
        case AuditAction.CHANNEL_COMMENTS:
            return t("audit.action.channel_comments", locale)
        case AuditAction.CHANNEL_TOPIC:
            return t("audit.action.channel_topic", locale)
        case AuditAction.CHANNEL_PAUSE:
            return t("audit.action.channel_pause", locale)
        case AuditAction.CHANNEL_RESUME:
            return t("audit.action.channel_resume", locale)
        case AuditAction.CHANNEL_REMOVE:
            return t("audit.action.channel_remove", locale)
        case AuditAction.FEED_ADD:
            return t("audit.action.feed_add", locale)
        case AuditAction.FEED_REMOVE:
            return t("audit.action.feed_remove", locale)
        case AuditAction.FEED_POLL_NOW:
            return t("audit.action.feed_poll_now", locale)
        case AuditAction.BROADCAST_SEND:
            return t("audit.action.broadcast_send", locale)
        case AuditAction.BROADCAST_DISCARD:
            return t("audit.action.broadcast_discard", locale)
        case AuditAction.BROADCAST_CANCEL:
            return t("audit.action.broadcast_cancel", locale)
        case _:
            return str(action)


def role_label(role: Role, locale: str) -> str:
    match role:
        case Role.OWNER:
            return t("role.owner", locale)
        case Role.ADMIN:
            return t("role.admin", locale)
        case Role.MODERATOR:
            return t("role.moderator", locale)


# Actions whose details name what ``target`` numbers (a channel's @name, a feed's URL, a
# section's slug): "feed:3" alone does not tell an admin which feed was removed.
_NAMED = frozenset(
    {AuditAction.CHANNEL_ADD, AuditAction.CHANNEL_TOPIC, AuditAction.FEED_ADD,
     AuditAction.FEED_REMOVE}
)  # fmt: skip


def _target(line: AuditLine, locale: str) -> str:
    """What the action was about; for a refusal also the role it needed."""
    target = line.target or "—"
    needs = line.details.get("needs") if line.action is AuditAction.REFUSED else None
    if isinstance(needs, str) and needs in tuple(Role):
        return t(
            "audit.refused_target", locale, target=target, role=role_label(Role(needs), locale)
        )
    named = line.details.get("value") if line.action in _NAMED else None
    if isinstance(named, str) and named:
        return t("audit.named_target", locale, target=target, name=named)
    return target


def _line(line: AuditLine, context: BotContext) -> Markup:
    actor = line.actor_name or (str(line.actor_id) if line.actor_id is not None else "—")
    return t_html(
        "audit.line",
        context.locale,
        when=format_datetime(line.when, context.locale, context.services.settings.timezone),
        actor=actor,
        action=action_label(line.action, context.locale),
        target=_target(line, context.locale),
    )


def _text(page: AuditPage, context: BotContext) -> Markup:
    if not page.lines:
        return t_html("audit.empty", context.locale)
    lines = Markup("\n".join(_line(line, context) for line in page.lines))
    return t_html("audit.page", context.locale, page=page.page + 1, pages=page.pages, lines=lines)


def _keyboard(page: AuditPage, context: BotContext) -> InlineKeyboardMarkup | None:
    buttons = []
    if page.has_previous:
        data = encode(AuditPageButton(page.page - 1))
        buttons.append(InlineKeyboardButton(t("audit.newer", context.locale), None, data))
    if page.has_next:
        data = encode(AuditPageButton(page.page + 1))
        buttons.append(InlineKeyboardButton(t("audit.older", context.locale), None, data))
    return InlineKeyboardMarkup([buttons]) if buttons else None


@requires(Role.ADMIN)
async def audit_log(update: Update, context: BotContext) -> None:
    """/audit: the newest lines of the audit log, with buttons to older ones."""
    message = update.effective_message
    if message is None:
        return
    page = await context.services.audit.page(0)
    await message.reply_text(
        _text(page, context), parse_mode=ParseMode.HTML, reply_markup=_keyboard(page, context)
    )


@requires(Role.ADMIN)
async def audit_page(update: Update, context: BotContext) -> None:
    """◀ ▶ under /audit: that page of the log in the same message."""
    query = update.callback_query
    if query is None:
        return
    button = decode_as(query.data, AuditPageButton)
    page = await context.services.audit.page(button.page)
    await query.answer()
    try:
        await query.edit_message_text(
            _text(page, context), parse_mode=ParseMode.HTML, reply_markup=_keyboard(page, context)
        )
    except BadRequest as error:  # the same page again (a double tap): nothing to redraw
        if "not modified" not in error.message.lower():
            raise
        log.debug("audit page %d unchanged", page.page)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("audit", audit_log))
    application.add_handler(CallbackQueryHandler(audit_page, pattern=matches(AuditPageButton)))
