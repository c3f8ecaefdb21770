"""What /start says: the greeting for who the reader is, then the topic picker's invitation."""

from __future__ import annotations

from telegram import Chat, User

from bot.handlers.common import display_name
from bot.handlers.settings import describe
from bot.i18n import t
from bot.services.onboarding import Arrival, LinkedTopic
from bot.services.subscriptions import Joined


def greeting(arrival: Arrival, chat: Chat, user: User | None, locale: str) -> str:
    """The welcome (Telegram HTML) for a new, returning or already subscribed reader."""
    if chat.type != Chat.PRIVATE:
        return t("start.welcome_group", locale)
    name = display_name(user, locale)
    welcome = arrival.welcome
    match welcome.joined:
        case Joined.NEW if arrival.topic is not None:
            return t("start.welcome_topic", locale, name=name, topic=arrival.topic.name)
        case Joined.NEW:
            return t("start.welcome", locale, name=name)
        case Joined.RESUMED if welcome.settings is not None:
            settings = describe(welcome.settings, locale)
            return t("start.welcome_resumed", locale, name=name, settings=settings)
        case Joined.RESUMED:
            return t("start.welcome", locale, name=name)
        case Joined.ALREADY:
            return t("start.welcome_back", locale, name=name)


def invitation(arrival: Arrival, locale: str) -> str:
    """The line above the picker: what the deep link's section did, or how to pick."""
    match arrival.linked:
        case LinkedTopic.UNKNOWN:
            return t("start.topic_unknown", locale)
        case LinkedTopic.FOLLOWED if arrival.topic and arrival.welcome.joined is not Joined.NEW:
            if arrival.picker is not None and arrival.picker.all_topics:
                return t("start.topic_included", locale, topic=arrival.topic.name)
            return t("start.topic_added", locale, topic=arrival.topic.name)
        case _:
            return t("topics.prompt", locale)


def start_text(arrival: Arrival, chat: Chat, user: User | None, locale: str) -> str:
    """The greeting with the invitation below it, one message carrying the picker."""
    welcome = greeting(arrival, chat, user, locale)
    if arrival.picker is None:
        return welcome
    return t("start.with_picker", locale, welcome=welcome, pick=invitation(arrival, locale))
