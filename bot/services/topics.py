"""The topic picker's rules: which sections are offered and what a tap on one does.

The picker offers the station's sections (``bot.services.sections``: WordPress's categories,
``NEWSBOT_SECTIONS``, or the feeds' most used topics), never every ``<category>`` a feed lists:
WordPress lists tags there too, hundreds of them on a busy site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.services.sections import Sections
from storage.db import Database
from storage.repositories import reader_topics
from storage.repositories.articles import TopicRef as TopicRef  # re-exported for the handlers


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


def _picker(sections: tuple[TopicRef, ...], all_topics: bool, chosen: set[str]) -> Picker:
    offered = {ref.slug for ref in sections}
    return Picker(sections, all_topics, frozenset(chosen & offered))


class TopicChoice:
    def __init__(self, database: Database, sections: Sections | Sequence[str]) -> None:
        self._database = database
        self._sections = (
            sections if isinstance(sections, Sections) else Sections(database, sections)
        )

    async def sections(self) -> tuple[TopicRef, ...]:
        return await self._sections.current()

    async def picker(self, chat_id: int) -> Picker | Refused:
        sections = await self.sections()
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            chosen = await reader_topics.chosen_slugs(session, chat_id)
            return _picker(sections, subscriber.all_topics, chosen)

    async def toggle(self, chat_id: int, slug: str) -> Picker | Refused:
        """Tick or untick one section."""
        sections = await self.sections()
        if slug not in {ref.slug for ref in sections}:
            return Refused.UNKNOWN_TOPIC
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            chosen = await reader_topics.chosen_slugs(session, chat_id)
            wanted = toggled(_picker(sections, subscriber.all_topics, chosen), slug)
            refs = [ref for ref in sections if ref.slug in wanted]
            await reader_topics.choose(session, subscriber, refs)
            return _picker(sections, not refs, set(wanted))

    async def follow(self, chat_id: int, slug: str, *, only: bool) -> TopicRef | Refused:
        """A section's deep link (``/start topic_<slug>``): a reader who follows everything
        already gets it (unless ``only``: a newcomer who came for that section); a reader with
        chosen sections gains it."""
        sections = await self.sections()
        found = [ref for ref in sections if ref.slug == slug]
        if not found:
            return Refused.UNKNOWN_TOPIC
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            if subscriber.all_topics and not only:
                return found[0]
            chosen = (
                set()
                if subscriber.all_topics
                else await reader_topics.chosen_slugs(session, chat_id)
            )
            wanted = chosen | {slug}
            await reader_topics.choose(
                session, subscriber, [r for r in sections if r.slug in wanted]
            )
            return found[0]

    async def choose_all(self, chat_id: int) -> Picker | Refused:
        """Every topic, the sections and anything else the station publishes."""
        sections = await self.sections()
        async with self._database.session() as session:
            subscriber = await reader_topics.active_subscriber(session, chat_id)
            if subscriber is None:
                return Refused.NOT_SUBSCRIBED
            await reader_topics.choose(session, subscriber, None)
            return _picker(sections, True, set())
