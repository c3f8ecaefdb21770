"""Handles tests use to act as Telegram users, and to name groups and channels."""

from __future__ import annotations

import asyncio
import itertools
import time

from .core import CallbackQuery, Core
from .errors import SandboxError
from .markup import callback_data_of
from .models import SentMessage
from .world import Chat, User

_query_ids = itertools.count(4_300_000_000_000_000_001)


class ChatHandle:
    """A group, supergroup or channel created in the sandbox."""

    def __init__(self, core: Core, chat: Chat) -> None:
        self._core = core
        self._chat = chat

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def chat(self) -> Chat:
        return self._chat

    @property
    def title(self) -> str | None:
        return self._chat.title

    def __repr__(self) -> str:
        return f"<{self._chat.type} {self.id} {self.title!r}>"


ChatRef = ChatHandle | int
MessageRef = SentMessage | int


def chat_id_of(chat: ChatRef) -> int:
    return chat.id if isinstance(chat, ChatHandle) else chat


class SandboxUser:
    """A person talking to the bot. Their private chat id equals their user id."""

    def __init__(self, core: Core, user: User) -> None:
        self._core = core
        self.user = user

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def chat_id(self) -> int:
        return self.user.id

    def _chat(self, chat: ChatRef | None) -> Chat:
        world = self._core.world
        if chat is None:
            return world.add_user(self.user) if self.id not in world.chats else world.chats[self.id]
        found = world.chats.get(chat_id_of(chat))
        if found is None:
            raise SandboxError(f"no chat {chat_id_of(chat)} in the sandbox")
        return found

    async def send(self, text: str, *, language_code: str | None = None) -> SentMessage:
        """Write ``text`` to the bot in the private chat (commands get a bot_command entity)."""
        if language_code is not None:
            self.user.language_code = language_code
        msg = self._core.world.user_message(self.user, self._chat(None), text)
        await asyncio.sleep(0)
        return msg

    async def send_to(
        self, chat: ChatRef, text: str, *, reply_to: MessageRef | None = None
    ) -> SentMessage:
        target = self._chat(chat)
        if target.type != "private" and self.id not in target.members:
            raise SandboxError(f"user {self.id} is not a member of {target.id}; join first")
        reply_id = self._message_id(target, reply_to) if reply_to is not None else None
        msg = self._core.world.user_message(self.user, target, text, reply_to=reply_id)
        await asyncio.sleep(0)
        return msg

    async def reply(
        self, message: MessageRef, text: str, *, chat: ChatRef | None = None
    ) -> SentMessage:
        """Reply to a message (by default one in this user's private chat)."""
        if chat is None and isinstance(message, SentMessage):
            chat = message.chat_id
        target = self._chat(chat)
        return await self.send_to(target.id, text, reply_to=message)

    async def tap(self, message: MessageRef, data: str, *, chat: ChatRef | None = None) -> str:
        """Press the inline button with ``data``; returns the callback query id."""
        if chat is None and isinstance(message, SentMessage):
            chat = message.chat_id
        target = self._chat(chat)
        message_id = self._message_id(target, message)
        stored = self._core.world.message(target, message_id)
        if stored is None:
            raise SandboxError(f"message {message_id} not in chat {target.id}")
        available = callback_data_of(stored.reply_markup)
        if data not in available:
            raise SandboxError(
                f"message {message_id} has no button with data {data!r}: {available}"
            )
        query_id = str(next(_query_ids))
        self._core.callback_queries[query_id] = CallbackQuery(
            query_id, self.id, target.id, message_id, data, time.monotonic()
        )
        world = self._core.world
        world.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": self.user.api(),
                "message": world.message_json(stored),
                "chat_instance": str(abs(hash((target.id, world.bot.id)))),
                "data": data,
            },
        )
        await asyncio.sleep(0)
        return query_id

    async def forward(self, post: SentMessage) -> SentMessage:
        """Forward a channel's post to the bot (private chat): ``forward_origin`` of type
        ``channel``, as Telegram sends it when the channel does not hide its author."""
        world = self._core.world
        channel = world.chats[post.chat_id]
        if channel.type != "channel":
            raise SandboxError("forward_origin 'channel' needs a channel's post")
        origin = {"type": "channel", "chat": channel.api, "message_id": post.message_id,
                  "date": post.date}  # fmt: skip
        msg = world.user_message(
            self.user, self._chat(None), post.text or "", extra={"forward_origin": origin}
        )
        await asyncio.sleep(0)
        return msg

    async def join(self, chat: ChatRef, *, admin: bool = False) -> None:
        target = self._chat(chat)
        world = self._core.world
        old = world.user_status(target, self.id)
        target.members.add(self.id)
        if admin:
            target.admins.add(self.id)
        world.member_update(
            "chat_member", target, self.user, self.user, old, world.user_status(target, self.id)
        )
        if target.type != "channel":
            world.service_message(self.user, target, {"new_chat_members": [self.user.api()]})
        await asyncio.sleep(0)

    async def leave(self, chat: ChatRef) -> None:
        target = self._chat(chat)
        world = self._core.world
        old = world.user_status(target, self.id)
        target.members.discard(self.id)
        target.admins.discard(self.id)
        world.member_update("chat_member", target, self.user, self.user, old, "left")
        if target.type != "channel":
            world.service_message(self.user, target, {"left_chat_member": self.user.api()})
        await asyncio.sleep(0)

    def _message_id(self, chat: Chat, message: MessageRef) -> int:
        if isinstance(message, SentMessage):
            if message.chat_id != chat.id:
                raise SandboxError(
                    f"message {message.message_id} belongs to chat {message.chat_id}"
                )
            return message.message_id
        return message

    def __repr__(self) -> str:
        return f"<user {self.id} {self.user.first_name!r}>"
