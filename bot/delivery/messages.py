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

* notice: ``bot.i18n.Deferred.to_json()`` (``{"key": <catalogue id>, "params": {...}, "n":
  <optional plural count>}``) plus ``"url"``: an optional 📖 link;
* broadcast: ``{"text": <plain text>, "photo": <optional image URL or file_id>}``;
* digest: ``{"sections": [{"topic": <name>, "items": [{"title": …, "url": …}]}], "part": n,
  "parts": m}`` (``part``/``parts`` optional: an edition split by ``bot.services.digest``);
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
    without_buttons,
)
from bot.delivery.utf16 import html_visible_len, html_visible_text, truncate_utf16
from bot.i18n import (
    Deferred,
    Markup,
    MissingParameter,
    UnknownMessage,
    escape,
    format_datetime,
    render,
    t,
    t_html,
)
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
    kind: MessageKind,
    payload: str,
    *,
    locale: str,
    with_image: bool,
    tz: str,
    buttons: bool = True,
) -> RenderedMessage:
    """Render a stored payload (JSON text); cached per (kind, payload, locale, variant).

    The payload text is the cache key, so its JSON is parsed once however many rows carry it
    (``deliveries.encode_payload`` writes equal payloads as equal strings). ``buttons=False``
    is the variant without an inline keyboard (a channel in native comment mode).
    """
    if not buttons:
        return _without_buttons_cached(kind, payload, locale, with_image, tz)
    return _render_cached(kind, payload, locale, with_image, tz)


@lru_cache(maxsize=CACHE_SIZE)
def _without_buttons_cached(
    kind: MessageKind, payload: str, locale: str, with_image: bool, tz: str
) -> RenderedMessage:
    return without_buttons(_render_cached(kind, payload, locale, with_image, tz))


def render_message_cache_clear() -> None:
    _render_cached.cache_clear()
    _without_buttons_cached.cache_clear()


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


def _notice_message(payload: Payload) -> Deferred:
    """The payload's catalogue message, its text parameters cleaned and cut (not escaped:
    the message layer escapes every parameter of an HTML message)."""
    params = payload.get("params")
    if isinstance(params, dict):
        payload = {
            **payload,
            "params": {
                name: truncate_utf16(clean_text(value), PARAM_LIMIT)
                if isinstance(value, str)
                else value
                for name, value in params.items()
            },
        }
    try:
        return Deferred.from_json(payload)
    except ValueError as error:
        raise BadPayload(f"notice: {error}") from None


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
    message = _notice_message(payload)
    try:
        text = str(render(message, locale))
    except UnknownMessage:  # a payload naming a message no catalogue has
        raise BadPayload(f"notice {message.key!r} is in no catalogue") from None
    except MissingParameter as error:
        raise BadPayload(f"notice {message.key!r} needs the parameter {error}") from None
    if html_visible_len(text) > TEXT_LIMIT:
        raise BadPayload(f"notice {message.key!r} is longer than Telegram allows")
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
    part, parts = payload.get("part"), payload.get("parts")
    if isinstance(part, int) and isinstance(parts, int) and 1 <= part <= parts and parts > 1:
        lines[0] += f" ({part}/{parts})"  # an edition split over several messages
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
    # Raw text: comment.post is an HTML message, so the message layer escapes its parameters.
    author = truncate_utf16(_text(payload, "author"), 100)
    body = truncate_utf16(_text(payload, "text"), TEXT_LIMIT - 200)
    return _message(str(t("comment.post", locale, name=author, text=body)), reply_to=reply_to)


def card_buttons(comment_id: int, locale: str) -> InlineKeyboardMarkup:
    """✅ Duyệt / ❌ Từ chối / 🚫 Chặn for one pending comment."""

    def one(action: ModerationAction, label: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=encode(ModerateButton(comment_id, action)))

    return InlineKeyboardMarkup(
        [
            [
                one(ModerationAction.APPROVE, t("comments.button_approve", locale)),
                one(ModerationAction.REJECT, t("comments.button_reject", locale)),
                one(ModerationAction.BAN, t("comments.button_ban", locale)),
            ]
        ]
    )


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
    # Raw text: comments.card is an HTML message, so the message layer escapes its parameters;
    # only the article link is markup of our own.
    title = truncate_utf16(_text(payload, "title"), 300)
    url = _text(payload, "url", required=False).strip()
    article: str = title
    if is_web_url(url):
        article = Markup(f'<a href="{html.escape(url, quote=True)}">{escape(title)}</a>')
    author = truncate_utf16(_text(payload, "author"), 100)
    body = truncate_utf16(_text(payload, "text"), TEXT_LIMIT - 700)
    lines = [
        str(
            t(
                "comments.card",
                locale,
                id=comment_id,
                article=article,
                author=author,
                user_id=user_id,
                text=body,
            )
        )
    ]
    held = payload.get("held")
    if held == "link":
        lines += ["", t("comments.card_link", locale)]
    elif held == "first":
        lines += ["", t("comments.card_first", locale)]
    decision = payload.get("decision")
    if decision is None:
        return _message("\n".join(lines), buttons=card_buttons(comment_id, locale))
    if not isinstance(decision, dict):
        raise BadPayload("a card's decision must be an object")
    try:
        action = ModerationAction(str(decision.get("action")))
        at = datetime.fromisoformat(str(decision.get("at")))
    except ValueError as error:
        raise BadPayload(f"a card's decision cannot be read: {error}") from None
    by = truncate_utf16(_text(decision, "by"), 100)
    lines += ["", _decided(action, locale, name=by, at=format_datetime(at, locale, tz))]
    return _message("\n".join(lines))


def _decided(action: ModerationAction, locale: str, *, name: str, at: str) -> str:
    """Who decided and when (plain messages placed in the HTML card: escaped whole)."""
    match action:
        case ModerationAction.APPROVE:
            return t_html("comments.card_approved", locale, name=name, at=at)
        case ModerationAction.REJECT:
            return t_html("comments.card_rejected", locale, name=name, at=at)
        case ModerationAction.BAN:
            return t_html("comments.card_banned", locale, name=name, at=at)
