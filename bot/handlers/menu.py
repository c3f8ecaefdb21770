"""The command menu Telegram shows beside the text field."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.handlers import subscriber
from bot.i18n import LOCALES, t


def bot_commands(locale: str) -> list[BotCommand]:
    """The command menu in one language."""
    # One literal key per command, so the catalogue test can see each one.
    descriptions = {
        "start": t("command.start", locale),
        "stop": t("command.stop", locale),
        "help": t("command.help", locale),
    }
    return [BotCommand(name, descriptions[name]) for name in subscriber.COMMANDS]


async def set_command_menu(bot: Bot) -> None:
    """Publish the command menu: Vietnamese as the default, English for English clients."""
    await bot.set_my_commands(bot_commands("vi"))
    for locale in LOCALES:
        await bot.set_my_commands(bot_commands(locale), language_code=locale)
