"""The comment rules as pure functions: the clock and the reader's history passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.comment_rules import (
    CommentRules,
    Earlier,
    HeldBecause,
    History,
    Verdict,
    blocked_word,
    has_link,
    judge,
    pseudonym,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RULES = CommentRules(per_minute=5, per_day=30, blocklist=("cờ bạc", "xổ số lậu"))
TRUSTED = History(approved=3)


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (None, Verdict.NOT_TEXT),
        ("", Verdict.TOO_SHORT),
        ("  a \u200b ", Verdict.TOO_SHORT),  # one visible character after trimming
        ("ok", Verdict.HELD),
        ("x" * 2000, Verdict.HELD),
        ("x" * 2001, Verdict.TOO_LONG),
        ("Chơi CỜ BẠC online đi", Verdict.BLOCKED),
    ],
)
def test_text_shape_and_block_list(text: str | None, verdict: Verdict) -> None:
    assert judge(text, TRUSTED, NOW, RULES).verdict is verdict


def test_length_counts_characters_after_nfc_not_bytes() -> None:
    decomposed = "e\u0302\u0301" * 2000  # "ế" as three code points, 2,000 times
    assert judge(decomposed, TRUSTED, NOW, RULES).verdict is Verdict.HELD


def test_a_banned_reader_is_told_before_anything_else() -> None:
    assert judge(None, History(banned=True), NOW, RULES).verdict is Verdict.BANNED
    assert judge("x" * 5000, History(banned=True), NOW, RULES).verdict is Verdict.BANNED


def test_five_a_minute_then_the_sixth_is_refused_and_a_minute_later_accepted() -> None:
    five = tuple(Earlier(ago(seconds=50 - i), f"bình luận {i}") for i in range(5))
    history = History(approved=3, recent=five)
    assert judge("thứ sáu", history, NOW, RULES).verdict is Verdict.PER_MINUTE
    assert judge("thứ sáu", history, NOW + timedelta(seconds=11), RULES).verdict is Verdict.HELD


def test_thirty_a_day() -> None:
    spread = tuple(Earlier(ago(hours=23, minutes=-i * 40), f"số {i}") for i in range(30))
    history = History(approved=3, recent=spread)
    assert judge("thêm nữa", history, NOW, RULES).verdict is Verdict.PER_DAY
    later = NOW + timedelta(hours=1, minutes=1)  # the oldest left the 24 hours
    assert judge("thêm nữa", history, later, RULES).verdict is Verdict.HELD


def test_the_same_text_within_ten_minutes_is_a_duplicate_whatever_the_case_or_spacing() -> None:
    history = History(approved=3, recent=(Earlier(ago(minutes=9), "Bài  viết hay"),))
    assert judge("bài viết HAY", history, NOW, RULES).verdict is Verdict.DUPLICATE
    assert judge("bài viết HAY", history, NOW + timedelta(minutes=1), RULES).verdict is (
        Verdict.HELD
    )


def test_links_and_first_comments_always_wait_even_with_auto_approval() -> None:
    auto = CommentRules(auto_approve_after=2)
    assert judge("Xem www.example.com", TRUSTED, NOW, auto).held_because is HeldBecause.LINK
    assert judge("Lần đầu", History(), NOW, auto).held_because is HeldBecause.FIRST
    assert judge("Đọc tiếp", History(approved=1), NOW, auto).held_because is HeldBecause.REVIEW
    assert judge("Đọc tiếp", History(approved=2), NOW, auto).verdict is Verdict.APPROVED
    assert judge("Đọc tiếp", TRUSTED, NOW, CommentRules()).verdict is Verdict.HELD  # off


@pytest.mark.parametrize(
    "text", ["https://x.io", "http://a.b/c", "xem t.me/kenh", "vào abc.com nhé", "www.kontumtv"]
)
def test_links_are_found(text: str) -> None:
    assert has_link(text)


@pytest.mark.parametrize("text", ["Giá 1.234 đồng", "Tp. Kon Tum", "3.5 tấn/ha", "Đăk Hà."])
def test_ordinary_text_is_not_a_link(text: str) -> None:
    assert not has_link(text)


def test_block_list_matches_case_insensitively_and_ignores_empty_entries() -> None:
    assert blocked_word("XỔ SỐ LẬU ở đây", ("", "xổ số lậu")) == "xổ số lậu"
    assert blocked_word("bình thường", ("",)) is None


def test_pseudonyms() -> None:
    assert pseudonym("  Lan   Đăk Hà ") == "Lan Đăk Hà"
    assert pseudonym("x") is None
    assert pseudonym("lan@example.com") is None
    assert pseudonym("www.spam.com") is None
    assert pseudonym("n" * 65) is None
