"""The simulated Telegram world: users, chats, stored messages, and the updates they cause."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import CHAT_NOT_FOUND, bad_request, forbidden
from .models import SentMessage, Stats
from .updates import UpdateQueue

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
}
_CHANNEL_RIGHTS = {"can_post_messages": True, "can_edit_messages": True}
# Who automatic forwards into discussion groups come "from" (Telegram's service account).
TELEGRAM_SERVICE_USER = {"id": 777000, "is_bot": False, "first_name": "Telegram"}


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(slots=True)
class Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    user: User | None = None
    username: str | None = None
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    owner_id: int | None = None
    bot_status: str = "member"  # member | administrator | left | kicked
    blocked: bool = False
    deactivated: bool = False
    migrated_to: int | None = None
    messages: list[SentMessage] = field(default_factory=list)
    by_id: dict[int, SentMessage] = field(default_factory=dict)
    next_id: int = 1
    consumed: set[int] = field(default_factory=set)
    texts_seen: set[str] = field(default_factory=set)
    api: dict[str, Any] = field(default_factory=dict)
    # A channel's discussion group (or the group's channel): posts are forwarded there.
    linked_chat_id: int | None = None
    # The bot's can_post_messages as a channel's administrator (False: it may not post).
    bot_can_post: bool = True

    def __post_init__(self) -> None:
        self.api = {"id": self.id, "type": self.type}
        if self.user is not None:
            self.api.update(first_name=self.user.first_name)
            if self.user.last_name:
                self.api["last_name"] = self.user.last_name
        if self.title is not None:
            self.api["title"] = self.title
        username = self.username or (self.user.username if self.user else None)
        if username:
            self.api["username"] = username

    @property
    def kind_word(self) -> str:
        return f"{self.type} chat"


class World:
    def __init__(self, bot: User, stats: Stats, first_update_id: int = 100_001) -> None:
        self.bot = bot
        self.bot_json = bot.api()
        self.stats = stats
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.updates = UpdateQueue(first_update_id)
        self._waiters: list[asyncio.Future[None]] = []

    # --- creation -------------------------------------------------------------------------
    def add_user(self, user: User) -> Chat:
        self.users[user.id] = user
        chat = self.chats.get(user.id)
        if chat is None or chat.user is not user:
            chat = Chat(user.id, "private", user=user)
            self.chats[user.id] = chat
        return chat

    def add_chat(self, chat: Chat) -> Chat:
        self.chats[chat.id] = chat
        return chat

    # --- lookups ----------------------------------------------------------------------------
    def find_chat(self, chat_id: int | str) -> Chat:
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            for chat in self.chats.values():
                if chat.api.get("username", "").lower() == name:
                    return chat
            raise bad_request(CHAT_NOT_FOUND)
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request(CHAT_NOT_FOUND)
        return found

    def writable_chat(self, chat_id: int | str) -> Chat:
        """The chat a send/edit targets, or the error Telegram gives for it."""
        chat = self.find_chat(chat_id)
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            if chat.blocked:
                raise forbidden("bot was blocked by the user")
            if chat.deactivated:
                raise forbidden("user is deactivated")
            return chat
        status = chat.bot_status
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.kind_word}")
        if chat.type == "channel":
            if status == "left":
                raise bad_request(CHAT_NOT_FOUND)
            if status != "administrator" or not chat.bot_can_post:
                raise bad_request("need administrator rights in the channel chat")
        elif status == "left":
            raise forbidden(f"bot is not a member of the {chat.kind_word}")
        return chat

    def message(self, chat: Chat, message_id: int) -> SentMessage | None:
        msg = chat.by_id.get(message_id)
        return None if msg is None or msg.deleted else msg

    # --- messages ---------------------------------------------------------------------------
    def store(self, chat: Chat, msg_fields: dict[str, Any]) -> SentMessage:
        msg = SentMessage(
            message_id=chat.next_id, chat_id=chat.id, date=int(time.time()), **msg_fields
        )
        chat.next_id += 1
        chat.messages.append(msg)
        chat.by_id[msg.message_id] = msg
        if msg.from_bot:
            stats = self.stats
            stats.total_sent += 1
            stats.sent_per_chat[chat.id] += 1
            content = msg.content
            if content is not None:
                if content in chat.texts_seen:
                    stats.duplicate_texts += 1
                else:
                    chat.texts_seen.add(content)
            if self._waiters:
                self.notify()
            if chat.type == "channel" and chat.linked_chat_id in self.chats:
                self.forward_automatically(chat, msg)
        return msg

    def forward_automatically(self, channel: Chat, post: SentMessage) -> SentMessage:
        """Telegram copies every channel post into the linked discussion group, as a message
        from the channel with ``is_automatic_forward``; replies to it form the post's thread."""
        assert channel.linked_chat_id is not None
        group = self.chats[channel.linked_chat_id]
        origin = {"type": "channel", "chat": channel.api, "message_id": post.message_id,
                  "date": post.date}  # fmt: skip
        extra = {
            "from": TELEGRAM_SERVICE_USER,
            "sender_chat": channel.api,
            "is_automatic_forward": True,
            "forward_origin": origin,
        }
        fields: dict[str, Any] = {
            "text": post.text, "entities": post.entities, "caption": post.caption,
            "caption_entities": post.caption_entities, "photo": post.photo,
            "from_bot": False, "method": "automatic_forward", "extra": extra,
        }  # fmt: skip
        forward = self.store(group, fields)
        self.updates.push("message", self.message_json(forward))
        return forward

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def changed(self, seconds: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, seconds)

    def message_json(self, msg: SentMessage, with_reply: bool = True) -> dict[str, Any]:
        chat = self.chats[msg.chat_id]
        data: dict[str, Any] = {"message_id": msg.message_id, "date": msg.date, "chat": chat.api}
        if msg.from_bot:
            if chat.type == "channel":
                data["sender_chat"] = chat.api
            else:
                data["from"] = self.bot_json
        elif msg.from_user_id is not None:
            data["from"] = self.users[msg.from_user_id].api()
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = msg.caption_entities
        if msg.photo is not None:
            data["photo"] = msg.photo
        if msg.video is not None:
            data["video"] = msg.video
        if msg.document is not None:
            data["document"] = msg.document
        if msg.media_group_id is not None:
            data["media_group_id"] = msg.media_group_id
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = msg.reply_markup  # Telegram only echoes inline keyboards
        if msg.link_preview_options:
            data["link_preview_options"] = msg.link_preview_options
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.extra:
            data.update(msg.extra)
        if with_reply and msg.reply_to_message_id is not None:
            replied = chat.by_id.get(msg.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = self.message_json(replied, with_reply=False)
        return data

    # --- what users do ---------------------------------------------------------------------
    def user_message(
        self,
        user: User,
        chat: Chat,
        text: str | None,
        reply_to: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> SentMessage:
        fields: dict[str, Any] = {
            "text": text,
            "from_bot": False,
            "from_user_id": user.id,
            "reply_to_message_id": reply_to,
            "method": "user",
            "extra": extra or {},
        }
        if text:
            commands = [
                {
                    "type": "bot_command",
                    "offset": _utf16(text[: m.start()]),
                    "length": _utf16(m.group()),
                }
                for m in _COMMAND_RE.finditer(text)
            ]
            fields["entities"] = commands or None
        msg = self.store(chat, fields)
        kind = "channel_post" if chat.type == "channel" else "message"
        self.updates.push(kind, self.message_json(msg))
        return msg

    def service_message(self, user: User, chat: Chat, extra: dict[str, Any]) -> SentMessage:
        return self.user_message(user, chat, None, extra=extra)

    def member_json(self, user: User, status: str, chat: Chat) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": user.api()}
        if status == "administrator":
            data.update(_ADMIN_RIGHTS)
            if chat.type == "channel":
                data.update(_CHANNEL_RIGHTS)
                if user.id == self.bot.id:
                    data["can_post_messages"] = chat.bot_can_post
        elif status == "creator":
            data["is_anonymous"] = False
        elif status == "kicked":
            data["until_date"] = 0
        return data

    def member_update(
        self, kind: str, chat: Chat, actor: User, subject: User, old: str, new: str
    ) -> int | None:
        payload = {
            "chat": chat.api,
            "from": actor.api(),
            "date": int(time.time()),
            "old_chat_member": self.member_json(subject, old, chat),
            "new_chat_member": self.member_json(subject, new, chat),
        }
        return self.updates.push(kind, payload)

    def user_status(self, chat: Chat, user_id: int) -> str:
        if user_id == self.bot.id:
            return chat.bot_status if chat.type != "private" else "member"
        if chat.type == "private":
            return "member" if user_id == chat.id else "left"
        if user_id == chat.owner_id:
            return "creator"
        if user_id in chat.admins:
            return "administrator"
        return "member" if user_id in chat.members else "left"


def _utf16(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
