"""Moderating reader comments: one decision per comment, its card edited, the author told,
the approved comment published (discussion threads, the WordPress relay's queue), every
decision in the audit log.

Cards, notices and thread posts all go through the outbox: paced, retried and sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import Deferred, deferred
from bot.services.outbox import Outbox, notice
from storage.db import Database
from storage.enums import Audience, CommentStatus, MessageKind, ModerationAction
from storage.models import utcnow
from storage.repositories import audit as audit_log
from storage.repositories import bans, comment_relay, deliveries
from storage.repositories import comments as repo
from storage.repositories.comments import StoredComment

log = logging.getLogger(__name__)

PENDING_SHOWN = 5  # /pending lists the oldest five: a moderator's screen, not a report

_STATUS = {
    ModerationAction.APPROVE: CommentStatus.APPROVED,
    ModerationAction.REJECT: CommentStatus.REJECTED,
    ModerationAction.BAN: CommentStatus.REJECTED,
}


class Outcome(StrEnum):
    DONE = "done"  # this tap decided the comment
    STALE = "stale"  # someone decided it before (the card is out of date)
    GONE = "gone"  # no such comment (deleted with its article, or forged)


@dataclass(frozen=True, slots=True)
class Decided:
    outcome: Outcome
    action: ModerationAction | None = None  # the decision the comment now has
    card: dict[str, Any] | None = None  # the card as it should look now
    card_messages: frozenset[tuple[int, int]] = frozenset()  # (chat, message) of its cards


def card_ref(comment_id: int) -> str:
    return f"comment-card:{comment_id}"


def card_payload(comment: StoredComment, banned: bool = False) -> dict[str, Any]:
    """The moderation card's payload (rendered by ``bot.delivery.messages``)."""
    decision: dict[str, Any] | None = None
    if comment.status is not CommentStatus.PENDING:
        action = (
            ModerationAction.APPROVE
            if comment.status is CommentStatus.APPROVED
            else ModerationAction.BAN
            if banned
            else ModerationAction.REJECT
        )
        at = comment.moderated_at or comment.created_at
        decision = {"action": action.value, "by": comment.moderator_name or "—",
                    "at": at.isoformat()}  # fmt: skip
    return {
        "comment_id": comment.id,
        "user_id": comment.user_id,
        "title": comment.article.title,
        "url": comment.article.url,
        "author": comment.author_name,
        "text": comment.text,
        "held": comment.held_because,
        "decision": decision,
    }


class Publisher:
    """What follows an approval (by a moderator or automatic) or a rejection."""

    def __init__(self, outbox: Outbox, *, relay_enabled: bool) -> None:
        self.outbox = outbox
        self.relay_enabled = relay_enabled

    async def approved(self, comment: StoredComment, *, tell_author: bool = True) -> None:
        """Tell the author, post into the article's discussion threads, queue the relay."""
        if tell_author:
            title = comment.article.title
            await self._tell(comment, deferred("comments.approved_notice", title=title))
        async with self.outbox.database.session() as session:
            # The article's messages show the new count on their 💬 button (one edit each,
            # however many approvals come before the sender gets there).
            await deliveries.request_redraw(session, comment.article.id, now=self.outbox.clock())
            threads = await repo.threads_of(session, comment.article.id)
            if self.relay_enabled:
                await comment_relay.queue_relay(session, comment.id, self.outbox.clock())
        post = {"author": comment.author_name, "text": comment.text}
        for group, message_id in threads:
            if group == comment.chat_id:
                continue  # written in that very thread: it is already there
            await self.outbox.send(
                MessageKind.COMMENT_POST, [group], {**post, "reply_to": message_id},
                ref=f"comment:{comment.id}:thread", audience=Audience.CHANNEL,
            )  # fmt: skip

    async def rejected(self, comment: StoredComment) -> None:
        """A neutral notice: never the moderator's name."""
        await self._tell(comment, deferred("comments.rejected_notice", title=comment.article.title))

    async def _tell(self, comment: StoredComment, message: Deferred) -> None:
        # To the author's private chat (their user id), also for comments from a group.
        await self.outbox.send(
            MessageKind.NOTICE, [comment.user_id], notice(message),
            ref=f"comment:{comment.id}:verdict", audience=Audience.REPLY,
        )  # fmt: skip


class Moderation:
    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        publisher: Publisher,
        *,
        admin_chat_id: int | None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._publisher = publisher
        self._admin_chat_id = admin_chat_id
        self._clock = clock

    async def card_for_moderators(self, comment: StoredComment) -> None:
        """Queue the pending comment's card for the admin chat."""
        if self._admin_chat_id is None:
            log.warning("comment %s waits, but NEWSBOT_ADMIN_CHAT_ID is not set: see /pending",
                        comment.id)  # fmt: skip
            return
        await self._outbox.send(
            MessageKind.COMMENT_CARD, [self._admin_chat_id], card_payload(comment),
            ref=card_ref(comment.id), audience=Audience.REPLY,
        )  # fmt: skip

    async def decide(
        self, comment_id: int, action: ModerationAction, *, moderator_id: int, moderator_name: str
    ) -> Decided:
        """Apply one moderator's decision; of simultaneous taps exactly one is DONE."""
        now = self._clock()
        async with self._database.session() as session:
            won = await repo.decide(
                session, comment_id, _STATUS[action], moderator_id=moderator_id,
                moderator_name=moderator_name, now=now,
            )  # fmt: skip
            comment = await repo.get(session, comment_id)
            if comment is None:
                return Decided(Outcome.GONE)
            if won:
                if action is ModerationAction.BAN:
                    await bans.ban(session, comment.user_id, by=moderator_id,
                                   reason=f"comment {comment_id}", now=now)  # fmt: skip
                await audit_log.add(
                    session, actor_id=moderator_id, action=f"comment.{action.value}",
                    target=f"comment:{comment_id}",
                    details={"user_id": comment.user_id, "article_id": comment.article.id},
                    now=now,
                )  # fmt: skip
            banned = await bans.is_banned(session, comment.user_id, now)
            messages = await repo.card_messages(session, card_ref(comment_id))
        card = card_payload(comment, banned=banned and comment.status is CommentStatus.REJECTED)
        decided_as = _decision_of(card)
        if not won:
            return Decided(Outcome.STALE, decided_as, card, frozenset(messages))
        await self._outbox.edit(MessageKind.COMMENT_CARD, card_ref(comment_id), card)
        if comment.status is CommentStatus.APPROVED:
            await self._publisher.approved(comment)
        else:
            await self._publisher.rejected(comment)
        return Decided(Outcome.DONE, decided_as, card, frozenset(messages))

    async def pending(self) -> tuple[int, list[dict[str, Any]]]:
        """How many comments wait, and the cards of the oldest few."""
        async with self._database.session() as session:
            total, oldest = await repo.pending(session, PENDING_SHOWN)
        return total, [card_payload(c) for c in oldest]

    async def unban(self, user_id: int, *, moderator_id: int) -> bool:
        """Lift a ban (audited); False if the reader was not banned."""
        now = self._clock()
        async with self._database.session() as session:
            lifted = await bans.unban(session, user_id)
            if lifted:
                await audit_log.add(session, actor_id=moderator_id, action="comment.unban",
                                 target=f"user:{user_id}", details=None, now=now)  # fmt: skip
        return lifted


def _decision_of(card: dict[str, Any]) -> ModerationAction | None:
    decision = card.get("decision")
    return None if decision is None else ModerationAction(decision["action"])
