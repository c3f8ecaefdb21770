"""Typed SQLAlchemy 2 models for the bot's tables.

Times are stored as naive UTC (SQLite has no zone type) and handed back as aware UTC by
``UTCDateTime``, so every comparison in the code is between aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import (
    Audience,
    BroadcastStatus,
    CommentMode,
    CommentSource,
    CommentStatus,
    DeliveryStatus,
    MessageKind,
    RelayStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every engine."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL results on SQLite
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


_E = TypeVar("_E", bound=StrEnum)


class EnumString(TypeDecorator[_E]):
    """A StrEnum stored as its plain string (no database enum type, so adding a member needs
    no migration) and read back as the member, so code can match on it exhaustively."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[_E], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        # Dict lookups (0.10 µs) instead of Enum.__call__ (0.29 µs): they run for every outbox
        # row claimed or sent.
        self._members: dict[str, _E] = {member.value: member for member in enum}
        self._values: dict[str, str] = {member.value: member.value for member in enum}

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        stored = self._values.get(value)
        return stored if stored is not None else self.enum(value).value  # raises when unknown

    def process_result_value(self, value: Any, dialect: Dialect) -> _E | None:
        if value is None:
            return None
        member = self._members.get(value)
        return member if member is not None else self.enum(value)  # raises for a stray value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Feed(Base):
    """A configured RSS feed and its polling state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    # The URL as listed in NEWSBOT_FEEDS when the row was made: a permanent redirect changes
    # `url`, and the old listing must still find this row (not make a second one).
    listed_url: Mapped[str | None] = mapped_column(String(2048), unique=True, index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # False until the first successful poll stored the backlog (which is never pushed).
    primed: Mapped[bool] = mapped_column(Boolean, default=False)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    alerted_down: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Topic(Base):
    """A station category: Vietnamese display name and an ASCII slug for buttons and links."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class ArticleTopic(Base):
    __tablename__ = "article_topics"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Article(Base):
    """One story, unique by canonical URL; revisions update it in place."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(2048))
    # None for an item that has no usable link (RSS needs only a title or a description):
    # it is pushed without the "read" button. NULLs never collide in the unique index.
    url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(2048))
    video_url: Mapped[str | None] = mapped_column(String(2048))
    video_size: Mapped[int | None] = mapped_column(BigInteger)  # bytes, when the feed says
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Accent-folded title + summary + text for /search (see bot.news.folding).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The folded title alone (its own full-text index): /search ranks title hits first.
    search_title: Mapped[str | None] = mapped_column(Text)
    # Backlog items (first poll of a feed) are stored but never pushed.
    backlog: Mapped[bool] = mapped_column(Boolean, default=False)

    topics: Mapped[list[Topic]] = relationship(secondary="article_topics", lazy="selectin")


class FeedEntry(Base):
    """Which feed listed which article under which guid: one article per (feed, guid)."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(2048))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class Subscriber(Base):
    """A private chat or group that receives news."""

    __tablename__ = "subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_type: Mapped[str] = mapped_column(String(16), default="private")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    # False for digest-only subscribers (served by the digest, not instant pushes).
    instant: Mapped[bool] = mapped_column(Boolean, default=True)
    wants_images: Mapped[bool] = mapped_column(Boolean, default=True)
    all_topics: Mapped[bool] = mapped_column(Boolean, default=True)
    # Quiet hours as minutes after local midnight; pushes inside them are silent.
    quiet_start: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_end: Mapped[int | None] = mapped_column(SmallInteger)
    # The daily digest's time as minutes after local midnight (420 = 07:00); None: no digest.
    digest_at: Mapped[int | None] = mapped_column(SmallInteger)
    # Revision 0008: the scheduled moment of the last digest made for this chat (sent or found
    # empty); the next digest holds the headlines stored after it.
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    inactive_reason: Mapped[str | None] = mapped_column(String(200))
    # Where the reader first came from: the ``src_<tag>`` of a /start deep link (web, qr…).
    source: Mapped[str | None] = mapped_column(String(32))


class SubscriberTopic(Base):
    __tablename__ = "subscriber_topics"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.chat_id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Channel(Base):
    """A station Telegram channel (or group) the bot posts news to."""

    __tablename__ = "channels"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    wants_images: Mapped[bool] = mapped_column(Boolean, default=True)
    all_topics: Mapped[bool] = mapped_column(Boolean, default=True)
    discussion_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    inactive_reason: Mapped[str | None] = mapped_column(String(200))
    # Revision 0006: posts without a notification, and how readers comment (see CommentMode).
    silent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    comment_mode: Mapped[CommentMode] = mapped_column(
        EnumString(CommentMode, 16), default=CommentMode.BUTTON, server_default="button"
    )


class ChannelTopic(Base):
    __tablename__ = "channel_topics"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("channels.chat_id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Delivery(Base):
    """The transactional outbox: one row per message to one chat, claimed with a lease.

    An article row names its article (unique per article, chat and audience); every other
    message kind carries its content in ``payload`` and its identity in ``ref`` (unique per
    ref, chat and audience), so enqueueing the same message twice never doubles it.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("article_id", "chat_id", "kind"),
        Index("ix_deliveries_due", "status", "priority", "due_at"),
        # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
        Index("ux_deliveries_ref_chat_kind", "ref", "chat_id", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # No index of its own: the unique (article_id, chat_id, kind) serves lookups by article
    # (migration 0013 dropped the one that only cost writes).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The audience (reply, channel, instant, bulk); priority follows from it (lower goes first).
    kind: Mapped[Audience] = mapped_column(EnumString(Audience, 16))
    # What the message is (article, notice, broadcast…); chooses the renderer.
    message_kind: Mapped[MessageKind] = mapped_column(
        EnumString(MessageKind, 16), default=MessageKind.ARTICLE, server_default="article"
    )
    priority: Mapped[int] = mapped_column(SmallInteger, default=2)
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumString(DeliveryStatus, 12), default=DeliveryStatus.PENDING
    )
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    with_image: Mapped[bool] = mapped_column(Boolean, default=True)
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Revision 0006: False renders the message without inline buttons (a channel in native
    # comment mode), fixed when the row is queued like with_image and silent.
    # No Python default: statements that do not name it (written for older revisions) still work.
    with_buttons: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # JSON object rendered by the message kind's renderer; NULL for articles.
    payload: Mapped[str | None] = mapped_column(Text)
    # Identity of a non-article message, e.g. "broadcast:17" or "burst:3:2026-12-01T08:00".
    ref: Mapped[str | None] = mapped_column(String(128))
    # After this moment the message is no longer worth sending; NULL = never.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_as_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_revision: Mapped[int | None] = mapped_column(Integer)
    # Set when the content changed after sending (an article's revision, a message's edit
    # counter): the sender edits the message.
    edit_revision: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Admin(Base):
    """People with rights beyond a subscriber's: ``admin`` or ``moderator``."""

    __tablename__ = "admins"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16), default="moderator")
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    """A reader's comment on an article, waiting for or past moderation."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    author_name: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        EnumString(CommentStatus, 12), default=CommentStatus.PENDING, index=True
    )
    moderated_by: Mapped[int | None] = mapped_column(BigInteger)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wp_comment_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Revision 0003: where it came from, why it waits, and its way to the WordPress site.
    source: Mapped[CommentSource] = mapped_column(
        EnumString(CommentSource, 16), default=CommentSource.REPLY, server_default="reply"
    )
    held_because: Mapped[str | None] = mapped_column(String(32))
    moderator_name: Mapped[str | None] = mapped_column(String(256))
    relay_status: Mapped[RelayStatus | None] = mapped_column(EnumString(RelayStatus, 12))
    relay_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relay_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    relay_error: Mapped[str | None] = mapped_column(Text)
    wp_status: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (Index("ix_comments_relay", "relay_status", "relay_next_at"),)


class Ban(Base):
    __tablename__ = "bans"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reason: Mapped[str | None] = mapped_column(Text)
    banned_by: Mapped[int | None] = mapped_column(BigInteger)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what, for admin actions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(256))
    details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CommentAuthor(Base):
    """A reader's pseudonym for comments (``/name``); no email or phone is ever stored."""

    __tablename__ = "comment_authors"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    pseudonym: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentPrompt(Base):
    """An open 💬 prompt: the reader's next message is a comment on ``article_id`` until
    ``expires_at``. One per reader (a new prompt replaces the old one)."""

    __tablename__ = "comment_prompts"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    source: Mapped[CommentSource] = mapped_column(EnumString(CommentSource, 16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentThread(Base):
    """A channel post's automatic forward in the channel's discussion group: approved
    comments on the article are posted as replies to it."""

    __tablename__ = "comment_threads"
    __table_args__ = (UniqueConstraint("group_chat_id", "group_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    channel_chat_id: Mapped[int] = mapped_column(BigInteger)
    group_chat_id: Mapped[int] = mapped_column(BigInteger)
    group_message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnownUser(Base):
    """A person who talked to the bot, so staff can name them as ``@username`` in /addadmin.

    Only what Telegram shows every chat partner (id, @username, name); refreshed when it
    changes. Usernames are stored lower-cased in ``username_key`` (Telegram's are
    case-insensitive) beside the spelling the person chose.
    """

    __tablename__ = "known_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    username_key: Mapped[str | None] = mapped_column(String(64), index=True)
    full_name: Mapped[str] = mapped_column(String(256), default="")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """An admin's announcement, from composing to its final report (revision 0007).

    The conversation lives here, per admin chat (not in process memory), so any replica that
    receives the admin's next message or tap finds it. Its messages are outbox rows with the
    ref ``broadcast:<id>``; the progress message in the admin's chat is ``broadcast:<id>:p``.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_chat_status", "admin_chat_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_chat_id: Mapped[int] = mapped_column(BigInteger)
    admin_user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[BroadcastStatus] = mapped_column(
        EnumString(BroadcastStatus, 12), default=BroadcastStatus.COMPOSING, index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(256))  # the admin's file_id, reused
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(8), default="vi")  # the admin's, for progress
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The progress text last asked for: an edit only when it changes ("message is not modified").
    progress_text: Mapped[str | None] = mapped_column(Text)
    # The final report reached the progress message (the loop retries until it has).
    reported: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VideoFile(Base):
    """What the sender learned about one video URL, shared by every recipient and process:
    Telegram's ``file_id`` for it, or why it cannot go as a video (then pushes are text)."""

    __tablename__ = "video_files"

    video_url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    file_id: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    failure: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestEdition(Base):
    """One message of a digest edition, stored once (revision 0008): its outbox rows carry
    only ``{"edition": id}``, so 100,000 readers of one edition do not store its 4 KB each."""

    __tablename__ = "digest_editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(128))  # digest:<local date>:<part>
    payload: Mapped[str] = mapped_column(Text)  # the renderer's JSON (sections, part, parts)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
