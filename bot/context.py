"""The handlers' context: ``context.services`` and ``context.locale`` instead of a preamble.

Registered through python-telegram-bot's ``ContextTypes(context=...)``; the composition root
passes ``CONTEXT_TYPES`` to the application builder.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import pick_locale
from bot.services import Services, services_of


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """A CallbackContext that knows the services and the language of the person it serves."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._language_code: str | None = None

    @classmethod
    def from_update(
        cls,
        update: object,
        application: Application,  # type: ignore[type-arg]
    ) -> BotContext:
        context = super().from_update(update, application)
        if isinstance(update, Update) and update.effective_user is not None:
            context._language_code = update.effective_user.language_code
        return context

    @property
    def services(self) -> Services:
        return services_of(self.bot_data)

    @property
    def locale(self) -> str:
        """English when Telegram says the user's language is English, else the default."""
        return pick_locale(self._language_code, self.services.settings.locale)


CONTEXT_TYPES = ContextTypes(context=BotContext)
