"""Which topics a subscriber follows: everything (``all_topics``) or a chosen set of topics."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ArticleTopic, Subscriber, SubscriberTopic, Topic, utcnow
from storage.repositories.articles import TopicRef, topics_for


async def chosen_slugs(session: AsyncSession, chat_id: int) -> set[str]:
    rows = await session.scalars(
        select(Topic.slug)
        .join(SubscriberTopic, SubscriberTopic.topic_id == Topic.id)
        .where(SubscriberTopic.chat_id == chat_id)
    )
    return set(rows.all())


async def active_subscriber(session: AsyncSession, chat_id: int) -> Subscriber | None:
    found = await session.get(Subscriber, chat_id)
    return found if found is not None and found.active else None


async def choose(
    session: AsyncSession, subscriber: Subscriber, sections: Sequence[TopicRef] | None
) -> None:
    """Follow exactly ``sections`` (their topic rows are made if no feed named them yet), or
    every topic when ``sections`` is None or empty: a reader never ends up following nothing."""
    await session.execute(
        delete(SubscriberTopic).where(SubscriberTopic.chat_id == subscriber.chat_id)
    )
    subscriber.updated_at = utcnow()
    if not sections:
        subscriber.all_topics = True
        return
    topics = await topics_for(session, sections)
    session.add_all(
        SubscriberTopic(chat_id=subscriber.chat_id, topic_id=topic.id) for topic in topics.values()
    )
    subscriber.all_topics = False
    await session.flush()


async def most_used(session: AsyncSession, limit: int) -> list[TopicRef]:
    """The topics the most articles carry, most used first (the picker's last resort)."""
    rows = await session.execute(
        select(Topic.name, Topic.slug)
        .join(ArticleTopic, ArticleTopic.topic_id == Topic.id)
        .group_by(Topic.id, Topic.name, Topic.slug)
        .order_by(func.count().desc(), Topic.slug)
        .limit(limit)
    )
    return [TopicRef(name, slug) for name, slug in rows.all()]
