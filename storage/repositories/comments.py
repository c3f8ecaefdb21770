"""Reader comments: stored, found, decided once, and queued for the WordPress relay.

Takes and returns its own plain types; the rules live in ``bot.services.comment_rules``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import CommentSource, CommentStatus, MessageKind, RelayStatus
from storage.models import (
    Article,
    Comment,
    CommentAuthor,
    CommentPrompt,
    CommentThread,
    Delivery,
)
from storage.repositories.enqueue import rowcount


@dataclass(frozen=True, slots=True)
class ArticleBrief:
    id: int
    title: str
    url: str | None  # None: the feed item had no link
    guid: str


@dataclass(frozen=True, slots=True)
class StoredComment:
    id: int
    article: ArticleBrief
    user_id: int
    chat_id: int
    author_name: str
    text: str
    status: CommentStatus
    source: CommentSource
    held_because: str | None
    created_at: datetime
    moderated_by: int | None
    moderator_name: str | None
    moderated_at: datetime | None
    relay_status: RelayStatus | None
    relay_attempts: int
    wp_comment_id: int | None


def _brief(article: Article) -> ArticleBrief:
    return ArticleBrief(article.id, article.title, article.url, article.guid)


def _stored(comment: Comment, article: Article) -> StoredComment:
    return StoredComment(
        id=comment.id,
        article=_brief(article),
        user_id=comment.user_id,
        chat_id=comment.chat_id,
        author_name=comment.author_name,
        text=comment.text,
        status=comment.status,
        source=comment.source,
        held_because=comment.held_because,
        created_at=comment.created_at,
        moderated_by=comment.moderated_by,
        moderator_name=comment.moderator_name,
        moderated_at=comment.moderated_at,
        relay_status=comment.relay_status,
        relay_attempts=comment.relay_attempts,
        wp_comment_id=comment.wp_comment_id,
    )


_WITH_ARTICLE = select(Comment, Article).join(Article, Article.id == Comment.article_id)


def _insert(session: AsyncSession, table: type[Any]) -> Any:
    """The engine's INSERT, for ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# ------------------------------------------------------------------------ finding the article


async def article(session: AsyncSession, article_id: int) -> ArticleBrief | None:
    found = await session.execute(
        select(Article.id, Article.title, Article.url, Article.guid).where(Article.id == article_id)
    )
    row = found.first()
    return None if row is None else ArticleBrief(*row)


async def article_of_message(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """The article the bot's message ``message_id`` in ``chat_id`` showed (from the outbox)."""
    return await session.scalar(
        select(Delivery.article_id)
        .where(
            Delivery.chat_id == chat_id,
            Delivery.message_id == message_id,
            Delivery.message_kind == MessageKind.ARTICLE,
            Delivery.article_id.is_not(None),
        )
        .limit(1)
    )


async def record_thread(
    session: AsyncSession,
    article_id: int,
    *,
    channel_chat_id: int,
    group_chat_id: int,
    group_message_id: int,
    now: datetime,
) -> bool:
    """Remember a channel post's automatic forward in its discussion group (once).

    INSERT … ON CONFLICT DO NOTHING: the forward and the first reply to it may be handled at
    the same moment (updates are handled concurrently), and both record the thread.
    """
    statement = (
        _insert(session, CommentThread)
        .values(
            article_id=article_id,
            channel_chat_id=channel_chat_id,
            group_chat_id=group_chat_id,
            group_message_id=group_message_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["group_chat_id", "group_message_id"])
    )
    return rowcount(await session.execute(statement)) == 1


async def article_of_thread(
    session: AsyncSession, group_chat_id: int, group_message_id: int
) -> int | None:
    found = await session.scalar(
        select(CommentThread.article_id).where(
            CommentThread.group_chat_id == group_chat_id,
            CommentThread.group_message_id == group_message_id,
        )
    )
    return None if found is None else int(found)


async def threads_of(session: AsyncSession, article_id: int) -> list[tuple[int, int]]:
    """(group chat, message id) of every discussion thread the article has."""
    rows = await session.execute(
        select(CommentThread.group_chat_id, CommentThread.group_message_id)
        .where(CommentThread.article_id == article_id)
        .order_by(CommentThread.id)
    )
    return [(int(chat), int(message)) for chat, message in rows.all()]


# ------------------------------------------------------------------------------- prompts


async def open_prompt(
    session: AsyncSession,
    user_id: int,
    article_id: int,
    source: CommentSource,
    expires_at: datetime,
) -> None:
    """The reader's next message is a comment on ``article_id`` (replaces an older prompt).

    An upsert: two taps on 💬 at once must not collide on the reader's key.
    """
    statement = _insert(session, CommentPrompt).values(
        user_id=user_id, article_id=article_id, source=source, expires_at=expires_at
    )
    replaced = {name: statement.excluded[name] for name in ("article_id", "source", "expires_at")}
    await session.execute(
        statement.on_conflict_do_update(index_elements=["user_id"], set_=replaced)
    )


async def take_prompt(
    session: AsyncSession, user_id: int, now: datetime
) -> tuple[int, CommentSource] | None:
    """The reader's open prompt (article, source), closing it; None if none or expired."""
    prompt = await session.get(CommentPrompt, user_id)
    if prompt is None:
        return None
    found = (prompt.article_id, prompt.source) if prompt.expires_at > now else None
    await session.delete(prompt)
    return found


async def peek_prompt(
    session: AsyncSession, user_id: int, now: datetime
) -> tuple[int, CommentSource] | None:
    """The reader's open, unexpired prompt (article, source), left open."""
    prompt = await session.get(CommentPrompt, user_id)
    if prompt is None or prompt.expires_at <= now:
        return None
    return prompt.article_id, prompt.source


async def expired_prompt(
    session: AsyncSession, user_id: int, now: datetime, grace: timedelta
) -> bool:
    """Whether the reader's prompt expired less than ``grace`` ago (it is closed now)."""
    prompt = await session.get(CommentPrompt, user_id)
    if prompt is None or prompt.expires_at > now:
        return False
    await session.delete(prompt)
    return now - prompt.expires_at < grace


async def drop_prompt(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """Close the reader's prompt; whether one was open (and not expired)."""
    return await take_prompt(session, user_id, now) is not None


# ----------------------------------------------------------------------------- authors


async def pseudonym_of(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(
        select(CommentAuthor.pseudonym).where(CommentAuthor.user_id == user_id)
    )


async def set_pseudonym(
    session: AsyncSession, user_id: int, pseudonym: str | None, now: datetime
) -> None:
    author = await session.get(CommentAuthor, user_id)
    if author is None:
        session.add(CommentAuthor(user_id=user_id, pseudonym=pseudonym, updated_at=now))
    else:
        author.pseudonym, author.updated_at = pseudonym, now


# ------------------------------------------------------------------------ storing, history


async def history(
    session: AsyncSession, user_id: int, since: datetime
) -> tuple[int, list[tuple[datetime, str]]]:
    """The reader's approved comments (count, ever) and every comment since ``since``."""
    approved = await session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.user_id == user_id, Comment.status == CommentStatus.APPROVED)
    )
    recent = await session.execute(
        select(Comment.created_at, Comment.text)
        .where(Comment.user_id == user_id, Comment.created_at >= since)
        .order_by(Comment.created_at)
    )
    return int(approved or 0), [(at, text) for at, text in recent.all()]


async def add(
    session: AsyncSession,
    *,
    article_id: int,
    user_id: int,
    chat_id: int,
    author_name: str,
    text: str,
    source: CommentSource,
    status: CommentStatus,
    held_because: str | None,
    now: datetime,
) -> int:
    comment = Comment(
        article_id=article_id,
        user_id=user_id,
        chat_id=chat_id,
        author_name=author_name,
        text=text,
        source=source,
        status=status,
        held_because=held_because,
        created_at=now,
        relay_attempts=0,
    )
    session.add(comment)
    await session.flush()
    return comment.id


async def get(session: AsyncSession, comment_id: int) -> StoredComment | None:
    row = (await session.execute(_WITH_ARTICLE.where(Comment.id == comment_id))).first()
    return None if row is None else _stored(*row)


async def get_many(session: AsyncSession, comment_ids: Sequence[int]) -> list[StoredComment]:
    """The comments with these ids, in the order given (missing ones left out)."""
    rows = await session.execute(_WITH_ARTICLE.where(Comment.id.in_(list(comment_ids))))
    found = {stored.id: stored for stored in (_stored(*row) for row in rows.all())}
    return [found[i] for i in comment_ids if i in found]


async def pending(session: AsyncSession, limit: int) -> tuple[int, list[StoredComment]]:
    """How many comments wait, and the oldest ``limit`` of them."""
    total = await session.scalar(
        select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.PENDING)
    )
    rows = await session.execute(
        _WITH_ARTICLE.where(Comment.status == CommentStatus.PENDING)
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    )
    return int(total or 0), [_stored(*row) for row in rows.all()]


async def approved_counts(session: AsyncSession, article_ids: Sequence[int]) -> dict[int, int]:
    """Approved comments per article (articles without any are absent)."""
    if not article_ids:
        return {}
    rows = await session.execute(
        select(Comment.article_id, func.count())
        .where(Comment.article_id.in_(list(article_ids)), Comment.status == CommentStatus.APPROVED)
        .group_by(Comment.article_id)
    )
    return {article_id: int(n) for article_id, n in rows.all()}


async def approved_for(
    session: AsyncSession, article_id: int, limit: int, offset: int = 0
) -> tuple[int, list[StoredComment]]:
    """How many approved comments the article has, and ``limit`` of them from ``offset``,
    newest first."""
    mine = and_(Comment.article_id == article_id, Comment.status == CommentStatus.APPROVED)
    total = await session.scalar(select(func.count()).select_from(Comment).where(mine))
    rows = await session.execute(
        _WITH_ARTICLE.where(mine)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return int(total or 0), [_stored(*row) for row in rows.all()]


async def decide(
    session: AsyncSession,
    comment_id: int,
    status: CommentStatus,
    *,
    moderator_id: int,
    moderator_name: str,
    now: datetime,
) -> bool:
    """Decide a pending comment; False when someone else decided it first.

    One conditional UPDATE (``WHERE status = 'pending'``): of two moderators tapping at once,
    exactly one changes the row, on SQLite and PostgreSQL alike, without a lock held across
    a Telegram call.
    """
    result = await session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.PENDING)
        .values(
            status=status,
            moderated_by=moderator_id,
            moderator_name=moderator_name,
            moderated_at=now,
        )
    )
    return rowcount(result) == 1


async def card_messages(session: AsyncSession, ref: str) -> list[tuple[int, int]]:
    """(chat, message id) of the sent moderation cards with this outbox ``ref``."""
    rows = await session.execute(
        select(Delivery.chat_id, Delivery.message_id).where(
            Delivery.ref == ref,
            Delivery.message_kind == MessageKind.COMMENT_CARD,
            Delivery.message_id.is_not(None),
        )
    )
    return [(int(chat), int(message)) for chat, message in rows.all()]
