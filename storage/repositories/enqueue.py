"""Who gets a message: outbox rows written in bulk for articles, notices and any other kind.

An article row names its article (unique per article, chat and audience); every other kind
(:class:`~storage.enums.MessageKind`) carries a JSON ``payload``, rendered by its kind's
renderer in ``bot.delivery.render``/``bot.delivery.messages``, and a ``ref`` naming it, unique
per (ref, chat, audience), so enqueueing a message twice never doubles it. A row's audience
(:class:`~storage.enums.Audience`, stored in ``kind``) sets its priority through
:data:`PRIORITY`, the one table every enqueue here uses.

Adding a message kind: a :class:`~storage.enums.MessageKind` member, a renderer registered for
it in ``bot.delivery.messages``, and an enqueue function here (or calls of
:func:`enqueue_message` with a ``ref`` of the kind's own, e.g. ``"digest:2026-12-01"``).
Callers reach these through ``storage.repositories.deliveries``, which re-exports them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    any_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Audience, CommentMode, DeliveryStatus, MessageKind
from storage.models import (
    ArticleTopic,
    Channel,
    ChannelTopic,
    Delivery,
    DigestEdition,
    Subscriber,
    SubscriberTopic,
)

# Lower goes first: people waiting on a reply, then the station's channels, then instant
# pushes, then broadcasts and digests. Every enqueue takes its priority from here.
PRIORITY: Mapping[Audience, int] = {
    Audience.REPLY: 0,
    Audience.CHANNEL: 1,
    Audience.INSTANT: 2,
    Audience.BULK: 3,
}
EDIT_WINDOW = timedelta(hours=48)
# Rows written per INSERT when the recipients come as a list (bounded statement size).
_CHUNK = 500
# A digest group's chats per INSERT … SELECT: ids only (one bind each, far below the 32,766
# of SQLite and asyncpg), so a group of 100,000 is 20 statements rather than 200.
_DIGEST_CHUNK = 5000
_PENDING, _SENT = DeliveryStatus.PENDING, DeliveryStatus.SENT
_WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def priority(audience: Audience) -> int:
    """The claim order of a row for this audience (lower goes first)."""
    return PRIORITY[audience]


def encode_payload(payload: Mapping[str, Any]) -> str:
    """A payload as stored: canonical JSON, so equal payloads are equal strings (the sender
    parses and renders each distinct string once per batch)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def rowcount(result: Any) -> int:
    """Rows touched by an INSERT/UPDATE (a CursorResult; typed loosely by SQLAlchemy)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Delivery)


_ENQUEUE_COLUMNS = [
    "article_id", "chat_id", "kind", "message_kind", "priority", "status", "locale",
    "with_image", "silent", "payload", "ref", "expires_at", "due_at", "attempts",
    "sent_as_photo", "created_at", "with_buttons",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Message:
    """The columns every recipient of one message shares."""

    article_id: int | None
    kind: MessageKind
    payload: str | None
    ref: str | None
    now: datetime
    expires_at: datetime | None

    def rows_for(
        self,
        audience: Audience,
        chat: Any,
        silent: Any,
        with_buttons: Any = None,
        *,
        payload: Any = None,
        ref: Any = None,
    ) -> Any:
        """SELECT producing one outbox row per recipient, columns in ``_ENQUEUE_COLUMNS`` order.

        ``with_buttons`` (a SQL expression) picks the rendering variant; default: buttons on.
        ``payload`` and ``ref`` (SQL expressions) replace the message's own, e.g. with the
        columns of a joined table of several messages.
        """
        return select(
            literal(self.article_id, Integer),
            chat.chat_id,
            literal(audience.value, String),
            literal(self.kind.value, String),
            literal(priority(audience), Integer),
            literal(_PENDING.value, String),
            chat.language,
            chat.wants_images,
            silent,
            literal(self.payload, Delivery.payload.type) if payload is None else payload,
            literal(self.ref, Delivery.ref.type) if ref is None else ref,
            literal(self.expires_at, Delivery.expires_at.type),
            literal(self.now, Delivery.due_at.type),
            literal(0, Integer),
            literal(False, Boolean),
            literal(self.now, Delivery.created_at.type),
            literal(True, Boolean) if with_buttons is None else with_buttons,
        )


def _topic_audiences(message: _Message, topics: Any) -> tuple[Any, Any]:
    """The active channels and instant subscribers whose topics meet ``topics`` (a subquery of
    topic ids), as row SELECTs. Digest-only subscribers (``instant`` off) are not among them.
    Quiet hours are not decided here but when each message is sent (``bot.delivery.quiet``)."""
    channel_match = or_(
        Channel.all_topics.is_(True),
        exists().where(ChannelTopic.chat_id == Channel.chat_id, ChannelTopic.topic_id.in_(topics)),
    )
    subscriber_match = or_(
        Subscriber.all_topics.is_(True),
        exists().where(
            SubscriberTopic.chat_id == Subscriber.chat_id, SubscriberTopic.topic_id.in_(topics)
        ),
    )
    # A channel's own settings: silent posts, and no buttons in native comment mode.
    channels = message.rows_for(
        Audience.CHANNEL, Channel, Channel.silent, Channel.comment_mode == CommentMode.BUTTON.value
    ).where(Channel.active.is_(True), channel_match)
    # Readers' quiet hours are decided when a row is sent (``bot.delivery.quiet``), not here.
    instant = message.rows_for(Audience.INSTANT, Subscriber, literal(False, Boolean)).where(
        Subscriber.active.is_(True), Subscriber.instant.is_(True), subscriber_match
    )
    return channels, instant


async def _insert_from(session: AsyncSession, audiences: Sequence[Any], conflict: list[str]) -> int:
    written = 0
    for audience in audiences:
        statement = (
            _insert(session)
            .from_select(_ENQUEUE_COLUMNS, audience)
            .on_conflict_do_nothing(index_elements=conflict)
        )
        written += rowcount(await session.execute(statement))
    return written


async def enqueue_article(
    session: AsyncSession,
    article_id: int,
    *,
    now: datetime,
    expires_at: datetime | None = None,
) -> int:
    """Write one delivery row per matching channel and instant subscriber, in two statements.

    ``expires_at`` is when the article stops being news (None: never). Quiet hours are not
    decided here but when each row is sent. Returns the number of rows written (existing rows
    are left alone).
    """
    message = _Message(article_id, MessageKind.ARTICLE, None, None, now, expires_at)
    topics = select(ArticleTopic.topic_id).where(ArticleTopic.article_id == article_id)
    audiences = _topic_audiences(message, topics)
    return await _insert_from(session, audiences, ["article_id", "chat_id", "kind"])


async def enqueue_article_for_new_topics(
    session: AsyncSession,
    article_id: int,
    topic_ids: Sequence[int],
    *,
    now: datetime,
    expires_at: datetime | None = None,
) -> int:
    """An article already pushed gained ``topic_ids``: write its row for the channels and
    instant subscribers who chose one of them (readers of every topic had their chance when it
    was announced; a reader who got it already keeps their one row, by the unique constraint).

    Nothing is written for an article that was never pushed (backlog, or only in a burst's
    notice): its new section's readers would get a story nobody else was pushed.
    """
    if not topic_ids:
        return 0
    pushed = await session.scalar(
        select(Delivery.id)
        .where(Delivery.article_id == article_id, Delivery.message_kind == MessageKind.ARTICLE)
        .limit(1)
    )
    if pushed is None:
        return 0
    message = _Message(article_id, MessageKind.ARTICLE, None, None, now, expires_at)
    channels, instant = _topic_audiences(message, list(topic_ids))
    audiences = [
        channels.where(Channel.all_topics.is_(False)),
        instant.where(Subscriber.all_topics.is_(False)),
    ]
    return await _insert_from(session, audiences, ["article_id", "chat_id", "kind"])


async def enqueue_notice_for_articles(
    session: AsyncSession,
    article_ids: Sequence[int],
    *,
    ref: str,
    payload: Mapping[str, Any],
    now: datetime,
    expires_at: datetime | None = None,
) -> int:
    """One notice per channel and instant subscriber that would get at least one of
    ``article_ids`` (same topic matching as :func:`enqueue_article`).

    For a burst of items ("và 4.995 tin khác"): one message per reader instead of thousands.
    ``payload`` is ``{"key": <catalogue key>, "params": {...}}``, optionally with ``"url"``
    (a 📖 button). Deduplicated by (ref, chat, audience): enqueueing again writes nothing.
    """
    if not article_ids:
        return 0
    message = _Message(None, MessageKind.NOTICE, encode_payload(payload), ref, now, expires_at)
    topics = select(ArticleTopic.topic_id).where(ArticleTopic.article_id.in_(list(article_ids)))
    audiences = _topic_audiences(message, topics)
    return await _insert_from(session, audiences, ["ref", "chat_id", "kind"])


async def enqueue_message(
    session: AsyncSession,
    kind: MessageKind,
    chat_ids: Sequence[int],
    *,
    payload: Mapping[str, Any],
    ref: str,
    now: datetime,
    audience: Audience,
    locale: str = "vi",
    with_image: bool = True,
    silent: bool = False,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    """Queue one message (not an article) for each chat in ``chat_ids``.

    For messages to a known list of chats: admin notices, a broadcast's progress message, a
    comment post. A chat the bot knows as a subscriber or channel gets the message in its
    own language; any other chat gets ``locale``. Deduplicated by (ref, chat, audience).
    Returns the number of rows written.
    """
    if kind is MessageKind.ARTICLE:
        raise ValueError("articles are enqueued by enqueue_article")
    chats = list(dict.fromkeys(chat_ids))
    if not chats:
        return 0
    languages = await _languages(session, chats)
    encoded = encode_payload(payload)
    common = {
        "article_id": None,
        "kind": audience,
        "message_kind": kind,
        "priority": priority(audience),
        "status": _PENDING,
        "with_image": with_image,
        "silent": silent,
        "payload": encoded,
        "ref": ref,
        "expires_at": expires_at,
        "due_at": due_at or now,
        "attempts": 0,
        "sent_as_photo": False,
        "created_at": now,
    }
    written = 0
    for start in range(0, len(chats), _CHUNK):
        values = [
            {**common, "chat_id": chat, "locale": languages.get(chat, locale)}
            for chat in chats[start : start + _CHUNK]
        ]
        statement = (
            _insert(session)
            .values(values)
            .on_conflict_do_nothing(index_elements=["ref", "chat_id", "kind"])
        )
        written += rowcount(await session.execute(statement))
    return written


async def enqueue_to_subscribers(
    session: AsyncSession,
    kind: MessageKind,
    *,
    payload: Mapping[str, Any],
    ref: str,
    now: datetime,
    topic_id: int | None = None,
    audience: Audience = Audience.BULK,
    expires_at: datetime | None = None,
) -> int:
    """One message for every active subscriber (digest-only ones too), or for those who follow
    ``topic_id``, each in their language, in one INSERT … SELECT: a broadcast to 100,000
    readers writes its rows without a round trip per reader.

    Readers in their quiet hours when it is sent get it silently (decided by the sender).
    Deduplicated by (ref, chat, audience). Returns the
    number of rows written.
    """
    if kind is MessageKind.ARTICLE:
        raise ValueError("articles are enqueued by enqueue_article")
    message = _Message(None, kind, encode_payload(payload), ref, now, expires_at)
    readers = message.rows_for(audience, Subscriber, literal(False, Boolean)).where(
        Subscriber.active.is_(True)
    )
    if topic_id is not None:
        readers = readers.where(
            or_(
                Subscriber.all_topics.is_(True),
                exists().where(
                    SubscriberTopic.chat_id == Subscriber.chat_id,
                    SubscriberTopic.topic_id == topic_id,
                ),
            )
        )
    return await _insert_from(session, [readers], ["ref", "chat_id", "kind"])


async def _languages(session: AsyncSession, chat_ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(chat_ids), _CHUNK):
        chunk = list(chat_ids[start : start + _CHUNK])
        for table in (Channel, Subscriber):
            result = await session.execute(
                select(table.chat_id, table.language).where(table.chat_id.in_(chunk))
            )
            found.update({int(chat): str(language) for chat, language in result.all()})
    return found


async def request_edit(
    session: AsyncSession,
    kind: MessageKind,
    ref: str,
    payload: Mapping[str, Any],
    *,
    chat_id: int | None = None,
) -> int:
    """Change a queued or sent message (not an article): e.g. a broadcast's progress.

    Rows not sent yet simply go out with the new payload. Sent rows get it too and are marked
    for editing: ``edit_revision`` counts up from the last one, so an edit in flight that
    finishes after this call does not clear the newer request (see :func:`mark_edited`).
    A row in flight (``sending``) gets the new payload but may still show the old one.
    Returns the number of sent messages marked for editing.
    """
    if kind is MessageKind.ARTICLE:
        raise ValueError("articles are edited by request_edits, from their revision")
    encoded = encode_payload(payload)
    mine = [Delivery.message_kind == kind, Delivery.ref == ref]
    if chat_id is not None:
        mine.append(Delivery.chat_id == chat_id)
    await session.execute(
        update(Delivery).where(*mine, Delivery.status.in_(_WAITING)).values(payload=encoded)
    )
    result = await session.execute(
        update(Delivery)
        .where(*mine, Delivery.status == _SENT, Delivery.message_id.is_not(None))
        .values(
            payload=encoded,
            edit_revision=func.coalesce(Delivery.edit_revision, Delivery.sent_revision, 0) + 1,
        )
    )
    return rowcount(result)


async def request_redraw(session: AsyncSession, article_id: int, *, now: datetime) -> int:
    """The article's message changed without a new revision (its comment count): mark its
    messages sent in the last 48 hours for editing to the revision they show. Requests made
    before the sender gets there are one edit per message; a pending correction is kept."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.article_id == article_id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.message_id.is_not(None),
            Delivery.edit_revision.is_(None),
            Delivery.sent_at >= now - EDIT_WINDOW,
        )
        .values(edit_revision=func.coalesce(Delivery.sent_revision, 1))
    )
    return rowcount(result)


async def request_edits(
    session: AsyncSession, article_id: int, revision: int, *, now: datetime, published_at: datetime
) -> int:
    """After a correction, mark the article's sent messages for editing (within 48 hours)."""
    if now - published_at > EDIT_WINDOW:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.article_id == article_id,
            Delivery.status == _SENT,
            Delivery.message_id.is_not(None),
        )
        .values(edit_revision=revision)
    )
    return rowcount(result)


async def enqueue_digest(
    session: AsyncSession,
    chat_ids: Sequence[int],
    parts: Sequence[Mapping[str, Any]],
    *,
    day: str,
    now: datetime,
    expires_at: datetime | None = None,
    still: Sequence[Any] = (),
) -> int:
    """One digest edition (``parts``: its messages, in order) for each active subscriber in
    ``chat_ids`` (and meeting the conditions ``still``, e.g. still due); each message's ref
    is ``digest:<local date>:<part>``, unique per chat, so a day's edition is never doubled.
    Every part of a reader is written by one INSERT … SELECT (one per 5,000 readers on
    SQLite), so a reader whose settings change meanwhile gets the whole edition or none of
    it. Returns the number of rows written."""
    if not parts:
        return 0
    chats = list(dict.fromkeys(chat_ids))
    messages = []
    for number, payload in enumerate(parts, start=1):
        ref = f"digest:{day}:{number}"
        # The edition once; each row names it (a 4 KB payload per row cost 40 s per 100,000).
        edition = DigestEdition(ref=ref, payload=encode_payload(payload), created_at=now)
        session.add(edition)
        await session.flush()
        messages.append(
            select(
                literal(encode_payload({"edition": edition.id}), Delivery.payload.type).label(
                    "payload"
                ),
                literal(ref, Delivery.ref.type).label("ref"),
            )
        )
    edition_parts = union_all(*messages).subquery("parts")
    message = _Message(None, MessageKind.DIGEST, None, None, now, expires_at)
    written = 0
    for chosen in _digest_chats(session, chats):
        rows = message.rows_for(
            Audience.BULK, Subscriber, literal(False, Boolean),
            payload=edition_parts.c.payload, ref=edition_parts.c.ref,
        )  # fmt: skip
        readers = (
            rows.select_from(Subscriber)
            .join(edition_parts, true())
            .where(Subscriber.active.is_(True), chosen, *still)
        )
        written += await _insert_from(session, [readers], ["ref", "chat_id", "kind"])
    return written


def _digest_chats(session: AsyncSession, chats: list[int]) -> list[Any]:
    """The readers of one digest as WHERE conditions, one per statement to run: on
    PostgreSQL one ``= ANY`` of a single array parameter (5,000 bound ids a statement took
    PostgreSQL 3.2 s to parse and plan over 115,000 rows, and SQLAlchemy as long to render);
    elsewhere chunks of ``IN``."""
    if session.get_bind().dialect.name == "postgresql":
        ids = bindparam("digest_chats", chats, type_=postgresql.ARRAY(BigInteger))
        return [Subscriber.chat_id == any_(ids)]
    return [
        Subscriber.chat_id.in_(chats[start : start + _DIGEST_CHUNK])
        for start in range(0, len(chats), _DIGEST_CHUNK)
    ]
