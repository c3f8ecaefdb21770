"""The callback-data codec: what buttons send, and nothing else, decodes."""

from __future__ import annotations

import dataclasses
from enum import StrEnum

import pytest

from bot import callbacks
from bot.callbacks import CommentButton, InvalidCallback, button, decode, decode_as, encode


class Verdict(StrEnum):
    APPROVE = "ok"
    REJECT = "no"


@button("tv")
@dataclasses.dataclass(frozen=True, slots=True)
class VerdictButton:  # the shape the comments issue's moderation card will need
    comment_id: int
    verdict: Verdict
    topic: str
    notify: bool


def test_the_comment_button_keeps_todays_data() -> None:
    assert encode(CommentButton(5)) == "c:5"
    assert decode("c:5") == CommentButton(5)
    assert decode_as("c:1234567", CommentButton).article_id == 1234567


def test_typed_fields_round_trip() -> None:
    payload = VerdictButton(42, Verdict.REJECT, "van-hoa_the-thao", notify=True)
    data = encode(payload)
    assert data == "tv:42:no:van-hoa_the-thao:1"
    assert decode(data) == payload
    assert decode("tv:-100123:ok:x:0") == VerdictButton(-100123, Verdict.APPROVE, "x", False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "c",
        "c:",
        "c:abc",
        "c:0",  # the payload's own check: article ids are positive
        "c:-5",
        "c:05",
        "c:+5",
        "c: 5",
        "c:5:6",
        "c:5 ",
        "C:5",
        "x:5",
        "c:" + "9" * 19,  # past int64
        "tv:1:maybe:x:1",
        "tv:1:ok:x:2",
        "tv:1:ok:<b>:1",
        "tv:1:ok::1",
        "tv:" + "1" * 70,
    ],
)
def test_forged_stale_or_malformed_data_is_refused(data: str | None) -> None:
    with pytest.raises(InvalidCallback):
        decode(data)
    assert not callbacks.matches(CommentButton)(data)


def test_a_payload_of_another_button_does_not_match() -> None:
    assert callbacks.matches(CommentButton)("c:5")
    assert not callbacks.matches(CommentButton)("tv:1:ok:x:1")
    with pytest.raises(InvalidCallback):
        decode_as("tv:1:ok:x:1", CommentButton)


def test_data_past_64_bytes_is_refused_when_encoding() -> None:
    with pytest.raises(InvalidCallback, match="64 bytes"):
        encode(VerdictButton(1, Verdict.APPROVE, "x" * 60, notify=False))
    with pytest.raises(InvalidCallback):
        encode(VerdictButton(1, Verdict.APPROVE, "có dấu", notify=False))


def test_registrations_are_checked() -> None:
    with pytest.raises(ValueError, match="taken"):

        @button("c")
        @dataclasses.dataclass(frozen=True)
        class Again:
            x: int

    with pytest.raises(ValueError, match="prefix"):

        @button("Bad:")
        @dataclasses.dataclass(frozen=True)
        class BadPrefix:
            x: int

    with pytest.raises(TypeError, match="cannot be callback data"):

        @button("fl")
        @dataclasses.dataclass(frozen=True)
        class Floating:
            x: float

    with pytest.raises(TypeError, match="not a registered"):
        encode(object())
