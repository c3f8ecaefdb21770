"""The Bot API spec (bot-api.json), loaded once, and cheap per-call parameter validation.

Form and query values arrive as strings (python-telegram-bot JSON-encodes every non-string
value), JSON bodies arrive typed; both are coerced to Python values by the field's spec type so
handlers see one shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .errors import ApiError, bad_request
from .paths import spec_path

_INT_RE = re.compile(r"-?\d+\Z")
_TRUE = frozenset({"true", "True", "1"})
_FALSE = frozenset({"false", "False", "0"})


@dataclass(frozen=True, slots=True)
class Upload:
    """A file that came in a multipart part."""

    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str  # int | bool | float | str | int_or_str | file | file_or_str | object | array
    required: bool
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    required: tuple[str, ...]
    returns: tuple[str, ...]


def _kind(types: list[str]) -> str:
    simple = set(types)
    if simple == {"Integer"}:
        return "int"
    if simple == {"Boolean"}:
        return "bool"
    if simple == {"Float"} or simple == {"Float", "Integer"}:
        return "float"
    if simple == {"String"}:
        return "str"
    if simple == {"Integer", "String"}:
        return "int_or_str"
    if simple == {"InputFile"}:
        return "file"
    if simple == {"InputFile", "String"}:
        return "file_or_str"
    if all(t.startswith("Array of") for t in types):
        return "array"
    return "object"


@dataclass(frozen=True, slots=True)
class Spec:
    version: str
    methods: Mapping[str, MethodSpec]  # keyed by lower-case name
    types: Mapping[str, Any]

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())


@cache
def load_spec() -> Spec:
    raw = json.loads(spec_path().read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for name, body in raw["methods"].items():
        fields = {
            f["name"]: FieldSpec(
                f["name"], _kind(f["types"]), bool(f["required"]), tuple(f["types"])
            )
            for f in body.get("fields", [])
        }
        required = tuple(n for n, f in fields.items() if f.required)
        methods[name.lower()] = MethodSpec(name, fields, required, tuple(body.get("returns", [])))
    return Spec(raw["version"], methods, raw["types"])


# Telegram's own wording for the commonest missing fields; everything else gets "<field> is empty".
_MISSING: dict[tuple[str, str], str] = {
    ("sendMessage", "text"): "message text is empty",
    ("editMessageText", "text"): "message text is empty",
    ("sendPhoto", "photo"): "there is no photo in the request",
    ("sendVideo", "video"): "there is no video in the request",
    ("sendDocument", "document"): "there is no document in the request",
    ("sendAudio", "audio"): "there is no audio in the request",
    ("answerCallbackQuery", "callback_query_id"): "QUERY_ID_INVALID",
    ("setWebhook", "url"): "bad webhook: URL is empty",  # an empty url is how deletion works
}


def missing_text(method: str, field: str) -> str:
    return _MISSING.get((method, field), f"{field} is empty")


def _type_error(field: FieldSpec) -> ApiError:
    if field.name == "reply_markup":
        return bad_request("can't parse reply keyboard markup JSON object")
    if field.name in ("chat_id", "from_chat_id"):
        return bad_request("chat not found")
    return bad_request(f'field "{field.name}" must be of type {" or ".join(field.types)}')


def coerce(field: FieldSpec, value: Any) -> Any:
    """Turn one raw value into the Python value the spec type implies, or raise 400."""
    kind = field.kind
    if isinstance(value, Upload):
        if kind in ("file", "file_or_str"):
            return value
        raise _type_error(field)
    if kind == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise _type_error(field)
    if kind == "int" or kind == "int_or_str":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            if _INT_RE.match(value):
                return int(value)
            if kind == "int_or_str" and value:
                return value
        raise _type_error(field)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise _type_error(field)
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _type_error(field) from None
    if kind in ("file", "file_or_str"):
        if isinstance(value, str):
            return value
        raise _type_error(field)
    # object / array: a JSON string in forms, already decoded in JSON bodies
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _type_error(field) from None
    if kind == "array":
        if isinstance(value, list):
            return value
    elif isinstance(value, dict):
        return value
    raise _type_error(field)


def validate(method: MethodSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce every parameter; reject unknown ones and missing required ones.

    Multipart parts that are only referenced as ``attach://<name>`` from another parameter are
    file payloads, not parameters, so they are kept aside under their own name.
    """
    fields = method.fields
    params: dict[str, Any] = {}
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            if isinstance(value, Upload):
                params[key] = value
                continue
            raise bad_request(f"unknown parameter {key}")
        if value == "" and field.kind != "str":
            continue  # Telegram treats an empty value as an absent one
        params[key] = coerce(field, value)
    for name in method.required:
        value = params.get(name)
        if value is None or value == "":
            raise bad_request(missing_text(method.name, name))
    for key in params:
        if key not in fields and not _is_attached(key, raw):
            raise bad_request(f"unknown parameter {key}")
    return params


def _is_attached(name: str, raw: Mapping[str, Any]) -> bool:
    needle = f"attach://{name}"
    return any(isinstance(v, str) and needle in v for v in raw.values())
