"""The handlers' context: ``context.services`` and ``context.locale`` instead of a preamble.

Registered through python-telegram-bot's ``ContextTypes(context=...)``; the composition root
passes ``CONTEXT_TYPES`` to the application builder.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import pick_locale
from bot.services import SERVICES_KEY, Services, services_of

log = logging.getLogger(__name__)


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
        self._stored_language: str | None = None

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

    async def refresh_data(self) -> None:
        """PTB calls this once per update, before the first handler: the chat's stored
        language is read here (one primary-key lookup), so ``locale`` stays a property."""
        await super().refresh_data()
        if self._chat_id is None or SERVICES_KEY not in self.bot_data:
            return
        try:
            self._stored_language = await self.services.preferences.language_of(self._chat_id)
        except Exception:  # the database is down: answer in Telegram's language meanwhile
            log.warning("stored language of chat %s not read", self._chat_id, exc_info=True)

    @property
    def services(self) -> Services:
        return services_of(self.bot_data)

    @property
    def locale(self) -> str:
        """The chat's stored language choice (``/lang en``) if any; else English when
        Telegram says the user's language is English; else the station's default."""
        if self._stored_language is not None:
            return self._stored_language
        return pick_locale(self._language_code, self.services.settings.locale)


CONTEXT_TYPES = ContextTypes(context=BotContext)
