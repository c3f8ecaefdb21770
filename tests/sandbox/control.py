"""/_sandbox/ control API: play users and flip switches from another process (JSON)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError, SandboxError
from .faults import Fault
from .models import Limits

if TYPE_CHECKING:
    from .sandbox import Sandbox

_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")


def _ok(data: Any = True) -> web.Response:
    return web.json_response(
        {"ok": True, "result": data}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def _message_json(msg: Any) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(msg).items() if k != "extra" or v}


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    data = await request.json()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SandboxError("a JSON object is expected")
    return data


Handler = Callable[[web.Request], Awaitable[web.Response]]


def _guard(handler: Handler) -> Handler:
    # Wrapped per route rather than as middleware so Bot API calls pay nothing for it.
    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (SandboxError, ValueError, KeyError, TypeError, ApiError) as exc:
            error = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            return web.json_response(error, status=400)

    return guarded


async def user_send(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    body = await _body(request)
    user = sb.user(int(request.match_info["id"]), body.get("first_name", "Người dùng"))
    if "chat_id" in body:
        msg = await user.send_to(
            int(body["chat_id"]), body["text"], reply_to=body.get("reply_to_message_id")
        )
    elif "reply_to_message_id" in body:
        msg = await user.reply(int(body["reply_to_message_id"]), body["text"])
    else:
        msg = await user.send(body["text"], language_code=body.get("language_code"))
    return _ok({"message_id": msg.message_id, "chat_id": msg.chat_id})


async def user_tap(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    body = await _body(request)
    user = sb.user(int(request.match_info["id"]))
    query_id = await user.tap(int(body["message_id"]), body["data"], chat=body.get("chat_id"))
    return _ok({"callback_query_id": query_id})


async def user_join(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    body = await _body(request)
    user = sb.user(int(request.match_info["id"]))
    if body.get("leave"):
        await user.leave(int(body["chat_id"]))
    else:
        await user.join(int(body["chat_id"]), admin=bool(body.get("admin")))
    return _ok()


async def users_create(request: web.Request) -> web.Response:
    """{"ids": [...]} or {"first_id": N, "count": M}: private chats for a broadcast benchmark."""
    sb = request.app[_KEY]
    body = await _body(request)
    ids = body.get("ids") or range(
        int(body["first_id"]), int(body["first_id"]) + int(body["count"])
    )
    sb.users(ids, language_code=body.get("language_code", "vi"))
    return _ok({"created": len(ids)})


async def chats_create(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    body = await _body(request)
    chat_id = int(body["chat_id"])
    if body.get("type", "supergroup") == "channel":
        handle = sb.channel(chat_id, body.get("title", "Kênh"), username=body.get("username"))
    else:
        handle = sb.group(
            chat_id, body.get("title", "Nhóm"), supergroup=body.get("type") != "group"
        )
    if body.get("add_bot", handle.chat.type == "channel"):
        await sb.add_bot_to(chat_id, admin=body.get("admin", True))
    return _ok({"chat_id": handle.id, "type": handle.chat.type})


async def chat_messages(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    msgs = sb.messages(int(request.match_info["id"]), include_deleted=True)
    return _ok([_message_json(m) for m in msgs])


async def stats(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    data = sb.stats.to_json()
    data["pending_updates"] = len(sb.world.updates.items)
    data["limits"] = sb.limits.to_json() if sb.limits else None
    data["faults"] = [f.to_json() for f in sb.core.faults.active]
    return _ok(data)


async def calls(request: web.Request) -> web.Response:
    sb = request.app[_KEY]
    since = int(request.query.get("since", 0))
    return _ok([dataclasses.asdict(c) for c in sb.calls[since:]])


async def set_limits(request: web.Request) -> web.Response:
    """{} or {"off": true} switches limit mode off; otherwise fields of Limits."""
    sb = request.app[_KEY]
    body = await _body(request)
    sb.limits = None if not body or body.get("off") else Limits(**body)
    return _ok(sb.limits.to_json() if sb.limits else None)


async def faults(request: web.Request) -> web.Response:
    """{"kind": "rate_limit"|"server_error"|"slow"|"disconnect"|"error", ...Fault fields},
    {"block": chat_id}, {"unblock": id}, {"deactivate": id}, {"kick": id},
    {"migrate": id, "to": new_id}, or {"clear": true}."""
    sb = request.app[_KEY]
    body = await _body(request)
    if body.get("clear"):
        sb.clear_faults()
    elif "block" in body:
        sb.block(int(body["block"]))
    elif "unblock" in body:
        sb.unblock(int(body["unblock"]))
    elif "deactivate" in body:
        sb.deactivate(int(body["deactivate"]))
    elif "kick" in body:
        await sb.kick_bot(int(body["kick"]))
    elif "migrate" in body:
        sb.migrate(int(body["migrate"]), int(body["to"]))
    else:
        sb.fault(Fault(**body))
    return _ok([f.to_json() for f in sb.core.faults.active])


async def reset_stats(request: web.Request) -> web.Response:
    request.app[_KEY].reset_stats()
    return _ok()


def add_control_routes(app: web.Application, sandbox: Sandbox) -> None:
    app[_KEY] = sandbox
    routes = app.router
    for method, path, handler in (
        ("POST", "/_sandbox/users", users_create),
        ("POST", "/_sandbox/users/{id}/send", user_send),
        ("POST", "/_sandbox/users/{id}/tap", user_tap),
        ("POST", "/_sandbox/users/{id}/join", user_join),
        ("POST", "/_sandbox/chats", chats_create),
        ("GET", "/_sandbox/chats/{id}/messages", chat_messages),
        ("GET", "/_sandbox/stats", stats),
        ("GET", "/_sandbox/calls", calls),
        ("POST", "/_sandbox/limits", set_limits),
        ("POST", "/_sandbox/faults", faults),
        ("POST", "/_sandbox/reset-stats", reset_stats),
    ):
        routes.add_route(method, path, _guard(handler))
