"""Callback data: one codec for every inline button, so each tap is parsed and checked here.

A button's payload is a frozen dataclass registered under a short prefix; its fields are typed
(``int``, ``bool``, ``str`` slugs, ``StrEnum``) and encoded in order, separated by ``:``:
``CommentButton(article_id=5)`` is ``c:5``. Decoding accepts only what ``encode`` produces —
canonical integers, known prefixes, the exact field count, at most 64 bytes (Telegram's limit) —
so forged or stale data fails with ``InvalidCallback`` instead of reaching a handler.
A payload's ``__post_init__`` may add its own checks (raise ``ValueError``).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

MAX_BYTES = 64  # Telegram refuses longer callback_data (BUTTON_DATA_INVALID)
SEPARATOR = ":"
INT64 = 2**63

_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,7}")
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,18})")
_WORD = re.compile(r"[A-Za-z0-9_.\-]+")

T = TypeVar("T")


class InvalidCallback(ValueError):
    """Callback data that no button of this bot sends (forged, truncated or from an old build)."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Route:
    prefix: str
    payload: type[Any]
    fields: tuple[tuple[str, type[Any]], ...]


_BY_PREFIX: dict[str, _Route] = {}
_BY_TYPE: dict[type[Any], _Route] = {}


def button(prefix: str) -> Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as the payload of the buttons whose data starts ``prefix:``."""

    def register(payload: type[T]) -> type[T]:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"callback prefix {prefix!r}: 1-8 of a-z, 0-9, _ (letter first)")
        if prefix in _BY_PREFIX:
            raise ValueError(f"callback prefix {prefix!r} is taken by {_BY_PREFIX[prefix]}")
        if not dataclasses.is_dataclass(payload):
            raise TypeError(f"{payload.__name__} must be a dataclass")
        hints = typing.get_type_hints(payload)
        fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(payload))
        for name, kind in fields:
            if not _supported(kind):
                raise TypeError(f"{payload.__name__}.{name}: {kind!r} cannot be callback data")
        route = _Route(prefix, payload, fields)
        _BY_PREFIX[prefix] = _BY_TYPE[payload] = route
        return payload

    return register


def _supported(kind: Any) -> bool:
    if kind in (int, bool, str):
        return True
    return isinstance(kind, type) and issubclass(kind, StrEnum)


def encode(payload: object) -> str:
    """The callback data of a button; raises ``InvalidCallback`` past 64 bytes."""
    route = _BY_TYPE.get(type(payload))
    if route is None:
        raise TypeError(f"{type(payload).__name__} is not a registered button payload")
    parts = [route.prefix]
    for name, kind in route.fields:
        parts.append(_encode_value(getattr(payload, name), kind, name))
    data = SEPARATOR.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise InvalidCallback(f"callback data {data[:20]!r}… exceeds {MAX_BYTES} bytes")
    return data


def _encode_value(value: Any, kind: type[Any], name: str) -> str:
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        return str(int(value))
    text = str(value.value if isinstance(value, StrEnum) else value)
    if not _WORD.fullmatch(text):
        raise InvalidCallback(f"{name}={text!r}: only letters, digits, '_', '.' and '-'")
    return text


def decode(data: str | None) -> object:
    """The payload a button's data stands for; ``InvalidCallback`` for anything else."""
    if not data:
        raise InvalidCallback("no callback data")
    if len(data.encode()) > MAX_BYTES:
        raise InvalidCallback(f"callback data longer than {MAX_BYTES} bytes")
    prefix, *values = data.split(SEPARATOR)
    route = _BY_PREFIX.get(prefix)
    if route is None:
        raise InvalidCallback(f"unknown callback prefix {prefix[:10]!r}")
    if len(values) != len(route.fields):
        raise InvalidCallback(f"{prefix}: expected {len(route.fields)} fields, got {len(values)}")
    parsed = {
        name: _decode_value(value, kind, name)
        for (name, kind), value in zip(route.fields, values, strict=True)
    }
    try:
        return route.payload(**parsed)
    except ValueError as error:  # the payload's own checks
        raise InvalidCallback(f"{prefix}: {error}") from None


def _decode_value(value: str, kind: type[Any], name: str) -> Any:
    if kind is bool:
        if value not in ("0", "1"):
            raise InvalidCallback(f"{name}: expected 0 or 1")
        return value == "1"
    if kind is int:
        if not _INT.fullmatch(value) or not -INT64 <= int(value) < INT64:
            raise InvalidCallback(f"{name}: expected an integer")
        return int(value)
    if not _WORD.fullmatch(value):
        raise InvalidCallback(f"{name}: unexpected characters")
    if kind is str:
        return value
    try:
        return kind(value)
    except ValueError:
        raise InvalidCallback(f"{name}: {value[:16]!r} is not a {kind.__name__}") from None


def decode_as(data: str | None, payload: type[T]) -> T:
    """Decode data that must be a ``payload`` button."""
    decoded = decode(data)
    if not isinstance(decoded, payload):
        raise InvalidCallback(f"expected a {payload.__name__} button")
    return decoded


def matches(payload: type[Any]) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern: the data decodes to a ``payload`` button."""

    def check(data: object) -> bool:
        try:
            return isinstance(decode(data if isinstance(data, str) else None), payload)
        except InvalidCallback:
            return False

    return check


# --- the bot's buttons -------------------------------------------------------------------------


@button("c")
@dataclasses.dataclass(frozen=True, slots=True)
class CommentButton:
    """💬 under a pushed article: ``c:<article id>`` (the data every push has carried)."""

    article_id: int

    def __post_init__(self) -> None:
        if self.article_id <= 0:
            raise ValueError("article ids are positive")


_QUERY = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")


@button("sp")
@dataclasses.dataclass(frozen=True, slots=True)
class SearchPageButton:
    """◀ ▶ under /search results: ``sp:<page>:<folded words joined by '.'>``."""

    page: int
    query: str

    def __post_init__(self) -> None:
        if self.page < 0:
            raise ValueError("pages count from 0")
        if not _QUERY.fullmatch(self.query):
            raise ValueError("a query is folded words")


@button("stop")
@dataclasses.dataclass(frozen=True, slots=True)
class StopButton:
    """The answer to /stop's question: ``stop:1`` unsubscribes, ``stop:0`` keeps the news."""

    confirm: bool


@button("tp")
@dataclasses.dataclass(frozen=True, slots=True)
class TopicButton:
    """A section in the /topics picker: ``tp:<slug>`` ticks or unticks it."""

    slug: str


@button("tpa")
@dataclasses.dataclass(frozen=True, slots=True)
class AllTopicsButton:
    """ "Tất cả" in the picker: follow every topic."""


@button("tpd")
@dataclasses.dataclass(frozen=True, slots=True)
class TopicsDoneButton:
    """ "Xong" in the picker: close it and say what was saved."""


@button("si")
@dataclasses.dataclass(frozen=True, slots=True)
class ImagesButton:
    """/settings: pushes with photos (``si:1``) or text only (``si:0``)."""

    on: bool


@button("sl")
@dataclasses.dataclass(frozen=True, slots=True)
class LanguageButton:
    """/settings: the language of the news, ``sl:vi`` or ``sl:en``."""

    locale: str

    def __post_init__(self) -> None:
        if self.locale not in ("vi", "en"):
            raise ValueError("the bot speaks vi and en")


@button("sq")
@dataclasses.dataclass(frozen=True, slots=True)
class QuietOffButton:
    """/settings: end the quiet hours."""


@button("sd")
@dataclasses.dataclass(frozen=True, slots=True)
class DigestOffButton:
    """/settings: stop the daily digest."""


@button("au")
@dataclasses.dataclass(frozen=True, slots=True)
class AuditPageButton:
    """◀ ▶ under /audit: ``au:<page>``, pages counted from 0, newest first."""

    page: int

    def __post_init__(self) -> None:
        if self.page < 0:
            raise ValueError("pages count from 0")


@button("bc")
@dataclasses.dataclass(frozen=True, slots=True)
class BroadcastButton:
    """Gửi (``bc:<broadcast id>:1``) or Hủy (``bc:<id>:0``) under a broadcast's preview."""

    broadcast_id: int
    send: bool

    def __post_init__(self) -> None:
        if self.broadcast_id <= 0:
            raise ValueError("broadcast ids are positive")


@button("sm")
@dataclasses.dataclass(frozen=True, slots=True)
class ModeButton:
    """/settings: how news arrives, ``sm:instant``, ``sm:digest`` or ``sm:both``."""

    mode: str

    def __post_init__(self) -> None:
        if self.mode not in ("instant", "digest", "both"):
            raise ValueError("a delivery mode is instant, digest or both")


@button("st")
@dataclasses.dataclass(frozen=True, slots=True)
class DigestTimeButton:
    """/settings: the daily digest at a preset time, ``st:<minutes after midnight>``."""

    minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.minute < 24 * 60:
            raise ValueError("a time of day is 0..1439 minutes")


@button("sqh")
@dataclasses.dataclass(frozen=True, slots=True)
class QuietPresetButton:
    """/settings: quiet hours from a preset, ``sqh:<start>:<end>`` in minutes."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < 1440 and 0 <= self.end < 1440) or self.start == self.end:
            raise ValueError("quiet hours are two different times of day")
