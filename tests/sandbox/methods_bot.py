"""getMe, getUpdates, webhooks, commands, descriptions, callbacks, files, chat info."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from .core import Core, Handler
from .errors import CONFLICT_WEBHOOK, QUERY_TOO_OLD, ApiError, bad_request
from .world import Chat

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}\Z")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def get_me(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    return {
        **core.world.bot_json,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(core: Core, p: dict[str, Any]) -> list[dict[str, Any]]:
    if core.profile.webhook is not None:
        raise ApiError(409, CONFLICT_WEBHOOK)
    limit = p.get("limit", 100)
    limit = 100 if not 1 <= limit <= 100 else limit
    queue = core.world.updates
    queue.set_allowed(p.get("allowed_updates"))
    return await queue.get(p.get("offset"), limit, float(p.get("timeout", 0)))


def set_webhook(core: Core, p: dict[str, Any]) -> bool:
    url = p["url"]
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if p.get("drop_pending_updates"):
        core.world.updates.drop_pending()
    core.world.updates.set_allowed(p.get("allowed_updates"))
    core.profile.webhook = {
        "url": url,
        "max_connections": p.get("max_connections", 40),
        "secret_token": p.get("secret_token"),
        "allowed_updates": sorted(core.world.updates.allowed),
    }
    return True


def delete_webhook(core: Core, p: dict[str, Any]) -> bool:
    core.profile.webhook = None
    if p.get("drop_pending_updates"):
        core.world.updates.drop_pending()
    return True


def get_webhook_info(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    hook = core.profile.webhook
    info: dict[str, Any] = {
        "url": hook["url"] if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(core.world.updates.items),
    }
    if hook:
        info["max_connections"] = hook["max_connections"]
        info["allowed_updates"] = hook["allowed_updates"]
    return info


# BotCommandScope* in the spec: each type and the fields it has besides ``type``.
_SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_BAD_SCOPE = "can't parse BotCommandScope JSON object"


def _scope_key(core: Core, p: dict[str, Any]) -> tuple[str, str]:
    """The stored key of a command scope, validated as the spec describes BotCommandScope.

    A chat scope names an existing chat (by id or @username; the key is its id, so both
    spellings are one scope); channel chats are not supported (spec).
    """
    scope = p.get("scope") or {"type": "default"}
    if not isinstance(scope, dict):
        raise bad_request(_BAD_SCOPE)
    wanted = _SCOPE_FIELDS.get(scope.get("type", ""))
    if wanted is None or set(scope) != {"type", *wanted}:
        raise bad_request(_BAD_SCOPE)
    if "chat_id" in wanted:
        chat = core.world.find_chat(scope["chat_id"])
        if chat.type == "channel":
            raise bad_request("BOT_COMMAND_SCOPE_INVALID: channel chats aren't supported")
        scope = {**scope, "chat_id": chat.id}
        if "user_id" in wanted and not isinstance(scope["user_id"], int):
            raise bad_request(_BAD_SCOPE)
    return json.dumps(scope, sort_keys=True), p.get("language_code", "")


def set_my_commands(core: Core, p: dict[str, Any]) -> bool:
    commands = p["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = command.get("command", "")
        if not isinstance(name, str) or _COMMAND_NAME.match(name) is None:
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description", "")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    core.profile.commands[_scope_key(core, p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(core: Core, p: dict[str, Any]) -> list[dict[str, Any]]:
    return core.profile.commands.get(_scope_key(core, p), [])


def delete_my_commands(core: Core, p: dict[str, Any]) -> bool:
    core.profile.commands.pop(_scope_key(core, p), None)
    return True


def _description(kind: str, limit: int) -> tuple[Handler, Handler]:
    def setter(core: Core, p: dict[str, Any]) -> bool:
        text = p.get(kind, "")
        if len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        core.profile.descriptions[(kind, p.get("language_code", ""))] = text
        return True

    def getter(core: Core, p: dict[str, Any]) -> dict[str, Any]:
        return {kind: core.profile.descriptions.get((kind, p.get("language_code", "")), "")}

    return setter, getter


def answer_callback_query(core: Core, p: dict[str, Any]) -> bool:
    query = core.callback_queries.get(p["callback_query_id"])
    if (
        query is None
        or query.answer is not None
        or time.monotonic() - query.created > core.callback_ttl
    ):
        raise bad_request(QUERY_TOO_OLD)
    text = p.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {k: v for k, v in p.items() if k != "callback_query_id"}
    return True


def get_file(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    stored = core.files.by_id.get(p["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.api()


def _chat_json(core: Core, chat: Chat) -> dict[str, Any]:
    data = {
        **chat.api,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if chat.linked_chat_id is not None:
        data["linked_chat_id"] = chat.linked_chat_id
    if chat.user is not None and chat.user.username:
        data["username"] = chat.user.username
    return data


def _readable_chat(core: Core, p: dict[str, Any]) -> Chat:
    chat = core.world.find_chat(p["chat_id"])
    if chat.type == "channel" and chat.bot_status in ("left", "kicked"):
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to}
        )
    return chat


def get_chat(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    return _chat_json(core, _readable_chat(core, p))


def get_chat_member(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    chat = _readable_chat(core, p)
    world = core.world
    user_id = p["user_id"]
    user = world.bot if user_id == world.bot.id else world.users.get(user_id)
    if user is None:
        raise bad_request("PARTICIPANT_ID_INVALID")
    return world.member_json(user, world.user_status(chat, user_id), chat)


def get_chat_administrators(core: Core, p: dict[str, Any]) -> list[dict[str, Any]]:
    chat = _readable_chat(core, p)
    world = core.world
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    out = []
    ids = ([chat.owner_id] if chat.owner_id is not None else []) + sorted(chat.admins)
    for user_id in ids:
        user = world.users.get(user_id)
        if user is not None:
            out.append(world.member_json(user, world.user_status(chat, user_id), chat))
    if chat.bot_status == "administrator":
        out.append(world.member_json(world.bot, "administrator", chat))
    return out


def get_chat_member_count(core: Core, p: dict[str, Any]) -> int:
    chat = _readable_chat(core, p)
    return (
        2
        if chat.type == "private"
        else len(chat.members) + (chat.bot_status in ("member", "administrator"))
    )


def leave_chat(core: Core, p: dict[str, Any]) -> bool:
    chat = _readable_chat(core, p)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    old = chat.bot_status
    chat.bot_status = "left"
    world = core.world
    world.member_update("my_chat_member", chat, world.bot, world.bot, old, "left")
    return True


def send_chat_action(core: Core, p: dict[str, Any]) -> bool:
    chat = core.world.writable_chat(p["chat_id"])
    if p["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    core.chat_actions.append((chat.id, p["action"]))
    return True


def copy_message(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    world = core.world
    source = world.message(world.find_chat(p["from_chat_id"]), p["message_id"])
    if source is None:
        raise bad_request("message to copy not found")
    chat = world.writable_chat(p["chat_id"])
    core.count_send(chat.id, p)
    copy = world.store(
        chat,
        {
            "text": source.text,
            "entities": source.entities,
            "caption": p.get("caption", source.caption),
            "photo": source.photo,
            "video": source.video,
            "document": source.document,
            "reply_markup": p.get("reply_markup"),
            "method": "copyMessage",
        },
    )
    return {"message_id": copy.message_id}


def log_out(core: Core, p: dict[str, Any]) -> bool:
    core.profile.logged_out = True
    return True


_set_desc, _get_desc = _description("description", 512)
_set_short, _get_short = _description("short_description", 120)
_set_name, _get_name = _description("name", 64)

HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": _set_desc,
    "getMyDescription": _get_desc,
    "setMyShortDescription": _set_short,
    "getMyShortDescription": _get_short,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "sendChatAction": send_chat_action,
    "copyMessage": copy_message,
    "logOut": log_out,
    "close": log_out,
}
