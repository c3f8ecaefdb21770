"""The bot's update queue: getUpdates confirmation by offset, long polling, allowed_updates."""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import CONFLICT_POLLING, ApiError

# Telegram's default when allowed_updates is empty or was never given.
ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

_UPDATE = "update"
_CONFLICT = "conflict"
_CLOSED = "closed"


class UpdateQueue:
    def __init__(self, first_update_id: int = 100_001) -> None:
        self.items: list[dict[str, Any]] = []
        self.allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.dropped: int = 0  # updates not queued because allowed_updates excluded their type
        self._next_id = first_update_id
        self._waiter: asyncio.Future[str] | None = None
        self._closed = False
        self.arrived = asyncio.Event()  # set on every new update (the webhook pusher waits on it)

    def set_allowed(self, allowed: list[Any] | None) -> None:
        """Telegram remembers the last list; an empty list means the default set."""
        if allowed is None:
            return
        self.allowed = frozenset(map(str, allowed)) if allowed else DEFAULT_UPDATE_TYPES

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        # Telegram filters when the update is created, not when it is fetched.
        if kind not in self.allowed:
            self.dropped += 1
            return None
        update_id = self._next_id
        self._next_id += 1
        self.items.append({"update_id": update_id, kind: payload})
        self.arrived.set()
        self._wake(_UPDATE)
        return update_id

    def push_raw(self, fields: dict[str, Any]) -> int:
        """Queue an update exactly as given (no type filter, no checks): a malformed update
        Telegram could send, to test that the bot skips what it cannot parse."""
        update_id = self._next_id
        self._next_id += 1
        self.items.append({"update_id": update_id, **fields})
        self.arrived.set()
        self._wake(_UPDATE)
        return update_id

    def confirm(self, offset: int) -> None:
        if offset < 0:
            del self.items[: max(0, len(self.items) + offset)]
        elif self.items and self.items[0]["update_id"] < offset:
            self.items = [u for u in self.items if u["update_id"] >= offset]

    def drop_pending(self) -> None:
        self.items.clear()

    async def get(self, offset: int | None, limit: int, wait: float) -> list[dict[str, Any]]:
        # A newer poll always wins; the older one is answered with 409 like Telegram does.
        self._wake(_CONFLICT)
        if offset is not None:
            self.confirm(offset)
        if self.items or wait <= 0 or self._closed:
            return self.items[:limit]
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            reason = await asyncio.wait_for(waiter, wait)
        except TimeoutError:
            return []
        finally:
            if self._waiter is waiter:
                self._waiter = None
        if reason == _CONFLICT:
            raise ApiError(409, CONFLICT_POLLING)
        return self.items[:limit]

    def close(self) -> None:
        """Answer a hanging long poll now (server shutdown) instead of after its timeout."""
        self._closed = True
        self._wake(_CLOSED)

    def _wake(self, reason: str) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(reason)
        self._waiter = None
