"""What each role sees: the command menu per staff chat (``setMyCommands`` with a chat scope)
and the sections of /help.

Readers get the default menus (``bot.handlers.menu``); a moderator's, admin's or owner's
private chat gets the reader's commands plus those of every rank up to theirs, in Vietnamese
by default and in English for English clients, republished at start-up and whenever their
role changes. A chat the bot cannot reach (someone who never opened it) is logged and skipped:
Telegram answers ``chat not found`` for it, and the menu is set at the next change or start.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden

from bot.handlers import channel_admin, feed_admin
from bot.handlers.menu import bot_commands
from bot.i18n import LOCALES, Markup, t, t_html
from bot.services import services_of
from bot.services.roles import rank
from storage.enums import Role

log = logging.getLogger(__name__)

# People whose menu Telegram refused (they had never opened the bot), in ``bot_data``: their
# menu is set at their first message (``bot.handlers.people``).
MENU_PENDING_KEY = "staff_menu_pending"
MENU_DEFAULT_LOCALE = "vi"  # as the default menus: Vietnamese for clients in other languages
_RANKED = (Role.MODERATOR, Role.ADMIN, Role.OWNER)


def role_commands(role: Role, locale: str) -> list[BotCommand]:
    """The commands ``role`` adds to the rank below it (literal keys, so each can be found)."""
    match role:
        case Role.MODERATOR:
            return [
                BotCommand("pending", t("command.pending", locale)),
                BotCommand("unban", t("command.unban", locale)),
            ]
        case Role.ADMIN:
            return [
                *channel_admin.admin_menu(locale),
                *feed_admin.admin_menu(locale),
                BotCommand("broadcast", t("command.broadcast", locale)),
                BotCommand("stats", t("command.stats", locale)),
                BotCommand("audit", t("command.audit", locale)),
            ]
        case Role.OWNER:
            return [
                BotCommand("admins", t("command.admins", locale)),
                BotCommand("addadmin", t("command.addadmin", locale)),
                BotCommand("addmod", t("command.addmod", locale)),
                BotCommand("removeadmin", t("command.removeadmin", locale)),
                BotCommand("removemod", t("command.removemod", locale)),
            ]


def _held(role: Role | None) -> list[Role]:
    return [r for r in _RANKED if rank(r) <= rank(role)]


def staff_commands(role: Role, locale: str) -> list[BotCommand]:
    """A staff member's whole menu: the reader's, then each rank's up to ``role``."""
    commands = bot_commands(locale)
    for held in _held(role):
        commands += role_commands(held, locale)
    return commands


def _section(role: Role, locale: str) -> Markup:
    match role:
        case Role.MODERATOR:
            return t_html("help.moderator", locale)
        case Role.ADMIN:
            return t_html("help.admin", locale)
        case Role.OWNER:
            return t_html("help.owner", locale)


def help_text(role: Role | None, locale: str, *, private: bool = True) -> Markup:
    """/help: the reader's guide, then a section per rank the person holds (private chats
    only: a group's members need not read the staff's commands)."""
    parts = [t_html("help.text", locale)]
    if private:
        parts += [_section(held, locale) for held in _held(role)]
    return Markup("\n\n".join(parts))


async def publish_menu(bot: Bot, user_id: int, role: Role | None) -> bool:
    """Set (or, without a role, remove) one person's menu; False when Telegram refused it."""
    scope = BotCommandScopeChat(user_id)
    try:
        if role is None:
            await bot.delete_my_commands(scope=scope)
            for locale in LOCALES:
                await bot.delete_my_commands(scope=scope, language_code=locale)
            return True
        await bot.set_my_commands(staff_commands(role, MENU_DEFAULT_LOCALE), scope=scope)
        for locale in LOCALES:
            await bot.set_my_commands(
                staff_commands(role, locale), scope=scope, language_code=locale
            )
    except (BadRequest, Forbidden) as error:
        log.info("command menu of user %s not set (%s): %s", user_id, role, error.message)
        return False
    return True


def _pending(bot_data: dict[Any, Any]) -> set[int]:
    pending: set[int] = bot_data.setdefault(MENU_PENDING_KEY, set())
    return pending


async def refresh_menu(bot: Bot, bot_data: dict[Any, Any], user_id: int, role: Role | None) -> bool:
    """Publish one person's menu for ``role``, remembering a refusal for their next message."""
    published = await publish_menu(bot, user_id, role)
    if published:
        _pending(bot_data).discard(user_id)
    else:
        _pending(bot_data).add(user_id)
    return published


def menu_owed(bot_data: dict[Any, Any], user_id: int) -> bool:
    """Whether this person's menu could not be set yet."""
    return user_id in bot_data.get(MENU_PENDING_KEY, ())


async def publish_staff_menus(bot: Bot, bot_data: dict[Any, Any]) -> None:
    """Every staff member's menu (at start-up); those Telegram refuses are owed."""
    published = 0
    for member in await services_of(bot_data).staff.members():
        published += await refresh_menu(bot, bot_data, member.person.user_id, member.role)
    log.info("staff command menus set: %d", published)
