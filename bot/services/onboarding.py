"""/start as a whole: subscribe (or welcome back), follow a deep link's section, remember where
the reader came from, and open the topic picker.

Deep links (``https://t.me/<bot>?start=<payload>``, Telegram allows ``[A-Za-z0-9_-]{1,64}``):

* ``topic_<slug>``: follow that section (a newcomer follows only it);
* ``src_<tag>``: where the reader came from (``web``, ``qr``, ``facebook``…), kept in
  ``subscribers.source`` for /stats: lower-cased, ``[a-z0-9_-]`` only, at most 32 characters,
  set once (a returning reader keeps where they first came from).

Anything else after /start is ignored: the reader still gets the plain welcome.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.services.subscriptions import Joined, Reader, Subscriptions, Welcome
from bot.services.topics import Picker, Refused, TopicChoice
from storage.repositories.articles import TopicRef

MAX_SOURCE = 32
MAX_PAYLOAD = 64  # Telegram's limit for a start parameter
_SOURCE_CHARS = re.compile(r"[^a-z0-9_-]+")
_SLUG = re.compile(r"[a-z0-9-]{1,48}")


@dataclass(frozen=True, slots=True)
class StartLink:
    """What a /start deep link asked for; ``topic`` is the slug as typed (checked later)."""

    topic: str | None = None
    source: str | None = None


def parse_start(args: Sequence[str]) -> StartLink:
    """``/start``, ``/start topic_the-thao``, ``/start src_qr``; anything else is a plain start."""
    if not args:
        return StartLink()
    payload = args[0][:MAX_PAYLOAD]
    if payload.startswith("topic_"):
        return StartLink(topic=payload.removeprefix("topic_").lower())
    if payload.startswith("src_"):
        source = _SOURCE_CHARS.sub("", payload.removeprefix("src_").lower())[:MAX_SOURCE]
        return StartLink(source=source or None)
    return StartLink()


class LinkedTopic(StrEnum):
    """What became of a deep link's section."""

    NONE = "none"  # no topic in the link
    FOLLOWED = "followed"
    UNKNOWN = "unknown"  # not a section (an old link, a typo)


@dataclass(frozen=True, slots=True)
class Arrival:
    """Everything /start answers with: the greeting's facts, the link's section, the picker."""

    welcome: Welcome
    linked: LinkedTopic
    topic: TopicRef | None
    picker: Picker | None  # None only if the chat is not subscribed after all (a race)


class Onboarding:
    def __init__(self, subscriptions: Subscriptions, topics: TopicChoice) -> None:
        self._subscriptions = subscriptions
        self._topics = topics

    async def start(self, reader: Reader, link: StartLink) -> Arrival:
        """Subscribe the reader (old preferences kept), apply the link, open the picker."""
        welcome = await self._subscriptions.welcome(replace(reader, source=link.source))
        linked, topic = LinkedTopic.NONE, None
        if link.topic is not None:
            followed: TopicRef | Refused = Refused.UNKNOWN_TOPIC
            if _SLUG.fullmatch(link.topic):
                only = welcome.joined is Joined.NEW
                followed = await self._topics.follow(reader.chat_id, link.topic, only=only)
            if isinstance(followed, Refused):
                linked = LinkedTopic.UNKNOWN
            else:
                linked, topic = LinkedTopic.FOLLOWED, followed
        picker = await self._topics.picker(reader.chat_id)
        return Arrival(welcome, linked, topic, None if isinstance(picker, Refused) else picker)
