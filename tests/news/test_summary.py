"""summarize: whole leading sentences within a character budget."""

from __future__ import annotations

import unicodedata

import pytest

from bot.news.summary import summarize, summarize_html

S1 = "Ngày 4/7, Tỉnh ủy Kon Tum tổ chức Hội nghị sơ kết tại TP. Kon Tum."
S2 = "Đại tá Võ Thanh Chín chủ trì Hội nghị."
S3 = "Lãnh đạo các huyện ủy đã tham dự."
S4 = "Hội nghị kết thúc lúc 11 giờ."


def test_takes_at_most_three_sentences() -> None:
    assert summarize([f"{S1} {S2}", f"{S3} {S4}"]) == f"{S1} {S2} {S3}"


def test_takes_sentences_while_they_fit() -> None:
    two = len(f"{S1} {S2}")
    assert summarize([f"{S1} {S2} {S3}"], limit=two) == f"{S1} {S2}"
    assert summarize([f"{S1} {S2} {S3}"], limit=two - 1) == S1
    assert summarize([f"{S1} {S2} {S3}"], limit=two + len(S3) + 1) == f"{S1} {S2} {S3}"


@pytest.mark.parametrize("limit", [20, 50, len(S1) - 1])
def test_overlong_first_sentence_is_cut_at_a_word(limit: int) -> None:
    summary = summarize([S1, S2], limit=limit)
    assert len(summary) <= limit
    assert summary.endswith("…")
    head = summary[:-1]
    assert S1.startswith(head)
    # The cut falls between words, and no dangling comma sits before the ellipsis.
    assert S1[len(head)] in " ,"
    assert not head.endswith((",", " "))


def test_cut_sentence_on_exact_word_boundary() -> None:
    # "Ngày 4/7, Tỉnh ủy" is 17 chars; with the ellipsis the limit is 18.
    assert summarize([S1], limit=18) == "Ngày 4/7, Tỉnh ủy…"


def test_later_sentence_is_never_cut() -> None:
    long_second = "Hội nghị " + "rất " * 200 + "dài."
    assert summarize([S1, long_second], limit=400) == S1


def test_default_limit_is_400() -> None:
    sentence = "Một " * 120 + "câu."
    summary = summarize([sentence])
    assert len(summary) <= 400 and summary.endswith("…")


def test_paragraph_without_final_stop_gets_one() -> None:
    assert summarize(["Hội nghị đã diễn ra tại TP. Kon Tum với 120 đại biểu tham dự"]) == (
        "Hội nghị đã diễn ra tại TP. Kon Tum với 120 đại biểu tham dự."
    )


def test_leading_heading_is_skipped() -> None:
    assert summarize(["Toàn cảnh hội nghị", S1]) == S1


def test_questions_after_the_lede_end_the_summary() -> None:
    assert summarize([S1, "Hỏi: Nên trồng sâm vào thời điểm nào?", "Đáp: Đầu mùa mưa."]) == S1


def test_list_intro_ends_the_summary() -> None:
    assert summarize([f"{S1} Cụ thể như sau:", "1. Một."]) == S1


def test_text_is_normalized() -> None:
    summary = summarize(["Ho\u0300a  Bình &amp; \u00d0ăk Hà&nbsp;họp. Hết."])
    assert summary == "Hòa Bình & Đăk Hà họp. Hết."
    assert unicodedata.is_normalized("NFC", summary)


def test_empty_input() -> None:
    assert summarize([]) == ""
    assert summarize(["", "  "]) == ""
    assert summarize_html("") == ("", "")


def test_limit_must_leave_room() -> None:
    with pytest.raises(ValueError):
        summarize([S1], limit=1)


def test_summarize_html_returns_summary_and_full_text() -> None:
    html = (
        f"<p>(kontumtv.vn) &#8211; {S1} {S2}</p><p>{S3}</p>"
        "<p style='text-align:right'><strong>Thu Hà</strong></p>"
    )
    summary, full = summarize_html(html, limit=len(S1) + 1 + len(S2))
    assert summary == f"{S1} {S2}"
    assert full == f"{S1} {S2}\n\n{S3}"
