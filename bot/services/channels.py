"""The station's channels as admins manage them: add (after checking rights in Telegram),
list, pause, resume, remove, and per-channel settings that shape what the sender posts.

Telegram is reached through a :class:`ChatLookup` the handler passes in (services never import
``telegram``); the rules about what its answers mean are pure functions, tested alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.services.admin_actions import Recorder, log_action
from storage.db import Database
from storage.enums import AuditAction, CommentMode
from storage.models import Channel
from storage.repositories import channels, deliveries
from storage.repositories.articles import TopicRef, topics_for

log = logging.getLogger(__name__)

PAUSED = "paused by an admin"  # inactive_reason of a channel an admin paused
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")
_LINK = re.compile(r"(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z][A-Za-z0-9_]{3,31})/?")
_CHANNEL_ID = re.compile(r"-100\d{4,13}")
_ADMIN_STATUSES = frozenset({"creator", "administrator"})


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What ``getChatMember`` says about someone in a channel."""

    status: str  # creator | administrator | member | restricted | left | kicked
    can_post: bool = False  # can_post_messages (creators always can)


@dataclass(frozen=True, slots=True)
class ChatFacts:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None


class LookupUnavailable(Exception):
    """Telegram could not be asked (network, timeout): nothing can be concluded."""


class ChatLookup(Protocol):
    """Telegram's answers about a chat; ``None`` when the bot cannot see the chat or member."""

    async def chat(self, ref: int | str) -> ChatFacts | None: ...

    async def member(self, chat_id: int, user_id: int) -> MemberFacts | None: ...

    async def bot_member(self, chat_id: int) -> MemberFacts | None: ...


def parse_channel_ref(text: str) -> int | str | None:
    """``@name``, ``t.me/name`` or a ``-100…`` id as getChat takes it; None for anything else."""
    text = text.strip()
    if _CHANNEL_ID.fullmatch(text):
        return int(text)
    for pattern in (_LINK, _USERNAME):
        found = pattern.fullmatch(text)
        if found:
            return "@" + found.group(1)
    return None


class Refusal(StrEnum):
    """Why a channel was not added (or resumed); each has its own explanation for the admin."""

    NOT_FOUND = "not_found"  # no such chat, or the bot is not in it
    NOT_A_CHANNEL = "not_a_channel"
    BOT_NOT_ADMIN = "bot_not_admin"
    BOT_CANNOT_POST = "bot_cannot_post"  # an administrator without can_post_messages
    REQUESTER_NOT_ADMIN = "requester_not_admin"
    UNAVAILABLE = "unavailable"  # Telegram did not answer: try again


def bot_refusal(bot: MemberFacts | None) -> Refusal | None:
    """Whether the bot may post to the channel (None: it may)."""
    if bot is None or bot.status not in _ADMIN_STATUSES:
        return Refusal.BOT_NOT_ADMIN
    if bot.status == "administrator" and not bot.can_post:
        return Refusal.BOT_CANNOT_POST
    return None


def rights_refusal(bot: MemberFacts | None, requester: MemberFacts | None) -> Refusal | None:
    """Both must hold: the bot administers the channel with the right to post, and the person
    asking is its creator or one of its administrators (the bot's check first: it is the one
    the admin can fix in the channel's settings)."""
    refused = bot_refusal(bot)
    if refused is not None:
        return refused
    if requester is None or requester.status not in _ADMIN_STATUSES:
        return Refusal.REQUESTER_NOT_ADMIN
    return None


class Setting(StrEnum):
    IMAGES = "images"
    SILENT = "silent"
    COMMENTS = "comments"


_SETTING_ACTION = {
    Setting.IMAGES: AuditAction.CHANNEL_IMAGES,
    Setting.SILENT: AuditAction.CHANNEL_SILENT,
    Setting.COMMENTS: AuditAction.CHANNEL_COMMENTS,
}


@dataclass(frozen=True, slots=True)
class ChannelView:
    chat_id: int
    title: str | None
    username: str | None
    active: bool
    paused: bool  # inactive because an admin paused it (else: lost, see inactive_reason)
    inactive_reason: str | None
    images: bool
    silent: bool
    comment_mode: CommentMode
    topic: TopicRef | None  # None: every topic

    @property
    def name(self) -> str:
        if self.username:
            return f"@{self.username}"
        return self.title or str(self.chat_id)


@dataclass(frozen=True, slots=True)
class Added:
    channel: ChannelView
    again: bool  # it was known already (re-activated, settings kept)


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    name: str  # what the admin typed, or the channel's title


class ChannelAdmin:
    def __init__(
        self,
        database: Database,
        sections: Callable[[], Awaitable[tuple[TopicRef, ...]]],
        record: Recorder = log_action,
    ) -> None:
        self._database = database
        # The station's sections, as the readers' picker offers them (they may come from
        # WordPress and change): asked for per call.
        self.sections = sections
        self._record_action = record

    def _view(
        self, channel: Channel, slugs: list[str], sections: tuple[TopicRef, ...]
    ) -> ChannelView:
        topic = None
        if not channel.all_topics and slugs:
            named = {ref.slug: ref for ref in sections}
            topic = named.get(slugs[0], TopicRef(slugs[0], slugs[0]))
        return ChannelView(
            chat_id=channel.chat_id,
            title=channel.title,
            username=channel.username,
            active=channel.active,
            paused=not channel.active and channel.inactive_reason == PAUSED,
            inactive_reason=channel.inactive_reason,
            images=channel.wants_images,
            silent=channel.silent,
            comment_mode=channel.comment_mode,
            topic=topic,
        )

    async def list(self) -> list[ChannelView]:
        sections = await self.sections()
        async with self._database.session() as session:
            found = await channels.all_channels(session)
            slugs = await channels.topic_slugs(session, [c.chat_id for c in found])
            return [self._view(c, slugs.get(c.chat_id, []), sections) for c in found]

    async def get(self, chat_id: int) -> ChannelView | None:
        sections = await self.sections()
        async with self._database.session() as session:
            channel = await channels.get(session, chat_id)
            if channel is None:
                return None
            slugs = await channels.topic_slugs(session, [chat_id])
            return self._view(channel, slugs.get(chat_id, []), sections)

    async def find(self, ref: int | str) -> ChannelView | None:
        """A registered channel by id or @username."""
        if isinstance(ref, int):
            return await self.get(ref)
        async with self._database.session() as session:
            channel = await channels.find_by_username(session, ref)
            chat_id = channel.chat_id if channel is not None else None
        return None if chat_id is None else await self.get(chat_id)

    async def add(self, requester_id: int, ref: int | str, lookup: ChatLookup) -> Added | Refused:
        """Register the channel if the bot may post there and the requester administers it."""
        name = str(ref)
        try:
            chat = await lookup.chat(ref)
            if chat is None:
                return Refused(Refusal.NOT_FOUND, name)
            name = f"@{chat.username}" if chat.username else chat.title or name
            if chat.type != "channel":
                return Refused(Refusal.NOT_A_CHANNEL, name)
            bot = await lookup.bot_member(chat.id)
            requester = await lookup.member(chat.id, requester_id)
        except LookupUnavailable:
            return Refused(Refusal.UNAVAILABLE, name)
        refused = rights_refusal(bot, requester)
        if refused is not None:
            log.info("channel %s not added for %s: %s", chat.id, requester_id, refused)
            return Refused(refused, name)
        async with self._database.session() as session:
            again = await channels.get(session, chat.id) is not None
            await channels.register(session, chat.id, title=chat.title, username=chat.username)
        await self._record_action(requester_id, AuditAction.CHANNEL_ADD, f"channel:{chat.id}", name)
        view = await self.get(chat.id)
        assert view is not None
        return Added(view, again)

    async def toggle(self, actor_id: int, chat_id: int, setting: Setting) -> ChannelView | None:
        """Flip one setting; None when the channel is gone."""
        async with self._database.session() as session:
            channel = await channels.get(session, chat_id)
            if channel is None:
                return None
            match setting:
                case Setting.IMAGES:
                    channel.wants_images = value = not channel.wants_images
                case Setting.SILENT:
                    channel.silent = value = not channel.silent
                case Setting.COMMENTS:
                    native = channel.comment_mode is CommentMode.NATIVE
                    channel.comment_mode = CommentMode.BUTTON if native else CommentMode.NATIVE
                    value = not native
        await self._record_action(
            actor_id, _SETTING_ACTION[setting], f"channel:{chat_id}", str(value)
        )
        return await self.get(chat_id)

    async def set_topic(self, actor_id: int, chat_id: int, slug: str | None) -> ChannelView | None:
        """Post one section's articles only (``slug``), or every article (None)."""
        ref = None
        if slug is not None:
            ref = next((s for s in await self.sections() if s.slug == slug), None)
            if ref is None:
                return None  # a section no longer configured: an old button
        async with self._database.session() as session:
            channel = await channels.get(session, chat_id)
            if channel is None:
                return None
            topic = (await topics_for(session, [ref]))[ref.slug] if ref is not None else None
            await channels.limit_to_topic(session, channel, topic)
        await self._record_action(
            actor_id, AuditAction.CHANNEL_TOPIC, f"channel:{chat_id}", slug or "all"
        )
        return await self.get(chat_id)

    async def pause(self, actor_id: int, chat_id: int) -> ChannelView | None:
        async with self._database.session() as session:
            channel = await channels.get(session, chat_id)
            if channel is None:
                return None
            channel.active, channel.inactive_reason = False, PAUSED
            # Paused means nothing more goes out, including posts already queued.
            await deliveries.cancel_chat(session, chat_id, "channel paused by an admin")
        await self._record_action(actor_id, AuditAction.CHANNEL_PAUSE, f"channel:{chat_id}", None)
        return await self.get(chat_id)

    async def resume(
        self, actor_id: int, chat_id: int, lookup: ChatLookup
    ) -> ChannelView | Refused | None:
        """Post again, after checking the bot still may (a lost channel stays lost until the
        bot's rights are back)."""
        current = await self.get(chat_id)
        if current is None:
            return None
        try:
            refused = bot_refusal(await lookup.bot_member(chat_id))
        except LookupUnavailable:
            refused = Refusal.UNAVAILABLE
        if refused is not None:
            return Refused(refused, current.name)
        async with self._database.session() as session:
            channel = await channels.get(session, chat_id)
            if channel is None:
                return None
            channel.active, channel.inactive_reason = True, None
        await self._record_action(actor_id, AuditAction.CHANNEL_RESUME, f"channel:{chat_id}", None)
        return await self.get(chat_id)

    async def remove(self, actor_id: int, chat_id: int) -> bool:
        """Forget the channel and cancel its queued posts; False when it was already gone."""
        async with self._database.session() as session:
            removed = await channels.remove(session, chat_id)
            if removed:
                await deliveries.cancel_chat(session, chat_id, "channel removed by an admin")
        if removed:
            await self._record_action(
                actor_id, AuditAction.CHANNEL_REMOVE, f"channel:{chat_id}", None
            )
        return removed
