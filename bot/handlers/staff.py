"""Owners' commands for the staff: /admins, /addadmin, /addmod, /removeadmin, /removemod.

Each names one person by numeric id, by an @username the bot has seen, or by being sent as a
reply to that person's message. Every change is audited by the service and republishes the
person's command menu.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application

from bot.context import BotContext
from bot.guard import requires
from bot.handlers.common import command
from bot.handlers.role_menu import refresh_menu
from bot.i18n import Markup, t_html
from bot.services.people import Person
from bot.services.staff import Change, Changed, Member, TargetProblem, parse_target
from storage.enums import Role


def _replied(message: Message) -> tuple[Person | None, bool]:
    """The author of the message this command replies to, and whether it is a bot."""
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    if author is None:
        return None, False
    return Person(author.id, author.username, author.full_name), author.is_bot


def _outcome_text(changed: Changed, *, granted: bool, locale: str) -> Markup:
    """The answer to a grant or a revoke, one message per outcome (literal keys)."""
    name, admin = changed.person.label, changed.role is Role.ADMIN
    match changed.outcome:
        case Change.DONE if granted and admin:
            return t_html("staff.admin_added", locale, name=name)
        case Change.DONE if granted:
            return t_html("staff.moderator_added", locale, name=name)
        case Change.DONE if admin:
            return t_html("staff.admin_removed", locale, name=name)
        case Change.DONE:
            return t_html("staff.moderator_removed", locale, name=name)
        case Change.SWITCHED if admin:
            return t_html("staff.admin_switched", locale, name=name)
        case Change.SWITCHED:
            return t_html("staff.moderator_switched", locale, name=name)
        case Change.ALREADY if admin:
            return t_html("staff.already_admin", locale, name=name)
        case Change.ALREADY:
            return t_html("staff.already_moderator", locale, name=name)
        case Change.NOT_IN_ROLE if admin:
            return t_html("staff.not_admin", locale, name=name)
        case Change.NOT_IN_ROLE:
            return t_html("staff.not_moderator", locale, name=name)
        case Change.OWNER:
            return t_html("staff.owner", locale, name=name)
        case Change.LAST_OWNER:
            return t_html("staff.last_owner", locale, name=name)
        case Change.OUTRANKED:
            return t_html("staff.outranked", locale, name=name)
        case Change.UNKNOWN_USERNAME:
            return t_html("staff.unknown_username", locale, username=changed.person.username)


async def _change_role(
    update: Update, context: BotContext, name: str, role: Role, *, grant: bool
) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    replied, is_bot = _replied(message)
    target = parse_target(context.args or [], replied, replied_is_bot=is_bot)
    if target is TargetProblem.USAGE:
        text = t_html("staff.usage", context.locale, command=f"/{name}")
    elif target is TargetProblem.BOT:
        text = t_html("staff.bot", context.locale)
    else:
        assert not isinstance(target, TargetProblem)
        staff = context.services.staff
        changed = await (staff.grant if grant else staff.revoke)(user.id, target, role)
        if changed.changed:
            user_id = changed.person.user_id
            await refresh_menu(context.bot, context.bot_data, user_id, changed.after)
        text = _outcome_text(changed, granted=grant, locale=context.locale)
    await message.reply_text(text, parse_mode=ParseMode.HTML)


@requires(Role.OWNER)
async def add_admin(update: Update, context: BotContext) -> None:
    """/addadmin <id | @username>, or as a reply: make that person an admin."""
    await _change_role(update, context, "addadmin", Role.ADMIN, grant=True)


@requires(Role.OWNER)
async def add_moderator(update: Update, context: BotContext) -> None:
    """/addmod <id | @username>, or as a reply: make that person a moderator."""
    await _change_role(update, context, "addmod", Role.MODERATOR, grant=True)


@requires(Role.OWNER)
async def remove_admin(update: Update, context: BotContext) -> None:
    """/removeadmin <id | @username>, or as a reply: that person is no longer an admin."""
    await _change_role(update, context, "removeadmin", Role.ADMIN, grant=False)


@requires(Role.OWNER)
async def remove_moderator(update: Update, context: BotContext) -> None:
    """/removemod <id | @username>, or as a reply: that person is no longer a moderator."""
    await _change_role(update, context, "removemod", Role.MODERATOR, grant=False)


def _members(members: list[Member], role: Role, locale: str) -> Markup:
    lines = [
        t_html("staff.member", locale, name=m.person.label, user_id=str(m.person.user_id))
        for m in members
        if m.role is role
    ]
    return Markup("\n".join(lines)) if lines else t_html("staff.none", locale)


@requires(Role.OWNER)
async def list_staff(update: Update, context: BotContext) -> None:
    """/admins: the owners, admins and moderators, by name."""
    message = update.effective_message
    if message is None:
        return
    members = await context.services.staff.members()
    locale = context.locale
    text = t_html(
        "staff.list",
        locale,
        owners=_members(members, Role.OWNER, locale),
        admins=_members(members, Role.ADMIN, locale),
        moderators=_members(members, Role.MODERATOR, locale),
    )
    await message.reply_text(text, parse_mode=ParseMode.HTML)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("admins", list_staff))
    application.add_handler(command("addadmin", add_admin))
    application.add_handler(command("addmod", add_moderator))
    application.add_handler(command("removeadmin", remove_admin))
    application.add_handler(command("removemod", remove_moderator))
