"""The moderation card as rendered for Telegram: escaped, within limits, buttons until decided."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.delivery.messages import BadPayload, render_message
from bot.delivery.utf16 import html_visible_len
from storage.enums import MessageKind
from tests.comments.helpers import HOSTILE


def card(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "comment_id": 12, "user_id": 1001, "title": "Giá <cà phê> & tiêu",
        "url": 'https://kontumtv.vn/?p=7&a="x"', "author": "<b>Lan</b>", "text": HOSTILE,
        "held": "link", "decision": None,
    }  # fmt: skip
    payload.update(changes)
    return payload


def rendered(payload: dict[str, Any], locale: str = "vi") -> Any:
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return render_message(
        MessageKind.COMMENT_CARD, data, locale=locale, with_image=False, tz="Asia/Ho_Chi_Minh"
    )


def test_a_pending_card_escapes_everything_and_has_the_three_buttons() -> None:
    message = rendered(card())
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in message.text
    assert "Giá &lt;cà phê&gt; &amp; tiêu</a>" in message.text
    assert 'href="https://kontumtv.vn/?p=7&amp;a=&quot;x&quot;"' in message.text
    assert "<b>&lt;b&gt;Lan&lt;/b&gt;</b>" in message.text and "⚠️ Có đường dẫn." in message.text
    [row] = message.reply_markup.inline_keyboard
    assert [(b.text, b.callback_data) for b in row] == [
        ("✅ Duyệt", "m:12:approve"), ("❌ Từ chối", "m:12:reject"), ("🚫 Chặn", "m:12:ban"),
    ]  # fmt: skip


def test_a_decided_card_says_who_and_when_in_the_station_time_and_has_no_buttons() -> None:
    at = datetime(2014, 7, 4, 9, 15, tzinfo=UTC).isoformat()
    message = rendered(card(decision={"action": "approve", "by": "Mai <Biên tập>", "at": at}))
    assert message.text.endswith("✅ Đã duyệt bởi Mai &lt;Biên tập&gt; lúc 16:15, 04/07/2014.")
    assert message.reply_markup is None
    english = rendered(card(decision={"action": "ban", "by": "Mai", "at": at}), "en")
    assert english.text.endswith("🚫 Rejected and author banned by Mai at 16:15, 4 Jul 2014.")


def test_the_longest_comment_and_title_still_fit_one_message() -> None:
    message = rendered(card(text="<" * 2000, title="T" * 2000, author="A" * 300))
    assert html_visible_len(message.text) <= 4096


@pytest.mark.parametrize(
    "broken",
    [
        card(comment_id="12"),
        card(user_id=None),
        card(decision={"action": "x", "at": "now"}),
        card(decision="approve"),
        card(text=""),
    ],
)
def test_a_broken_card_payload_is_a_bad_payload_not_a_crash(broken: dict[str, Any]) -> None:
    with pytest.raises(BadPayload):
        rendered(broken)
