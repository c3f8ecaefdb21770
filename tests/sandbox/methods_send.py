"""sendMessage and friends, edits and deletions: stored per chat with real message ids."""

from __future__ import annotations

import itertools
import time
from typing import Any

from .core import Core, Handler
from .errors import MESSAGE_NOT_MODIFIED, bad_request
from .formatting import caption_of, message_text
from .markup import check_reply_markup
from .models import SentMessage
from .world import Chat

_media_groups = itertools.count(13_000_000_000_000_000)


def _reply_to(core: Core, chat: Chat, params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters")
    if not reply:
        return None
    message_id = reply.get("message_id")
    if not isinstance(message_id, int):
        raise bad_request("message to be replied not found")
    target = chat
    if reply.get("chat_id") not in (None, chat.id):
        target = core.world.find_chat(reply["chat_id"])
    if core.world.message(target, message_id) is None:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return message_id


def _common(core: Core, chat: Chat, params: dict[str, Any], method: str) -> dict[str, Any]:
    markup = params.get("reply_markup")
    if markup is not None:
        check_reply_markup(markup)
    return {
        "reply_markup": markup,
        "parse_mode": params.get("parse_mode"),
        "disable_notification": bool(params.get("disable_notification")),
        "protect_content": bool(params.get("protect_content")),
        "reply_to_message_id": _reply_to(core, chat, params),
        "method": method,
    }


def _deliver(
    core: Core, chat: Chat, params: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    core.count_send(chat.id, params)
    return core.world.message_json(core.world.store(chat, fields))


def send_message(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    chat = core.world.writable_chat(p["chat_id"])
    text, entities = message_text(p)
    fields = _common(core, chat, p, "sendMessage")
    fields.update(text=text, entities=entities, link_preview_options=p.get("link_preview_options"))
    return _deliver(core, chat, p, fields)


def _send_media(kind: str, method: str) -> Handler:
    def handler(core: Core, p: dict[str, Any]) -> dict[str, Any]:
        chat = core.world.writable_chat(p["chat_id"])
        caption, caption_entities = caption_of(p)
        stored = core.files.resolve(kind, p[kind], p)
        fields = _common(core, chat, p, method)
        fields.update(caption=caption, caption_entities=caption_entities)
        fields[kind if kind in ("photo", "video", "document") else "extra"] = (
            core.files.media_json(kind, stored)
            if kind in ("photo", "video", "document")
            else {kind: core.files.media_json(kind, stored)}
        )
        return _deliver(core, chat, p, fields)

    return handler


def send_media_group(core: Core, p: dict[str, Any]) -> list[dict[str, Any]]:
    chat = core.world.writable_chat(p["chat_id"])
    media = p["media"]
    if not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the album: must include 2-10 items")
    prepared: list[dict[str, Any]] = []
    for item in media:
        if not isinstance(item, dict) or item.get("type") not in (
            "photo",
            "video",
            "document",
            "audio",
        ):
            raise bad_request("can't parse InputMedia JSON object")
        if "media" not in item:
            raise bad_request("media is empty")
        caption, caption_entities = caption_of(item)
        kind = item["type"]
        stored = core.files.resolve(kind, item["media"], p)
        fields = _common(core, chat, p, "sendMediaGroup")
        fields.update(caption=caption, caption_entities=caption_entities, reply_markup=None)
        fields.update(parse_mode=item.get("parse_mode"))
        media_json = core.files.media_json(kind, stored)
        if kind in ("photo", "video", "document"):
            fields[kind] = media_json
        else:
            fields["extra"] = {kind: media_json}
        prepared.append(fields)
    core.count_send(chat.id, p)
    group_id = str(next(_media_groups))
    out = []
    for fields in prepared:
        fields["media_group_id"] = group_id
        out.append(core.world.message_json(core.world.store(chat, fields)))
    return out


def send_generic(method: str) -> Handler:
    """Any other message-sending method in the spec: stored as a message of that kind."""

    def handler(core: Core, p: dict[str, Any]) -> dict[str, Any]:
        chat = core.world.writable_chat(p["chat_id"])
        caption, caption_entities = caption_of(p)
        fields = _common(core, chat, p, method)
        fields.update(caption=caption, caption_entities=caption_entities)
        return _deliver(core, chat, p, fields)

    return handler


# --- edits ---------------------------------------------------------------------------------


def _editable(core: Core, p: dict[str, Any]) -> SentMessage | None:
    if p.get("inline_message_id") is not None:
        return None  # inline messages are not stored; Telegram answers True for them
    if p.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    if p.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = core.world.writable_chat(p["chat_id"])
    msg = core.world.message(chat, p["message_id"])
    if msg is None:
        raise bad_request("message to edit not found")
    if not msg.from_bot:
        raise bad_request("message can't be edited")
    return msg


def _apply_edit(
    core: Core, msg: SentMessage, p: dict[str, Any], previous: str | None
) -> dict[str, Any]:
    core.count_send(msg.chat_id, p)
    msg.edit_history.append(previous)
    msg.edit_count += 1
    msg.edit_date = int(time.time())
    core.stats.edits += 1
    return core.world.message_json(msg)


def edit_message_text(core: Core, p: dict[str, Any]) -> dict[str, Any] | bool:
    text, entities = message_text(p)
    markup = p.get("reply_markup")
    if markup is not None:
        check_reply_markup(markup)
    msg = _editable(core, p)
    if msg is None:
        return True
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    preview = p.get("link_preview_options")
    if msg.text == text and msg.entities == entities and msg.reply_markup == markup:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    previous = msg.text
    msg.text, msg.entities, msg.reply_markup = text, entities, markup
    msg.parse_mode = p.get("parse_mode")
    if preview is not None:
        msg.link_preview_options = preview
    return _apply_edit(core, msg, p, previous)


def edit_message_caption(core: Core, p: dict[str, Any]) -> dict[str, Any] | bool:
    caption, entities = caption_of(p)
    markup = p.get("reply_markup")
    if markup is not None:
        check_reply_markup(markup)
    msg = _editable(core, p)
    if msg is None:
        return True
    if msg.text is not None:
        raise bad_request("there is no caption in the message to edit")
    if msg.caption == caption and msg.caption_entities == entities and msg.reply_markup == markup:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    previous = msg.caption
    msg.caption, msg.caption_entities, msg.reply_markup = caption, entities, markup
    return _apply_edit(core, msg, p, previous)


def edit_message_reply_markup(core: Core, p: dict[str, Any]) -> dict[str, Any] | bool:
    markup = p.get("reply_markup")
    if markup is not None:
        check_reply_markup(markup)
    msg = _editable(core, p)
    if msg is None:
        return True
    if msg.reply_markup == markup or (not msg.reply_markup and not markup):
        raise bad_request(MESSAGE_NOT_MODIFIED)
    msg.reply_markup = markup
    return _apply_edit(core, msg, p, msg.content)


def delete_message(core: Core, p: dict[str, Any]) -> bool:
    chat = core.world.find_chat(p["chat_id"])
    msg = core.world.message(chat, p["message_id"])
    if msg is None:
        raise bad_request("message to delete not found")
    msg.deleted = True
    return True


def delete_messages(core: Core, p: dict[str, Any]) -> bool:
    chat = core.world.find_chat(p["chat_id"])
    for message_id in p["message_ids"]:
        msg = core.world.message(chat, message_id)
        if msg is not None:
            msg.deleted = True
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": _send_media("photo", "sendPhoto"),
    "sendVideo": _send_media("video", "sendVideo"),
    "sendDocument": _send_media("document", "sendDocument"),
    "sendAudio": _send_media("audio", "sendAudio"),
    "sendAnimation": _send_media("animation", "sendAnimation"),
    "sendMediaGroup": send_media_group,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
}
