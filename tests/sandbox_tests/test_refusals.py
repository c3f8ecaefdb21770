"""The sandbox refuses what Telegram refuses, with Telegram's status codes and wording."""

from __future__ import annotations

import json

import pytest

from tests.sandbox import Sandbox

from .conftest import Raw

INLINE = {"inline_keyboard": [[{"text": "Đọc", "callback_data": "read"}]]}


@pytest.fixture(autouse=True)
def lan(sb: Sandbox) -> None:
    sb.user(1001, "Lan")


async def test_unknown_method_is_404(raw: Raw) -> None:
    assert await raw.call("sendMesage", chat_id=1001, text="x") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_bad_token_is_401(raw: Raw) -> None:
    status, body = await raw.call("getMe", token="1:AAbad")
    assert (status, body["description"]) == (401, "Unauthorized")


async def test_method_names_are_case_insensitive(raw: Raw) -> None:
    status, body = await raw.call("SENDMESSAGE", chat_id=1001, text="x")
    assert status == 200 and body["result"]["text"] == "x"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"chat_id": "1001"}, "Bad Request: message text is empty"),
        ({"chat_id": "1001", "text": ""}, "Bad Request: message text is empty"),
        ({"chat_id": "1001", "text": "   "}, "Bad Request: message text is empty"),
        ({"text": "x"}, "Bad Request: chat_id is empty"),
        (
            {"chat_id": "1001", "text": "x", "colour": "red"},
            "Bad Request: unknown parameter colour",
        ),
        ({"chat_id": "999", "text": "x"}, "Bad Request: chat not found"),
        (
            {"chat_id": "1001", "text": "x", "disable_notification": "maybe"},
            'Bad Request: field "disable_notification" must be of type Boolean',
        ),
    ],
)
async def test_send_message_parameter_errors(
    raw: Raw, params: dict[str, str], description: str
) -> None:
    status, body = await raw.call("sendMessage", **params)
    assert (status, body["error_code"], body["description"]) == (400, 400, description)


async def test_json_get_and_form_bodies_are_all_accepted(raw: Raw, sb: Sandbox) -> None:
    status, _ = await raw.call(
        "sendMessage", json={"chat_id": 1001, "text": "json", "reply_markup": INLINE}
    )
    assert status == 200
    status, _ = await raw.call(
        "sendMessage", chat_id="1001", text="form", reply_markup=json.dumps(INLINE)
    )
    assert status == 200
    async with raw.session.get(
        f"{sb.api_url}/bot{sb.token}/sendMessage?chat_id=1001&text=get"
    ) as r:
        assert r.status == 200
    assert [m.text for m in sb.messages(1001)] == ["json", "form", "get"]
    assert sb.messages(1001)[0].buttons[0]["callback_data"] == "read"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("Tin <br> mới", 'Unsupported start tag "br" at byte offset 4'),
        ("Ả <b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("Giá cà phê & hồ tiêu", "Unsupported HTML entity at byte offset 14"),
        ("&nbsp;", "Unsupported HTML entity at byte offset 0"),
        ("<a>link</a>", 'Tag "a" must have attribute "href" at byte offset 0'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_bad_html_is_refused_like_telegram(raw: Raw, text: str, description: str) -> None:
    status, body = await raw.call("sendMessage", chat_id=1001, text=text, parse_mode="HTML")
    assert status == 400
    assert body["description"] == f"Bad Request: can't parse entities: {description}"


async def test_text_length_counts_utf16_units_after_parsing(raw: Raw) -> None:
    emoji = "📰" * 2048  # 4096 UTF-16 units: the limit exactly
    assert (await raw.call("sendMessage", chat_id=1001, text=emoji))[0] == 200
    status, body = await raw.call("sendMessage", chat_id=1001, text=emoji + "x")
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    tagged = "<b>" + "a" * 4096 + "</b>"  # tags do not count
    assert (await raw.call("sendMessage", chat_id=1001, text=tagged, parse_mode="HTML"))[0] == 200


async def test_caption_limit_is_1024(raw: Raw) -> None:
    ok = await raw.call(
        "sendPhoto", chat_id=1001, photo="https://kontumtv.vn/a.jpg", caption="ả" * 1024
    )
    assert ok[0] == 200
    status, body = await raw.call(
        "sendPhoto", chat_id=1001, photo="https://kontumtv.vn/a.jpg", caption="ả" * 1025
    )
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


async def test_photo_must_be_a_file_url_or_known_id(raw: Raw) -> None:
    status, body = await raw.call("sendPhoto", chat_id=1001)
    assert body["description"] == "Bad Request: there is no photo in the request"
    status, body = await raw.call("sendPhoto", chat_id=1001, photo="not-a-file-id")
    assert status == 400 and "wrong file identifier" in body["description"]


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "x", "callback_data": "d" * 65}, "Bad Request: BUTTON_DATA_INVALID"),
        ({"text": "x", "callback_data": "đ" * 33}, "Bad Request: BUTTON_DATA_INVALID"),  # 66 bytes
        ({"text": "x", "callback_data": ""}, "Bad Request: BUTTON_DATA_INVALID"),
        ({"text": "x", "url": "kontumtv.vn"}, "Bad Request: BUTTON_URL_INVALID"),
        (
            {"text": "x"},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
    ],
)
async def test_bad_buttons_are_refused(raw: Raw, button: dict[str, str], description: str) -> None:
    markup = json.dumps({"inline_keyboard": [[button]]})
    status, body = await raw.call("sendMessage", chat_id=1001, text="x", reply_markup=markup)
    assert (status, body["description"]) == (400, description)


async def test_callback_data_of_64_bytes_is_fine(raw: Raw) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "x", "callback_data": "d" * 64}]]})
    assert (await raw.call("sendMessage", chat_id=1001, text="x", reply_markup=markup))[0] == 200


async def test_reply_markup_that_is_not_json(raw: Raw) -> None:
    _, body = await raw.call("sendMessage", chat_id=1001, text="x", reply_markup="{oops")
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_reply_to_missing_message(raw: Raw) -> None:
    params = json.dumps({"message_id": 77})
    _, body = await raw.call("sendMessage", chat_id=1001, text="x", reply_parameters=params)
    assert body["description"] == "Bad Request: message to be replied not found"
    lenient = json.dumps({"message_id": 77, "allow_sending_without_reply": True})
    assert (await raw.call("sendMessage", chat_id=1001, text="x", reply_parameters=lenient))[
        0
    ] == 200


async def test_other_spec_methods_validate_then_succeed(raw: Raw) -> None:
    assert await raw.call("setChatTitle", chat_id=1001, title="x") == (
        200,
        {"ok": True, "result": True},
    )
    status, body = await raw.call("setChatTitle", chat_id=1001)
    assert (status, body["description"]) == (400, "Bad Request: title is empty")


async def test_every_error_has_status_equal_to_error_code(raw: Raw, sb: Sandbox) -> None:
    await raw.call("sendMessage", chat_id=1001)
    await raw.call("nope")
    sb.server_error(status=502)
    status, body = await raw.call("sendMessage", chat_id=1001, text="x")
    assert (status, body) == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    assert [c.status for c in sb.calls] == [400, 404, 502]
    assert not any(c.ok for c in sb.calls)
    assert sb.stats.errors == {400: 1, 404: 1, 502: 1}
