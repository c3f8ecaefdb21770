"""The command menu Telegram shows beside the text field."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.i18n import LOCALES, t


def bot_commands(locale: str) -> list[BotCommand]:
    """The command menu in one language (literal keys, so every message can be found)."""
    return [
        BotCommand("start", t("command.start", locale)),
        BotCommand("latest", t("command.latest", locale)),
        BotCommand("search", t("command.search", locale)),
        BotCommand("topics", t("command.topics", locale)),
        BotCommand("settings", t("command.settings", locale)),
        BotCommand("quiet", t("command.quiet", locale)),
        BotCommand("digest", t("command.digest", locale)),
        BotCommand("lang", t("command.lang", locale)),
        BotCommand("name", t("command.name", locale)),
        BotCommand("stop", t("command.stop", locale)),
        BotCommand("help", t("command.help", locale)),
    ]


async def set_command_menu(bot: Bot) -> None:
    """Publish the command menu: Vietnamese as the default, English for English clients."""
    await bot.set_my_commands(bot_commands("vi"))
    for locale in LOCALES:
        await bot.set_my_commands(bot_commands(locale), language_code=locale)
