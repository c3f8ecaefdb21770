"""A message to translate later, per reader: what an outbox payload stores instead of text.

``deferred("news.burst_more", source=name)`` names its message with a literal id, so the
catalogue test checks it like a ``t()`` call; :func:`bot.i18n.render` translates it into each
reader's language when the message is sent. Parameters are plain JSON values (text and
numbers): a stored payload never carries markup, so every text parameter is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Param = str | int | float


@dataclass(frozen=True, slots=True)
class Deferred:
    """A message id, its parameters and, for a plural message, its count. Hashable, so a
    renderer can cache one translation per (message, locale)."""

    key: str
    params: tuple[tuple[str, Param], ...] = ()
    n: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "params": dict(self.params)}
        if self.n is not None:
            data["n"] = self.n
        return data

    @classmethod
    def from_json(cls, data: object) -> Deferred:
        """Read :meth:`to_json`'s shape back (other fields are ignored); ValueError if bad."""
        if not isinstance(data, dict):
            raise ValueError("a deferred message must be a JSON object")
        key, params, n = data.get("key"), data.get("params", {}), data.get("n")
        if not isinstance(key, str) or not key:
            raise ValueError("a deferred message needs a message id (key)")
        if not isinstance(params, dict):
            raise ValueError(f"{key}: params must be a JSON object")
        for name, value in params.items():
            if isinstance(value, bool) or not isinstance(value, Param):
                raise ValueError(f"{key}: parameter {name!r} must be text or a number")
        if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
            raise ValueError(f"{key}: n must be an integer")
        return cls(key, _frozen(params), n)


def _frozen(params: dict[str, Param]) -> tuple[tuple[str, Param], ...]:
    return tuple(sorted(params.items()))


def deferred(key: str, **params: Param) -> Deferred:
    """A message for :func:`bot.i18n.render` (the id must be a literal, as for ``t``)."""
    return Deferred(key, _frozen(params))


def deferred_n(key: str, n: int, **params: Param) -> Deferred:
    """A plural message for :func:`bot.i18n.render` (as ``tn``: ``{n}`` is filled in)."""
    return Deferred(key, _frozen(params), n)
