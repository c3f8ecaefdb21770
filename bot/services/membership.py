"""The bot's own membership: which channels it may post news to, which chats it lost."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import deferred
from bot.services.outbox import notice
from bot.services.roles import Roles
from storage.db import Database
from storage.enums import Audience, MessageKind, Role
from storage.models import utcnow
from storage.repositories import channels, chats, deliveries

log = logging.getLogger(__name__)


class BotStatus(StrEnum):
    """The bot's status in a chat, spelled as Telegram spells ``ChatMember.status``."""

    CREATOR = "creator"
    ADMINISTRATOR = "administrator"
    MEMBER = "member"
    RESTRICTED = "restricted"
    LEFT = "left"
    KICKED = "kicked"


class Outcome(StrEnum):
    REGISTERED = "registered"  # a channel of the station: news goes there from now on
    REFUSED = "refused"  # someone without the right added the bot to their channel
    UNREACHABLE = "unreachable"  # removed, kicked or blocked: sending stops, queue cancelled
    CANNOT_POST = "cannot_post"  # still a channel's administrator, without the right to post
    IGNORED = "ignored"  # nothing to do (joined a group, became a plain member…)


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """A ``my_chat_member`` update in plain terms."""

    chat_id: int
    chat_type: str
    status: BotStatus
    actor_id: int
    title: str | None = None
    username: str | None = None
    # can_post_messages of the bot's new status (only an administrator's status carries it).
    can_post: bool = True
    at: datetime | None = None  # when Telegram says it happened (the update's date)


def decide(change: MembershipChange) -> Outcome | None:
    """What the change means before asking anyone: None when it depends on the actor's role."""
    match change.status:
        case BotStatus.LEFT | BotStatus.KICKED:
            return Outcome.UNREACHABLE
        case BotStatus.ADMINISTRATOR if change.chat_type == "channel" and not change.can_post:
            return Outcome.CANNOT_POST
        case BotStatus.ADMINISTRATOR if change.chat_type == "channel":
            return None
        case BotStatus.CREATOR | BotStatus.ADMINISTRATOR | BotStatus.MEMBER | BotStatus.RESTRICTED:
            return Outcome.IGNORED


class Membership:
    def __init__(
        self, database: Database, roles: Roles, *, admin_chat_id: int | None = None
    ) -> None:
        self._database = database
        self._roles = roles
        self._admin_chat_id = admin_chat_id

    async def bot_status_changed(self, change: MembershipChange) -> Outcome:
        """Register a channel an admin made the bot an administrator of; stop where it left."""
        outcome = decide(change)
        if outcome in (Outcome.UNREACHABLE, Outcome.CANNOT_POST):
            reason = (
                "bot may no longer post in the channel"
                if outcome is Outcome.CANNOT_POST
                else f"bot {change.status} in chat"
            )
            async with self._database.session() as session:
                lost = await channels.lose(session, change.chat_id, reason)
                cancelled = await chats.mark_unreachable(session, change.chat_id, reason)
                if lost is not None:
                    await self._tell_admins(session, change, lost.title, outcome)
            log.info(
                "removed from chat %s (%s); %d deliveries cancelled",
                change.chat_id,
                change.status,
                cancelled,
            )
            return outcome
        if outcome is not None:
            return outcome
        # Anyone can add a bot to their channel; only the station decides where news goes.
        if not await self._roles.has(change.actor_id, Role.ADMIN):
            log.warning(
                "user %s added the bot to channel %s; not an admin, ignored",
                change.actor_id,
                change.chat_id,
            )
            return Outcome.REFUSED
        async with self._database.session() as session:
            await channels.register(
                session, change.chat_id, title=change.title, username=change.username
            )
        log.info("channel %s (%s) registered by %s", change.chat_id, change.title, change.actor_id)
        return Outcome.REGISTERED

    async def _tell_admins(
        self, session: AsyncSession, change: MembershipChange, title: str | None, outcome: Outcome
    ) -> None:
        """Once per loss (the caller only calls when this change made the channel inactive):
        a notice to the admin chat, queued in the same transaction as the loss."""
        name = f"@{change.username}" if change.username else title or str(change.chat_id)
        log.warning("channel %s (%s) lost: %s", change.chat_id, name, outcome)
        if self._admin_chat_id is None:
            log.warning("no NEWSBOT_ADMIN_CHAT_ID set: nobody is told channel %s was lost", name)
            return
        now = utcnow()
        at = change.at or now
        if outcome is Outcome.CANNOT_POST:
            payload = notice(deferred("channel.lost_post_right", channel=name))
        else:
            payload = notice(deferred("channel.lost", channel=name))
        await deliveries.enqueue_message(
            session, MessageKind.NOTICE, [self._admin_chat_id], payload=payload,
            ref=f"channel_lost:{change.chat_id}:{int(at.timestamp())}", now=now,
            audience=Audience.REPLY,
        )  # fmt: skip
