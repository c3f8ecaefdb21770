"""Every message kind but the article: a stored JSON payload -> a :class:`RenderedMessage`.

One renderer per :class:`~storage.enums.MessageKind`, found through one registry, so the sender
treats every kind alike: the same send and edit calls, pacing, retries and outcomes. A
payload is rendered once per (kind, payload, locale, variant) and the result is shared by
every recipient, exactly as articles are: 100,000 copies of a broadcast parse and render once.

Adding a kind (e.g. a poll):

1. a member of :class:`~storage.enums.MessageKind`;
2. a renderer here: ``@renderer(MessageKind.POLL)`` on a function ``(payload, locale,
   with_image, tz) -> RenderedMessage`` that escapes every piece of user or feed text and
   raises :class:`BadPayload` for a payload it cannot use;
3. an enqueue function in ``storage.repositories.deliveries`` (or calls of
   ``enqueue_message``) writing the rows with a ``ref`` of the kind's own (``"poll:12"``).

``tests/delivery/test_render.py`` fails while a kind has no renderer.

Payloads (``BadPayload`` when a required field is missing or of the wrong type):

* notice: ``{"key": <catalogue key>, "params": {...}, "url": <optional 📖 link>}``;
* broadcast: ``{"text": <plain text>, "photo": <optional image URL or file_id>}``;
* digest: ``{"sections": [{"topic": <name>, "items": [{"title": …, "url": …}]}]}``;
* comment post: ``{"author": <name>, "text": <comment>, "reply_to": <message id or null>}``;
* comment card: see :func:`render_comment_card`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import encode
from bot.comment_buttons import ModerateButton
from bot.delivery.render import (
    CACHE_SIZE,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    RenderedMessage,
    clean_text,
    escape_text,
    is_web_url,
)
from bot.delivery.utf16 import html_visible_len, html_visible_text, truncate_utf16
from bot.i18n import t
from storage.enums import MessageKind, ModerationAction

Payload = Mapping[str, Any]
Renderer = Callable[[Payload, str, bool, str], RenderedMessage]
# One parameter of a notice is a feed title or a count, never a story: cut anything longer.
PARAM_LIMIT = 500

_RENDERERS: dict[MessageKind, Renderer] = {}


class BadPayload(ValueError):
    """A payload its kind's renderer cannot use: a bug upstream, never worth retrying."""


def renderer(kind: MessageKind) -> Callable[[Renderer], Renderer]:
    """Register the renderer of ``kind`` (one per kind)."""

    def register(function: Renderer) -> Renderer:
        if kind is MessageKind.ARTICLE or kind in _RENDERERS:
            raise ValueError(f"{kind} already has a renderer")
        _RENDERERS[kind] = function
        return function

    return register


def renderable_kinds() -> frozenset[MessageKind]:
    """Every kind that renders from a payload (the article renders from its stored row)."""
    return frozenset(_RENDERERS)


def render_message(
    kind: MessageKind, payload: str, *, locale: str, with_image: bool, tz: str
) -> RenderedMessage:
    """Render a stored payload (JSON text); cached per (kind, payload, locale, variant).

    The payload text is the cache key, so its JSON is parsed once however many rows carry it
    (``deliveries.encode_payload`` writes equal payloads as equal strings).
    """
    return _render_cached(kind, payload, locale, with_image, tz)


def render_message_cache_clear() -> None:
    _render_cached.cache_clear()


@lru_cache(maxsize=CACHE_SIZE)
def _render_cached(
    kind: MessageKind, payload: str, locale: str, with_image: bool, tz: str
) -> RenderedMessage:
    function = _RENDERERS.get(kind)
    if function is None:
        raise BadPayload(f"no renderer for message kind {kind!r}")
    try:
        data = json.loads(payload)
    except ValueError as error:
        raise BadPayload(f"{kind} payload is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadPayload(f"{kind} payload is not a JSON object")
    return function(data, locale, with_image, tz)


# ---------------------------------------------------------------------------------- helpers


def _text(payload: Payload, field: str, *, required: bool = True) -> str:
    value = payload.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadPayload(f"payload field {field!r} must be a non-empty string")
    return clean_text(value)


def _message(
    text: str,
    *,
    photo: str | None = None,
    buttons: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> RenderedMessage:
    """A text message (or a photo with it as caption, when it fits) from our own HTML."""
    fits = photo is not None and html_visible_len(text) <= CAPTION_LIMIT
    return RenderedMessage(
        text=text,
        caption=text if fits else None,
        photo_url=photo if fits else None,
        reply_markup=buttons,
        plain_text=html_visible_text(text),
        link_preview_url=None,
        reply_to_message_id=reply_to,
    )


def _read_button(url: object, locale: str) -> InlineKeyboardMarkup | None:
    if not isinstance(url, str) or not is_web_url(url.strip()):
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("button.read", locale), url=url.strip())]])


def _escaped_params(params: object) -> dict[str, Any]:
    """Notice parameters are user or feed text: escape strings for Telegram HTML."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise BadPayload("notice params must be a JSON object")
    escaped: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, str):
            escaped[name] = escape_text(truncate_utf16(clean_text(value), PARAM_LIMIT))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise BadPayload(f"notice param {name!r} must be a string or a number")
        else:
            escaped[name] = value
    return escaped


def _fit_html(parts: list[str], limit: int = TEXT_LIMIT) -> str:
    """Join HTML lines, dropping whole lines from the end (with "…") past Telegram's limit."""
    text = "\n".join(parts)
    while len(parts) > 1 and html_visible_len(text) > limit:
        parts = parts[:-1]
        text = "\n".join([*parts, "…"])
    return text


# -------------------------------------------------------------------------------- renderers


@renderer(MessageKind.NOTICE)
def render_notice(payload: Payload, locale: str, with_image: bool, tz: str) -> RenderedMessage:
    """A catalogue message in the reader's language, its parameters escaped."""
    key = _text(payload, "key")
    try:
        text = t(key, locale, **_escaped_params(payload.get("params")))
    except KeyError as error:  # an unknown key or a parameter the template lacks
        raise BadPayload(f"notice {key!r} cannot be rendered: missing {error}") from None
    if html_visible_len(text) > TEXT_LIMIT:
        raise BadPayload(f"notice {key!r} is longer than Telegram allows")
    return _message(text, buttons=_read_button(payload.get("url"), locale))


@renderer(MessageKind.BROADCAST)
def render_broadcast(payload: Payload, locale: str, with_image: bool, tz: str) -> RenderedMessage:
    """An admin's announcement, as typed (escaped), with its photo for readers who want one."""
    body = escape_text(truncate_utf16(_text(payload, "text"), TEXT_LIMIT))
    photo = payload.get("photo")
    if photo is not None and not isinstance(photo, str):
        raise BadPayload("broadcast photo must be a string")
    return _message(body, photo=photo if with_image and photo else None)


@renderer(MessageKind.DIGEST)
def render_digest(payload: Payload, locale: str, with_image: bool, tz: str) -> RenderedMessage:
    """Headlines grouped by topic, each linked; whole lines dropped past Telegram's limit."""
    sections = payload.get("sections")
    if not isinstance(sections, list) or not sections:
        raise BadPayload("digest sections must be a non-empty list")
    lines = [t("digest.title", locale)]
    for section in sections:
        if not isinstance(section, dict) or not isinstance(section.get("items"), list):
            raise BadPayload("a digest section needs a topic and a list of items")
        lines += ["", f"<b>{escape_text(_text(section, 'topic'))}</b>"]
        for item in section["items"]:
            if not isinstance(item, dict):
                raise BadPayload("a digest item must be an object")
            title = escape_text(truncate_utf16(_text(item, "title"), 300))
            url = _text(item, "url", required=False).strip()
            if is_web_url(url):
                title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
            lines.append(f"• {title}")
    return _message(_fit_html(lines))


@renderer(MessageKind.COMMENT_POST)
def render_comment_post(
    payload: Payload, locale: str, with_image: bool, tz: str
) -> RenderedMessage:
    """An approved comment, posted as a reply in the article's thread of a discussion group."""
    reply_to = payload.get("reply_to")
    if reply_to is not None and (isinstance(reply_to, bool) or not isinstance(reply_to, int)):
        raise BadPayload("comment reply_to must be a message id")
    author = escape_text(truncate_utf16(_text(payload, "author"), 100))
    body = escape_text(truncate_utf16(_text(payload, "text"), TEXT_LIMIT - 200))
    return _message(t("comment.post", locale, name=author, text=body), reply_to=reply_to)


def card_buttons(comment_id: int, locale: str) -> InlineKeyboardMarkup:
    """✅ Duyệt / ❌ Từ chối / 🚫 Chặn for one pending comment."""

    def one(action: ModerationAction, key: str) -> InlineKeyboardButton:
        data = encode(ModerateButton(comment_id, action))
        return InlineKeyboardButton(t(key, locale), callback_data=data)

    return InlineKeyboardMarkup(
        [
            [
                one(ModerationAction.APPROVE, "comments.button_approve"),
                one(ModerationAction.REJECT, "comments.button_reject"),
                one(ModerationAction.BAN, "comments.button_ban"),
            ]
        ]
    )


_DECIDED = {
    ModerationAction.APPROVE: "comments.card_approved",
    ModerationAction.REJECT: "comments.card_rejected",
    ModerationAction.BAN: "comments.card_banned",
}
_HELD = {"link": "comments.card_link", "first": "comments.card_first"}


@renderer(MessageKind.COMMENT_CARD)
def render_comment_card(
    payload: Payload, locale: str, with_image: bool, tz: str
) -> RenderedMessage:
    """A pending comment for the moderators: article (linked), author, text, all escaped;
    the buttons while it is pending, who decided and when once it is not.

    Payload: ``{"comment_id", "user_id", "title", "url", "author", "text", "held",
    "decision": null | {"action", "by", "at" (ISO time)}}``.
    """
    comment_id, user_id = payload.get("comment_id"), payload.get("user_id")
    if not isinstance(comment_id, int) or not isinstance(user_id, int):
        raise BadPayload("a comment card needs comment_id and user_id")
    title = escape_text(truncate_utf16(_text(payload, "title"), 300))
    url = _text(payload, "url", required=False).strip()
    article = f'<a href="{html.escape(url, quote=True)}">{title}</a>' if is_web_url(url) else title
    author = escape_text(truncate_utf16(_text(payload, "author"), 100))
    body = escape_text(truncate_utf16(_text(payload, "text"), TEXT_LIMIT - 700))
    lines = [
        t(
            "comments.card",
            locale,
            id=comment_id,
            article=article,
            author=author,
            user_id=user_id,
            text=body,
        )
    ]
    held = _HELD.get(str(payload.get("held")))
    if held is not None:
        lines += ["", t(held, locale)]
    decision = payload.get("decision")
    if decision is None:
        return _message("\n".join(lines), buttons=card_buttons(comment_id, locale))
    if not isinstance(decision, dict):
        raise BadPayload("a card's decision must be an object")
    try:
        action = ModerationAction(str(decision.get("action")))
        at = datetime.fromisoformat(str(decision.get("at"))).astimezone(ZoneInfo(tz))
    except ValueError as error:
        raise BadPayload(f"a card's decision cannot be read: {error}") from None
    by = escape_text(truncate_utf16(_text(decision, "by"), 100))
    lines += ["", t(_DECIDED[action], locale, name=by, at=at.strftime("%H:%M, %d/%m/%Y"))]
    return _message("\n".join(lines))
