"""The bot's own membership: which channels it may post news to, which chats it lost."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.services.roles import Roles
from storage.db import Database
from storage.enums import Role
from storage.repositories import channels, chats

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


def decide(change: MembershipChange) -> Outcome | None:
    """What the change means before asking anyone: None when it depends on the actor's role."""
    match change.status:
        case BotStatus.LEFT | BotStatus.KICKED:
            return Outcome.UNREACHABLE
        case BotStatus.ADMINISTRATOR if change.chat_type == "channel":
            return None
        case BotStatus.CREATOR | BotStatus.ADMINISTRATOR | BotStatus.MEMBER | BotStatus.RESTRICTED:
            return Outcome.IGNORED


class Membership:
    def __init__(self, database: Database, roles: Roles) -> None:
        self._database = database
        self._roles = roles

    async def bot_status_changed(self, change: MembershipChange) -> Outcome:
        """Register a channel an admin made the bot an administrator of; stop where it left."""
        outcome = decide(change)
        if outcome is Outcome.UNREACHABLE:
            async with self._database.session() as session:
                cancelled = await chats.mark_unreachable(
                    session, change.chat_id, f"bot {change.status} in chat"
                )
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
