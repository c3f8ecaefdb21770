"""Text and caption rules: parse modes, Telegram's length limits (UTF-16), emptiness."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request, parse_error
from .text_html import parse_html, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024

# MarkdownV2 is checked only for what bots get wrong most: characters that are never markup
# (`# + - = { } . !`, and `>` away from a line start) must be escaped with a backslash.
# Markup pairs (* _ ~ || ` [ ]( )) are stripped, not turned into entities.
_MD_CODE = re.compile(r"```.*?```|`[^`]*`|\]\((?:\\.|[^)\\])*\)", re.DOTALL)  # code, link URLs
_MD_RESERVED = re.compile(r"(?<!\\)(?:\\\\)*([#+\-={}.!]|(?<!^)(?<!\n)>)")
_MD_MARKUP = re.compile(r"\\(.)|\|\||__|[*_~`]|\[|\]\([^)]*\)")


def _markdown_v2(text: str) -> str:
    scrubbed = _MD_CODE.sub(lambda m: " " * len(m.group()), text)
    found = _MD_RESERVED.search(scrubbed)
    if found is not None:
        char = found.group(1)
        raise parse_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )
    return _MD_MARKUP.sub(lambda m: m.group(1) or "", text)


def format_text(
    text: str, parse_mode: str | None, entities: list[Any] | None
) -> tuple[str, list[dict[str, Any]] | None]:
    """Apply the parse mode and return (plain text, entities)."""
    if parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            plain, found = parse_html(text)
            return plain, found or None
        if mode == "markdownv2":
            return _markdown_v2(text), None
        if mode == "markdown":
            return text.replace("*", "").replace("_", "").replace("`", ""), None
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    if entities is not None and not all(isinstance(e, dict) for e in entities):
        raise bad_request("can't parse entities JSON object")
    return text, entities or None


def message_text(
    params: dict[str, Any], key: str = "text"
) -> tuple[str, list[dict[str, Any]] | None]:
    plain, entities = format_text(params[key], params.get("parse_mode"), params.get("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


def caption_of(
    params: dict[str, Any], parse_mode_key: str = "parse_mode"
) -> tuple[str | None, list[dict[str, Any]] | None]:
    caption = params.get("caption")
    if caption is None:
        return None, None
    plain, entities = format_text(
        caption, params.get(parse_mode_key), params.get("caption_entities")
    )
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return (plain if plain.strip() else None), entities
