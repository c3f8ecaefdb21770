"""Injected failures: 429s, 5xx, slow answers, dropped connections, any custom error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ApiError

FAULT_KINDS = ("rate_limit", "server_error", "slow", "disconnect", "error")
_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(slots=True)
class Fault:
    """One switch. ``method``/``chat_id`` narrow it (None = any); ``times`` None = until cleared."""

    kind: str
    method: str | None = None
    chat_id: int | None = None
    times: int | None = 1
    retry_after: int = 5
    status: int = 500
    seconds: float = 0.0
    description: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {FAULT_KINDS}")
        if self.method is not None:
            self.method = self.method.lower()

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError:
        if self.kind == "rate_limit":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "server_error":
            return ApiError(self.status, _STATUS_TEXT.get(self.status, "Internal Server Error"))
        return ApiError(self.status, self.description or "Internal Server Error")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "chat_id": self.chat_id,
            "times": self.times,
            "retry_after": self.retry_after,
            "status": self.status,
            "seconds": self.seconds,
            "description": self.description,
        }


class FaultBook:
    def __init__(self) -> None:
        self.active: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.active.append(fault)
        return fault

    def clear(self) -> None:
        self.active.clear()

    def take(self, method: str, chat_id: Any) -> list[Fault]:
        """The faults that fire for this call, each consuming one of its ``times``."""
        fired: list[Fault] = []
        for fault in list(self.active):
            if not fault.matches(method, chat_id):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.active.remove(fault)
            fired.append(fault)
            if fault.kind != "slow":
                break  # one failure per call; slowness can stack on top of it
        return fired
