"""Limit mode counts and refuses floods; fault switches fire where and as often as asked."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.sandbox import Limits, Sandbox

from .conftest import Raw


async def test_second_message_within_a_second_to_one_chat_is_429(raw: Raw, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.limits = Limits()
    assert (await raw.call("sendMessage", chat_id=1001, text="1"))[0] == 200
    status, body = await raw.call("sendMessage", chat_id=1001, text="2")
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    assert (
        body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    )
    assert (sb.stats.violations, sb.stats.too_many, sb.stats.sent_per_chat[1001]) == (1, 1, 1)


async def test_edits_count_like_sends(raw: Raw, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.limits = Limits()
    _, sent = await raw.call("sendMessage", chat_id=1001, text="1")
    status, _ = await raw.call(
        "editMessageText", chat_id=1001, message_id=sent["result"]["message_id"], text="2"
    )
    assert status == 429 and sb.stats.violations == 1


async def test_overall_limit_and_paid_broadcast(raw: Raw, sb: Sandbox) -> None:
    sb.users(range(2000, 2040))
    sb.limits = Limits(overall_per_s=30)
    statuses = [(await raw.call("sendMessage", chat_id=2000 + i, text="x"))[0] for i in range(31)]
    assert statuses.count(200) == 30 and statuses[-1] == 429
    status, _ = await raw.call("sendMessage", chat_id=2031, text="x", allow_paid_broadcast="true")
    assert status == 200


async def test_group_limit_is_20_per_minute(raw: Raw, sb: Sandbox) -> None:
    sb.group(-100123, "Nhóm")
    sb.limits = Limits()
    statuses = [(await raw.call("sendMessage", chat_id=-100123, text=str(i)))[0] for i in range(21)]
    assert statuses == [200] * 20 + [429]


async def test_count_only_mode_delivers_but_counts(raw: Raw, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.limits = Limits(enforce=False)
    for text in "abc":
        assert (await raw.call("sendMessage", chat_id=1001, text=text))[0] == 200
    assert (sb.stats.violations, sb.stats.too_many, len(sb.messages(1001))) == (2, 0, 3)


async def test_paced_sender_has_no_violations(raw: Raw, sb: Sandbox) -> None:
    sb.users([1001, 1002])
    sb.limits = Limits(per_chat_per_s=10)  # 0.05 s apart after jitter: keeps the test fast
    for _ in range(3):
        await raw.call("sendMessage", chat_id=1001, text="x")
        await raw.call("sendMessage", chat_id=1002, text="x")
        await asyncio.sleep(0.1)
    assert sb.stats.violations == 0


async def test_fault_targets_one_chat_and_method_for_n_times(raw: Raw, sb: Sandbox) -> None:
    sb.users([1001, 1002])
    sb.server_error(times=2, status=500, method="sendMessage", chat=1001)
    assert (await raw.call("sendMessage", chat_id=1002, text="x"))[0] == 200
    assert (await raw.call("sendChatAction", chat_id=1001, action="typing"))[0] == 200
    statuses = [(await raw.call("sendMessage", chat_id=1001, text="x"))[0] for _ in range(3)]
    assert statuses == [500, 500, 200]


async def test_rate_limit_fault_without_chat_hits_everyone(raw: Raw, sb: Sandbox) -> None:
    sb.users([1001, 1002])
    sb.rate_limit(retry_after=3, times=None)
    for chat_id in (1001, 1002):
        status, body = await raw.call("sendMessage", chat_id=chat_id, text="x")
        assert (status, body["parameters"]) == (429, {"retry_after": 3})
    sb.clear_faults()
    assert (await raw.call("sendMessage", chat_id=1001, text="x"))[0] == 200


async def test_slow_delays_the_answer(raw: Raw, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.slow(0.3, times=1)
    started = time.monotonic()
    assert (await raw.call("sendMessage", chat_id=1001, text="x"))[0] == 200
    assert time.monotonic() - started >= 0.3


async def test_disconnect_drops_the_connection(raw: Raw, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.disconnect(times=1)
    with pytest.raises(aiohttp.ClientError):
        await raw.call("sendMessage", chat_id=1001, text="x")
    assert sb.messages(1001) == []
    assert (await raw.call("sendMessage", chat_id=1001, text="x"))[0] == 200


async def test_bot_removed_from_group_is_forbidden(raw: Raw, sb: Sandbox) -> None:
    group = sb.group(-100123, "Nhóm")
    await sb.remove_bot_from(group, kicked=False)
    status, body = await raw.call("sendMessage", chat_id=group.id, text="x")
    assert (status, body["description"]) == (
        403,
        "Forbidden: bot is not a member of the supergroup chat",
    )
