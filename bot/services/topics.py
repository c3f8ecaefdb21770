"""The topic picker's rules: which sections are offered and what a tap on one does.

The picker offers the station's sections from configuration (``NEWSBOT_SECTIONS``), never every
``<category>`` a feed lists: WordPress lists tags there too, hundreds of them on a busy site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.news.topics import slugify, topic_name
from storage.db import Database
from storage.repositories import reader_topics
from storage.repositories.articles import TopicRef


class Refused(StrEnum):
    """Why a tap on the picker changed nothing."""

    NOT_SUBSCRIBED = "not_subscribed"
    UNKNOWN_TOPIC = "unknown_topic"  # a section no longer configured (an old message's button)


@dataclass(frozen=True, slots=True)
class Picker:
    """What the picker shows: every section, and which are ticked (none when ``all_topics``)."""

    sections: tuple[TopicRef, ...]
    all_topics: bool
    chosen: frozenset[str]

    def names(self) -> list[str]:
        return [s.name for s in self.sections if s.slug in self.chosen]


def toggled(current: Picker, slug: str) -> frozenset[str]:
    """A tap on a section: from "all" it becomes the only one; otherwise it flips (the empty
    set means every topic again, so a reader never follows nothing)."""
    if current.all_topics:
        return frozenset({slug})
    return current.chosen ^ {slug}


class TopicChoice:
    def __init__(self, database: Database, sections: Sequence[str]) -> None:
        self._database = database
        refs = [TopicRef(topic_name(name), slugify(name)) for name in sections]
        self.sections = tuple({ref.slug: ref for ref in refs if ref.slug}.values())

    def _picker(self, all_topics: bool, chosen: set[str]) -> Picker:
        offered = {ref.slug for ref in self.sections}
        return Picker(self.sections, all_topics, frozenset(chosen & offered))

    async def picker(self, chat_id: int) -> Picker | Refused:
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            chosen = await reader_topics.chosen_slugs(session, chat_id)
            return self._picker(subscriber.all_topics, chosen)

    async def toggle(self, chat_id: int, slug: str) -> Picker | Refused:
        """Tick or untick one section."""
        if slug not in {ref.slug for ref in self.sections}:
            return Refused.UNKNOWN_TOPIC
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            chosen = await reader_topics.chosen_slugs(session, chat_id)
            wanted = toggled(self._picker(subscriber.all_topics, chosen), slug)
            refs = [ref for ref in self.sections if ref.slug in wanted]
            await reader_topics.choose(session, subscriber, refs)
            return self._picker(not refs, set(wanted))

    async def choose_all(self, chat_id: int) -> Picker | Refused:
        """Every topic, the sections and anything else the station publishes."""
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            await reader_topics.choose(session, subscriber, None)
            return self._picker(True, set())
