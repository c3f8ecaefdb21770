"""Everything a Bot API method handler may touch, in one place."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .faults import FaultBook
from .files import FileStore
from .limits import RateLimiter
from .models import CallRecord, Limits, Stats
from .upload_book import MediaBook
from .world import World


@dataclass(slots=True)
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: dict[str, Any] | None = None


@dataclass(slots=True)
class BotProfile:
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, lang)
    webhook: dict[str, Any] | None = None
    logged_out: bool = False


class Core:
    def __init__(
        self, world: World, stats: Stats, limits: Limits | None, callback_ttl: float
    ) -> None:
        self.world = world
        self.stats = stats
        self.faults = FaultBook()
        self.files = FileStore()
        self.media = MediaBook()  # uploads and URL fetches (tests.sandbox.uploads)
        self.limiter: RateLimiter | None = None
        self.set_limits(limits)
        self.callback_ttl = callback_ttl
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.profile = BotProfile()
        self.calls: list[CallRecord] = []
        self.record_calls = True
        self.chat_actions: list[tuple[int, str]] = []
        self.internal_errors: list[BaseException] = []

    def set_limits(self, limits: Limits | None) -> None:
        self.limiter = RateLimiter(limits, self.stats) if limits is not None else None

    def count_send(self, chat_id: int, params: dict[str, Any]) -> None:
        """Apply flood limits to one outgoing message (sends and edits alike)."""
        limiter = self.limiter
        if limiter is not None:
            limiter.check(chat_id, bool(params.get("allow_paid_broadcast")))

    def record(
        self, method: str, params: dict[str, Any], status: int, description: str | None
    ) -> None:
        stats = self.stats
        stats.calls += 1
        stats.calls_by_method[method] += 1
        if status != 200:
            stats.errors[status] += 1
            if status == 429:
                stats.too_many += 1
        if self.record_calls:
            self.calls.append(
                CallRecord(method, params, status, status == 200, description, time.time())
            )

    def reset_stats(self) -> None:
        stats = self.stats
        stats.total_sent = stats.edits = stats.duplicate_texts = 0
        stats.too_many = stats.violations = stats.calls = 0
        stats.sent_per_chat.clear()
        stats.errors.clear()
        stats.calls_by_method.clear()
        self.calls.clear()
        for chat in self.world.chats.values():
            chat.texts_seen.clear()


Handler = Callable[[Core, dict[str, Any]], Any | Awaitable[Any]]
