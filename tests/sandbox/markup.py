"""reply_markup checks: the keyboard shapes and button limits Telegram enforces."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request

_URL_RE = re.compile(r"(?:https?://|tg://)[^\s/$.?#][^\s]*\Z", re.IGNORECASE)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_ALLOWED_BUTTON_KEYS = frozenset({"text", "icon_custom_emoji_id", "style", *_BUTTON_ACTIONS})


def check_reply_markup(markup: dict[str, Any]) -> None:
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" must be an Array of Array')
    elif not (markup.get("remove_keyboard") is True or markup.get("force_reply") is True):
        raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_keyboard(markup: dict[str, Any]) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        raise bad_request('field "inline_keyboard" must be an Array')
    for row in rows:
        if not isinstance(row, list):
            raise bad_request('field "inline_keyboard" must be an Array of Array')
        for button in row:
            _check_button(button)


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: Object expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    unknown = button.keys() - _ALLOWED_BUTTON_KEYS
    if unknown:
        raise bad_request(f"can't parse inline keyboard button: unknown field {sorted(unknown)[0]}")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or _URL_RE.match(url) is None:
            raise bad_request("BUTTON_URL_INVALID")


def callback_data_of(markup: dict[str, Any] | None) -> list[str]:
    if not markup:
        return []
    return [
        b["callback_data"]
        for row in markup.get("inline_keyboard", ())
        for b in row
        if isinstance(b, dict) and "callback_data" in b
    ]
