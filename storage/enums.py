"""States stored in the database, as enums: one spelling, checked by mypy, matched exhaustively.

StrEnum members compare equal to their stored strings, so rows written before a member existed
read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who may do what. Owners come from configuration; admins and moderators are stored."""

    OWNER = "owner"
    ADMIN = "admin"
    MODERATOR = "moderator"


class DeliveryStatus(StrEnum):
    """Where an outbox row is: ``pending`` -> ``sending`` (leased) -> ``sent`` | ``failed`` |
    ``cancelled``. A sent row being edited stays ``sent`` (the message exists either way)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    """Why a chat gets a delivery, stored in ``deliveries.kind``; it sets the row's priority.

    The column keeps its name and today's spellings, so rows written before the message kinds
    existed read back with the priority they were written with (see ``deliveries.PRIORITY``).
    """

    REPLY = "reply"  # someone waits for this answer
    CHANNEL = "channel"  # a station channel
    INSTANT = "instant"  # a subscriber's instant push
    BULK = "broadcast"  # broadcasts and digests: after everything else


class MessageKind(StrEnum):
    """What a delivery says, stored in ``deliveries.message_kind``; chooses its renderer.

    Adding a kind: one member here, one renderer registered in ``bot.delivery.messages``
    (``@renderer(MessageKind.X)``), and an enqueue function in ``storage.repositories.
    deliveries`` (or a call of ``enqueue_message``) that writes its rows with a ``ref``.
    """

    ARTICLE = "article"  # a pushed article; the row's article_id says which
    NOTICE = "notice"  # a catalogue message with parameters (burst summary, admin alert)
    BROADCAST = "broadcast"  # an admin's announcement
    DIGEST = "digest"  # a subscriber's digest edition
    COMMENT_POST = "comment_post"  # an approved comment posted into a channel's thread
    COMMENT_CARD = "comment_card"  # a pending comment's moderation card in the admin chat


class CommentStatus(StrEnum):
    """A reader's comment: ``pending`` until a moderator (or auto-approval) decides."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CommentSource(StrEnum):
    """How a comment came in (ISSUE-9's four ways)."""

    REPLY = "reply"  # a Telegram reply to an article message the bot sent
    BUTTON = "button"  # the 💬 button's ForceReply prompt
    DEEP_LINK = "deep_link"  # t.me/<bot>?start=c_<article>
    DISCUSSION = "discussion"  # a reply to a channel post's automatic forward in its group


class ModerationAction(StrEnum):
    """What a moderator decides about a pending comment (also the audit log's action names)."""

    APPROVE = "approve"
    REJECT = "reject"
    BAN = "ban"  # reject the comment and ban its author


class RelayStatus(StrEnum):
    """A comment's way to the station's WordPress site: ``queued`` (due at ``relay_next_at``)
    -> ``posted`` | ``failed`` (with ``relay_error``). NULL: not for the site (not approved,
    or no relay configured)."""

    QUEUED = "queued"
    POSTED = "posted"
    FAILED = "failed"


class AuditAction(StrEnum):
    """What an audit-log line records (``audit_log.action``); one member per kind of action.

    Adding an audited action: a member here and its label ``audit.action.<value>`` in both
    catalogues (``bot/handlers/audit.py`` names it); write it with ``services.audit.record``.
    The comment moderation's spellings (``comment.*``) are the ones stored since ISSUE-9.
    """

    ADMIN_ADDED = "role.admin_added"
    MODERATOR_ADDED = "role.moderator_added"
    ADMIN_REMOVED = "role.admin_removed"
    MODERATOR_REMOVED = "role.moderator_removed"
    REFUSED = "guard.refused"  # the guard turned a command or a button away
    COMMENT_APPROVE = "comment.approve"
    COMMENT_REJECT = "comment.reject"
    COMMENT_BAN = "comment.ban"
    COMMENT_UNBAN = "comment.unban"
    CHANNEL_ADD = "channel.add"
    CHANNEL_IMAGES = "channel.images"
    CHANNEL_SILENT = "channel.silent"
    CHANNEL_COMMENTS = "channel.comments"
    CHANNEL_TOPIC = "channel.topic"
    CHANNEL_PAUSE = "channel.pause"
    CHANNEL_RESUME = "channel.resume"
    CHANNEL_REMOVE = "channel.remove"
    FEED_ADD = "feed.add"
    FEED_REMOVE = "feed.remove"
    FEED_POLL_NOW = "feed.poll_now"
    BROADCAST_SEND = "broadcast.send"
    BROADCAST_DISCARD = "broadcast.discard"
    BROADCAST_CANCEL = "broadcast.cancel"


class CommentMode(StrEnum):
    """How readers comment under a station channel's posts (``channels.comment_mode``)."""

    BUTTON = "button"  # 📖 and 💬 under each post; 💬 opens the bot's private chat (deep link)
    # No inline buttons at all: Telegram shows a linked discussion group's "Comments" bar only
    # under posts without an inline keyboard.
    NATIVE = "native"


class BroadcastStatus(StrEnum):
    """An admin's announcement: ``composing`` (the bot waits for its text or photo) ->
    ``draft`` (previewed, waiting for Gửi / Hủy) -> ``sending`` (rows in the outbox) ->
    ``done``; ``cancelled`` from any state before ``done`` (Hủy, /broadcast cancel)."""

    COMPOSING = "composing"
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"
