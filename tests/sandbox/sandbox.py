"""Sandbox: the fake Bot API and the fake station site, started together for a test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, overload

from aiohttp import web

from .botapi import BotApi
from .control import add_control_routes
from .core import Core
from .errors import SandboxError
from .faults import Fault
from .models import CallRecord, Limits, SentMessage, Stats
from .players import ChatHandle, ChatRef, SandboxUser, chat_id_of
from .spec import load_spec
from .station import Station
from .webhook import WebhookPusher
from .world import Chat, User, World

BOT_ID = 123456789
DEFAULT_TOKEN = f"{BOT_ID}:AAHkontumSandboxToken0123456789abcde"
Predicate = Callable[[SentMessage], bool]


class Sandbox:
    """``async with Sandbox() as sb:`` starts both servers on 127.0.0.1 (free ports by default)."""

    def __init__(
        self,
        limits: Limits | None = None,
        port: int = 0,
        station_port: int = 0,
        *,
        host: str = "127.0.0.1",
        token: str = DEFAULT_TOKEN,
        bot_username: str = "kontum_news_sandbox_bot",
        callback_ttl: float = 15.0,
        local_links: bool = False,
        first_update_id: int = 100_001,
    ) -> None:
        self.host, self.port, self.station_port = host, port, station_port
        self.token = token
        self.spec = load_spec()
        bot = User(int(token.split(":", 1)[0]), "Kon Tum News", username=bot_username, is_bot=True)
        self._stats = Stats()
        # A second sandbox standing in for the same Telegram after an outage starts its update
        # ids above the first one's, as Telegram's keep growing.
        self.world = World(bot, self._stats, first_update_id)
        self.core = Core(self.world, self._stats, limits, callback_ttl)
        self._limits = limits
        self.station = Station(local_links=local_links)
        self.api_url = ""
        self.station_url = ""
        self._users: dict[int, SandboxUser] = {}
        self._runners: list[web.AppRunner] = []
        self.webhook = WebhookPusher(self.core)

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> Sandbox:
        api = web.Application(client_max_size=64 * 1024 * 1024)
        BotApi(self.core, self.spec, self.token).add_routes(api)
        add_control_routes(api, self)
        self.api_url = await self._serve(api, self.port)
        self.station_url = await self._serve(self.station.app(), self.station_port)
        self.station.url = self.station_url
        self.station.load_fixtures()
        self.webhook.start()
        return self

    async def _serve(self, app: web.Application, port: int) -> str:
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        self._runners.append(runner)
        bound = runner.addresses[0][1]
        return f"http://{self.host}:{bound}"

    async def stop(self) -> None:
        await self.webhook.stop()
        self.world.updates.close()
        self.station.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
        if exc is None and self.core.internal_errors:
            raise SandboxError(f"sandbox crashed while answering: {self.core.internal_errors!r}")

    # --- people and chats -------------------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str = "Người dùng",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> SandboxUser:
        """A Telegram user; their private chat with the bot exists from now on."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user = User(user_id, first_name, last_name, username, language_code)
        self.world.add_user(user)
        handle = self._users[user_id] = SandboxUser(self.core, user)
        return handle

    def users(self, ids: Iterable[int], language_code: str | None = "vi") -> list[SandboxUser]:
        return [self.user(i, f"Người dùng {i}", language_code=language_code) for i in ids]

    def group(
        self,
        chat_id: int,
        title: str = "Nhóm",
        *,
        supergroup: bool = True,
        username: str | None = None,
        owner: int | None = None,
        bot_member: bool = True,
    ) -> ChatHandle:
        if chat_id >= 0:
            raise SandboxError("group ids are negative")
        chat = Chat(
            chat_id, "supergroup" if supergroup else "group", title=title, username=username
        )
        if owner is not None:
            self.user(owner)
            chat.members.add(owner)
        chat.owner_id = owner
        chat.bot_status = "member" if bot_member else "left"
        return ChatHandle(self.core, self.world.add_chat(chat))

    def channel(
        self, chat_id: int, title: str = "Kênh", *, username: str | None = None
    ) -> ChatHandle:
        """A channel the bot is not in yet: use ``add_bot_to(channel, admin=True)``."""
        if chat_id >= 0:
            raise SandboxError("channel ids are negative")
        chat = Chat(chat_id, "channel", title=title, username=username, bot_status="left")
        return ChatHandle(self.core, self.world.add_chat(chat))

    def link_discussion(self, channel: ChatRef, group: ChatRef) -> None:
        """Make ``group`` the channel's discussion group: each channel post is then forwarded
        into it automatically (``is_automatic_forward``), as Telegram does."""
        first, second = self._chat(channel), self._chat(group)
        if first.type != "channel" or second.type != "supergroup":
            raise SandboxError("a channel's discussion group is a supergroup")
        first.linked_chat_id, second.linked_chat_id = second.id, first.id

    def _actor(self, by: int | None) -> User:
        if by is None:
            return self.user(1, "Quản trị", username="station_admin").user
        return self.user(by).user

    async def add_bot_to(self, chat: ChatRef, *, admin: bool = True, by: int | None = None) -> None:
        """The bot is added (my_chat_member update; in groups also new_chat_members)."""
        target = self._chat(chat)
        actor = self._actor(by)
        old, target.bot_status = target.bot_status, "administrator" if admin else "member"
        self.world.member_update(
            "my_chat_member", target, actor, self.world.bot, old, target.bot_status
        )
        if target.type != "channel":
            self.world.service_message(actor, target, {"new_chat_members": [self.world.bot_json]})
        await asyncio.sleep(0)

    async def remove_bot_from(
        self, chat: ChatRef, *, kicked: bool = True, by: int | None = None
    ) -> None:
        target = self._chat(chat)
        old, target.bot_status = target.bot_status, "kicked" if kicked else "left"
        self.world.member_update(
            "my_chat_member", target, self._actor(by), self.world.bot, old, target.bot_status
        )
        await asyncio.sleep(0)

    async def set_bot_can_post(
        self, channel: ChatRef, can_post: bool, *, by: int | None = None
    ) -> None:
        """A channel's owner changes the bot's "Post messages" right (it stays an administrator):
        a my_chat_member update whose new status carries ``can_post_messages``."""
        target = self._chat(channel)
        if target.type != "channel" or target.bot_status != "administrator":
            raise SandboxError("the bot's posting right exists only as a channel's administrator")
        old = self.world.member_json(self.world.bot, "administrator", target)
        target.bot_can_post = can_post
        new = self.world.member_json(self.world.bot, "administrator", target)
        self.world.updates.push(
            "my_chat_member",
            {"chat": target.api, "from": self._actor(by).api(), "date": int(time.time()),
             "old_chat_member": old, "new_chat_member": new},
        )  # fmt: skip
        await asyncio.sleep(0)

    async def kick_bot(self, chat: ChatRef) -> None:
        """Sends then fail with 403 "bot was kicked from the channel chat" (or group chat)."""
        await self.remove_bot_from(chat, kicked=True)

    def _chat(self, chat: ChatRef) -> Chat:
        found = self.world.chats.get(chat_id_of(chat))
        if found is None:
            raise SandboxError(f"no chat {chat_id_of(chat)}")
        return found

    def push_raw_update(self, fields: dict[str, Any]) -> int:
        """A raw update in the bot's queue, e.g. one python-telegram-bot cannot parse."""
        return self.world.updates.push_raw(fields)

    # --- what the bot sent ------------------------------------------------------------------
    def messages(self, chat: ChatRef, *, include_deleted: bool = False) -> list[SentMessage]:
        found = self.world.chats.get(chat_id_of(chat))
        if found is None:
            return []
        return [m for m in found.messages if m.from_bot and (include_deleted or not m.deleted)]

    @overload
    async def wait_for_message(
        self,
        chat: ChatRef,
        timeout: float = ...,  # noqa: ASYNC109 - the tests' API
        predicate: Predicate | None = ...,
        count: None = ...,
    ) -> SentMessage: ...

    @overload
    async def wait_for_message(
        self,
        chat: ChatRef,
        timeout: float = ...,  # noqa: ASYNC109 - the tests' API
        predicate: Predicate | None = ...,
        *,
        count: int,
    ) -> list[SentMessage]: ...

    async def wait_for_message(
        self,
        chat: ChatRef,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API
        predicate: Predicate | None = None,
        count: int | None = None,
    ) -> SentMessage | list[SentMessage]:
        """The first bot message in ``chat`` not returned by an earlier wait (and matching
        ``predicate``), waiting for it if needed; with ``count`` the first N such messages.
        Each message is handed out once, so consecutive waits never race with fast bots."""
        found = await self.wait_for_messages(
            chat, 1 if count is None else count, timeout, predicate
        )
        return found[0] if count is None else found

    async def wait_for_messages(
        self,
        chat: ChatRef,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API
        predicate: Predicate | None = None,
    ) -> list[SentMessage]:
        chat_id = chat_id_of(chat)
        deadline = time.monotonic() + timeout
        while True:
            target = self.world.chats.get(chat_id)
            fresh = [] if target is None else _unconsumed(target, predicate)
            if len(fresh) >= count and target is not None:
                picked = fresh[:count]
                target.consumed.update(m.message_id for m in picked)
                return picked
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [m.content for m in self.messages(chat_id)]
                raise TimeoutError(
                    f"waited {timeout}s for {count} new message(s) in chat {chat_id}; "
                    f"got {len(fresh)} matching; the bot sent there: {seen!r}"
                )
            await self.world.changed(left)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API
    ) -> None:
        """Poll ``condition`` whenever the bot sends something, and at least every 50 ms."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            await self.world.changed(min(left, 0.05))

    # --- records ----------------------------------------------------------------------------
    @property
    def calls(self) -> list[CallRecord]:
        return self.core.calls

    @property
    def stats(self) -> Stats:
        return self._stats

    def reset_stats(self) -> None:
        self.core.reset_stats()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.world.updates.items)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        query = self.core.callback_queries.get(query_id)
        return None if query is None else query.answer

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        from .methods_bot import get_my_commands

        params: dict[str, Any] = {"language_code": language_code}
        if scope is not None:
            params["scope"] = scope
        return get_my_commands(self.core, params)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        return self.core.chat_actions

    # --- limits and faults ------------------------------------------------------------------
    @property
    def limits(self) -> Limits | None:
        return self._limits

    @limits.setter
    def limits(self, limits: Limits | None) -> None:
        self._limits = limits
        self.core.set_limits(limits)

    def block(self, chat: ChatRef, blocked: bool = True) -> None:
        """The user blocks the bot: 403 "bot was blocked by the user" (and a my_chat_member)."""
        target = self._chat(chat)
        if target.user is None:
            raise SandboxError("only private chats can block the bot")
        target.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self.world.member_update("my_chat_member", target, target.user, self.world.bot, old, new)

    def unblock(self, chat: ChatRef) -> None:
        self.block(chat, blocked=False)

    def deactivate(self, chat: ChatRef) -> None:
        self._chat(chat).deactivated = True

    def migrate(self, group: ChatRef, new_id: int) -> ChatHandle:
        """Group -> supergroup: the old id answers 400 with migrate_to_chat_id, the new id works."""
        old = self._chat(group)
        new = Chat(
            new_id, "supergroup", title=old.title, members=set(old.members), admins=set(old.admins)
        )
        new.owner_id, new.bot_status = old.owner_id, old.bot_status
        old.migrated_to = new_id
        self.world.add_chat(new)
        actor = self._actor(old.owner_id)
        self.world.service_message(actor, old, {"migrate_to_chat_id": new_id})
        self.world.service_message(actor, new, {"migrate_from_chat_id": old.id})
        return ChatHandle(self.core, new)

    def fault(self, fault: Fault) -> Fault:
        return self.core.faults.add(fault)

    def rate_limit(
        self,
        chat: ChatRef | None = None,
        retry_after: int = 5,
        times: int | None = 1,
        method: str | None = None,
    ) -> Fault:
        """Answer 429 "Too Many Requests: retry after N" with parameters.retry_after."""
        target = None if chat is None else chat_id_of(chat)
        return self.fault(Fault("rate_limit", method, target, times, retry_after=retry_after))

    def server_error(
        self,
        times: int | None = 1,
        status: int = 500,
        method: str | None = None,
        chat: ChatRef | None = None,
    ) -> Fault:
        target = None if chat is None else chat_id_of(chat)
        return self.fault(Fault("server_error", method, target, times, status=status))

    def slow(
        self,
        seconds: float,
        times: int | None = None,
        method: str | None = None,
        chat: ChatRef | None = None,
    ) -> Fault:
        target = None if chat is None else chat_id_of(chat)
        return self.fault(Fault("slow", method, target, times, seconds=seconds))

    def disconnect(
        self, times: int | None = 1, method: str | None = None, chat: ChatRef | None = None
    ) -> Fault:
        """Drop the connection without an answer (the client sees a network error)."""
        target = None if chat is None else chat_id_of(chat)
        return self.fault(Fault("disconnect", method, target, times))

    def clear_faults(self) -> None:
        self.core.faults.clear()


def _unconsumed(chat: Chat, predicate: Predicate | None) -> list[SentMessage]:
    consumed = chat.consumed
    return [
        m
        for m in chat.messages
        if m.from_bot and m.message_id not in consumed and (predicate is None or predicate(m))
    ]
