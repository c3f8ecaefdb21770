"""Test sandbox: a local Telegram Bot API and a local station website (see DESIGN.md).

async with Sandbox() as sb:
    user = sb.user(1001, "Lan")
    await user.send("/start")
    reply = await sb.wait_for_message(user.chat_id)
"""

from .errors import ApiError, SandboxError
from .faults import Fault
from .models import CallRecord, Limits, SentMessage, Stats
from .players import ChatHandle, SandboxUser
from .sandbox import DEFAULT_TOKEN, Sandbox
from .station import Station, StationRequest

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallRecord",
    "ChatHandle",
    "Fault",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxUser",
    "SentMessage",
    "Station",
    "StationRequest",
    "Stats",
]
