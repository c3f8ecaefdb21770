"""Telegram's HTML parse mode: tags to entities, with Telegram's error texts.

Stricter than Telegram's server in one way, on purpose and as documented by Telegram: a raw
``&`` that does not start ``&lt; &gt; &amp; &quot;`` or a numeric entity, and a raw ``>``, are
rejected (the real server sometimes lets them through; a bot that escapes them is safe on both).
Offsets in errors are UTF-8 byte offsets; entity offsets are UTF-16 code units.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import parse_error

_SPECIAL = re.compile(r"[<>&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_END_TAG = re.compile(r"</\s*([a-zA-Z][a-zA-Z0-9-]*)?\s*>")
_ATTR = re.compile(r"([^\s=/>\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")

_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALLOWED = frozenset({*_SIMPLE, "span", "a", "tg-emoji", "tg-time"})


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named]
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _unescape_attr(value: str) -> str:
    return _ENTITY.sub(_decode_entity, value) if "&" in value else value


class _Open:
    __slots__ = ("attrs", "name", "start16")

    def __init__(self, name: str, attrs: dict[str, str], start16: int) -> None:
        self.name = name
        self.attrs = attrs
        self.start16 = start16


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) or raise ApiError 400 "can't parse entities: ..."."""
    if _SPECIAL.search(text) is None:
        return text, []
    out: list[str] = []
    out16 = 0  # UTF-16 length of what is in ``out``
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    for special in _SPECIAL.finditer(text):
        at = special.start()
        if at < pos:
            continue  # inside a tag or entity already consumed
        if at > pos:
            chunk = text[pos:at]
            out.append(chunk)
            out16 += utf16_len(chunk)
        char = special.group()
        if char == "&":
            ent = _ENTITY.match(text, at)
            if ent is None:
                raise parse_error(
                    f"Unsupported HTML entity at byte offset {_byte_offset(text, at)}"
                )
            decoded = _decode_entity(ent)
            out.append(decoded)
            out16 += utf16_len(decoded)
            pos = ent.end()
        elif char == ">":
            raise parse_error(
                f'Unexpected character ">" at byte offset {_byte_offset(text, at)}; '
                'use "&gt;" instead'
            )
        elif text.startswith("</", at):
            pos = _end_tag(text, at, stack, entities, out16)
        else:
            pos = _start_tag(text, at, stack, out16)
    if pos < len(text):
        out.append(text[pos:])
    if stack:
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _start_tag(text: str, at: int, stack: list[_Open], out16: int) -> int:
    match = _START_TAG.match(text, at)
    if match is None:
        named = _TAG_NAME.match(text, at)
        if named is not None and named.group(1).lower() not in _ALLOWED:
            raise parse_error(
                f'Unsupported start tag "{named.group(1).lower()}" at byte offset '
                f"{_byte_offset(text, at)}"
            )
        if named is None:
            raise parse_error(f'Unsupported start tag "" at byte offset {_byte_offset(text, at)}')
        raise parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, at)}")
    name = match.group(1).lower()
    if name not in _ALLOWED:
        raise parse_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, at)}')
    attrs: dict[str, str] = {}
    if match.group(2):
        for attr in _ATTR.finditer(match.group(2)):
            value = attr.group(2) or attr.group(3) or attr.group(4) or ""
            attrs[attr.group(1).lower()] = _unescape_attr(value)
    offset = _byte_offset(text, at)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a" and not attrs.get("href"):
        raise parse_error(f'Tag "a" must have attribute "href" at byte offset {offset}')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise parse_error("Custom emoji entity must contain a valid custom emoji identifier")
    if name == "tg-time" and not attrs.get("unix", "").isdigit():
        raise parse_error(f'Tag "tg-time" must have attribute "unix" at byte offset {offset}')
    stack.append(_Open(name, attrs, out16))
    return match.end()


def _end_tag(
    text: str, at: int, stack: list[_Open], entities: list[dict[str, Any]], out16: int
) -> int:
    match = _END_TAG.match(text, at)
    offset = _byte_offset(text, at)
    if match is None:
        raise parse_error(f"Unclosed end tag at byte offset {offset}")
    if not stack:
        raise parse_error(f"Unexpected end tag at byte offset {offset}")
    name = (match.group(1) or "").lower()
    top = stack[-1]
    if name != top.name:
        raise parse_error(
            f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
            f'found "</{name}>"'
        )
    stack.pop()
    length = out16 - top.start16
    if length > 0:
        entity = _entity(top, length, stack, entities)
        if entity is not None:
            entities.append(entity)
    return match.end()


def _entity(
    tag: _Open, length: int, stack: list[_Open], entities: list[dict[str, Any]]
) -> dict[str, Any] | None:
    name = tag.name
    entity: dict[str, Any] = {"offset": tag.start16, "length": length}
    if name == "a":
        entity["type"] = "text_link"
        entity["url"] = tag.attrs["href"]
    elif name == "span":
        entity["type"] = "spoiler"
    elif name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif name == "tg-time":
        entity["type"] = "date_time"
        entity["unix_time"] = int(tag.attrs["unix"])
        if "format" in tag.attrs:
            entity["date_time_format"] = tag.attrs["format"]
    elif name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif name == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language[len("language-") :]
        return None  # Telegram folds <pre><code class="language-x"> into one pre entity
    else:
        entity["type"] = _SIMPLE[name]
        if name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
    return entity
