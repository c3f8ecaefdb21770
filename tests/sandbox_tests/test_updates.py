"""getUpdates semantics: offset confirmation, long polling, allowed_updates, conflicts."""

from __future__ import annotations

import asyncio
import json
import time

from tests.sandbox import Sandbox

from .conftest import Raw


async def _ids(raw: Raw, **params: object) -> list[int]:
    status, body = await raw.call("getUpdates", **{k: str(v) for k, v in params.items()})
    assert status == 200, body
    return [u["update_id"] for u in body["result"]]


async def test_offset_confirms_everything_below_it(raw: Raw, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    for text in ("a", "b", "c"):
        await user.send(text)
    first, second, third = await _ids(raw)
    assert await _ids(raw) == [first, second, third]  # nothing confirmed yet
    assert await _ids(raw, offset=second) == [second, third]
    assert await _ids(raw) == [second, third]  # the first one is gone for good
    assert await _ids(raw, offset=third + 1) == []
    assert sb.pending_updates == []


async def test_limit_and_negative_offset(raw: Raw, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    for n in range(5):
        await user.send(str(n))
    ids = await _ids(raw, limit=2)
    assert len(ids) == 2
    assert len(await _ids(raw, offset=-1)) == 1  # keeps only the last one


async def test_long_poll_wakes_as_soon_as_an_update_arrives(raw: Raw, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    started = time.monotonic()
    poll = asyncio.create_task(_ids(raw, timeout=5))
    await asyncio.sleep(0.1)
    await user.send("/start")
    assert len(await poll) == 1
    assert time.monotonic() - started < 1.0


async def test_long_poll_waits_for_its_timeout_when_idle(raw: Raw) -> None:
    started = time.monotonic()
    assert await _ids(raw, timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 2.0


async def test_second_poll_terminates_the_first_with_409(raw: Raw) -> None:
    first = asyncio.create_task(raw.call("getUpdates", timeout="5"))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(raw.call("getUpdates", timeout="1"))
    status, body = await first
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
    assert (await second)[0] == 200


async def test_webhook_blocks_get_updates_until_deleted(raw: Raw) -> None:
    assert (await raw.call("setWebhook", url="https://bot.kontumtv.vn/hook"))[0] == 200
    status, body = await raw.call("getUpdates")
    assert status == 409 and "use deleteWebhook" in body["description"]
    _, info = await raw.call("getWebhookInfo")
    assert info["result"]["url"] == "https://bot.kontumtv.vn/hook"
    assert (await raw.call("deleteWebhook"))[0] == 200
    assert (await raw.call("getUpdates"))[0] == 200


async def test_allowed_updates_is_remembered_and_filters_new_updates(raw: Raw, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    group = sb.group(-100123, "Nhóm")
    await user.join(group)  # chat_member is off by default; the service message is not
    kinds = [
        next(k for k in u if k != "update_id") for u in (await raw.call("getUpdates"))[1]["result"]
    ]
    assert kinds == ["message"]
    await raw.call("getUpdates", allowed_updates=json.dumps(["chat_member"]), offset="999999")
    await user.leave(group)
    await user.send("not wanted")
    _, body = await raw.call("getUpdates")  # no allowed_updates: the last list still applies
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == ["chat_member"]


async def test_adding_the_bot_to_a_channel_is_a_my_chat_member_update(
    raw: Raw, sb: Sandbox
) -> None:
    channel = sb.channel(-100200, "Kon Tum TV")
    await sb.add_bot_to(channel, admin=True)
    (update,) = (await raw.call("getUpdates"))[1]["result"]
    change = update["my_chat_member"]
    assert change["chat"]["id"] == -100200
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == (
        "left",
        "administrator",
    )
    assert change["new_chat_member"]["can_post_messages"] is True


async def test_blocking_the_bot_sends_my_chat_member_kicked(raw: Raw, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.block(1001)
    (update,) = (await raw.call("getUpdates"))[1]["result"]
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"


async def test_wait_for_message_hands_out_each_message_once(sb: Sandbox, raw: Raw) -> None:
    sb.user(1001, "Lan")
    for text in ("một", "hai", "ba"):
        await raw.call("sendMessage", chat_id=1001, text=text)
    assert (await sb.wait_for_message(1001)).text == "một"
    assert [m.text for m in await sb.wait_for_message(1001, count=2)] == ["hai", "ba"]
    later = asyncio.create_task(
        sb.wait_for_message(1001, timeout=2, predicate=lambda m: m.text == "bốn")
    )
    await asyncio.sleep(0.05)
    await raw.call("sendMessage", chat_id=1001, text="bốn")
    assert (await later).text == "bốn"


async def test_wait_for_message_times_out_with_what_was_sent(sb: Sandbox, raw: Raw) -> None:
    sb.user(1001, "Lan")
    await raw.call("sendMessage", chat_id=1001, text="chỉ một")
    await sb.wait_for_message(1001)
    try:
        await sb.wait_for_message(1001, timeout=0.2)
    except TimeoutError as error:
        assert "chỉ một" in str(error)
    else:
        raise AssertionError("expected a timeout")
