"""Plain records the sandbox keeps and tests read: messages, calls, counters, limits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SentMessage:
    """A message in a chat, as the sandbox stores it (sent by the bot unless ``from_bot`` is
    False). Edits update it in place; ``edit_history`` keeps the earlier texts/captions."""

    message_id: int
    chat_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    entities: list[dict[str, Any]] | None = None
    caption_entities: list[dict[str, Any]] | None = None
    parse_mode: str | None = None
    photo: list[dict[str, Any]] | None = None
    video: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    media_group_id: str | None = None
    reply_markup: dict[str, Any] | None = None
    disable_notification: bool = False
    protect_content: bool = False
    reply_to_message_id: int | None = None
    link_preview_options: dict[str, Any] | None = None
    edit_count: int = 0
    edit_date: int | None = None
    edit_history: list[str | None] = field(default_factory=list)
    deleted: bool = False
    from_bot: bool = True
    from_user_id: int | None = None
    method: str = "sendMessage"
    extra: dict[str, Any] = field(default_factory=dict)  # service fields / other media, as JSON

    @property
    def content(self) -> str | None:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else self.caption

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", ()) for b in row]


@dataclass(slots=True)
class CallRecord:
    method: str
    params: dict[str, Any]
    status: int
    ok: bool
    description: str | None
    at: float


@dataclass(slots=True)
class Limits:
    """Telegram's broadcast limits, enforced when given to the sandbox.

    ``jitter`` is shaved off every window so a bot pacing exactly at the limit is not punished
    for event-loop timer noise: per private chat one message per (1/per_chat_per_s - jitter)
    seconds (0.95 s by default), overall ``overall_per_s`` per (1 - jitter) s sliding window,
    per group/channel ``group_per_min`` per (60 - jitter) s. With ``enforce=False`` violations
    are only counted and the message is still delivered.
    """

    per_chat_per_s: float = 1.0
    overall_per_s: float = 30.0
    group_per_min: int = 20
    paid_overall_per_s: float = 1000.0
    jitter: float = 0.05
    enforce: bool = True

    @classmethod
    def parse(cls, text: str) -> Limits:
        """``per_chat=1,overall=30,group_per_min=20,enforce=0`` (CLI form)."""
        aliases = {
            "per_chat": "per_chat_per_s",
            "overall": "overall_per_s",
            "paid": "paid_overall_per_s",
        }
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, raw = part.partition("=")
            name = aliases.get(key.strip(), key.strip())
            if name == "enforce":
                values[name] = raw.strip().lower() in ("1", "true", "yes")
            elif name == "group_per_min":
                values[name] = int(raw)
            else:
                values[name] = float(raw)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "per_chat_per_s": self.per_chat_per_s,
            "overall_per_s": self.overall_per_s,
            "group_per_min": self.group_per_min,
            "paid_overall_per_s": self.paid_overall_per_s,
            "jitter": self.jitter,
            "enforce": self.enforce,
        }


@dataclass(slots=True)
class Stats:
    """Counters for assertions and benchmarks (also at GET /_sandbox/stats)."""

    total_sent: int = 0
    sent_per_chat: Counter[int] = field(default_factory=Counter)
    edits: int = 0
    duplicate_texts: int = 0  # a chat received a text identical to one it already had
    too_many: int = 0  # 429 answers, injected or from limits
    violations: int = 0  # rate-limit violations detected in limit mode
    errors: Counter[int] = field(default_factory=Counter)
    calls: int = 0
    calls_by_method: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "total_sent": self.total_sent,
            "sent_per_chat": {str(k): v for k, v in self.sent_per_chat.items()},
            "edits": self.edits,
            "duplicate_texts": self.duplicate_texts,
            "too_many": self.too_many,
            "violations": self.violations,
            "errors": {str(k): v for k, v in self.errors.items()},
            "calls": self.calls,
            "calls_by_method": dict(self.calls_by_method),
        }
