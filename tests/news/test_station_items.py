"""Every item of the station feed fixture through clean + summarize."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bot.news.clean import html_to_paragraphs
from bot.news.summary import summarize, summarize_html
from bot.news.text import normalize_text
from tests.news.station import ITEMS, ITEMS_BY_ID, Item

# The actual photo captions (p.wp-caption-text) and right-aligned bylines in the fixture.
CAPTIONS = {
    "24866": "Hội nghị sơ kết 5 năm thực hiện hướng dẫn số 35 của Trung ương",
    "24862": "Nông dân xã Hà Mòn chăm sóc vườn cà phê",
    "24837": "Quang cảnh kỳ họp",
}
BYLINES = {
    "24866": "CTV Trung Kiên",
    "24862": "Thu Hà – Minh Đức",
    "24859": "Tin, ảnh: Hồng Nhung",
    "24855": "Lan Anh",
    "24846": "Quốc Việt",
    "24841": "Minh Phượng (thực hiện)",
    "24837": "Văn Tuấn",
    "24833": "Thu Hà",
}
FIRST_SENTENCES = {
    "24871": "Bản tin Thời sự tối ngày 04/7/2014 của Đài Phát thanh – Truyền hình Kon Tum.",
    "24866": "Ngày 4/7, Tỉnh ủy Kon Tum đã tổ chức Hội nghị sơ kết 5 năm",
    "24862": "Những ngày đầu tháng 7, giá cà phê nhân xô tại huyện Đăk Hà",
    "24859": "Kỳ thi tốt nghiệp THPT năm 2014 tại Kon Tum có hơn 5.200 thí sinh",
    "24855": "Từ đầu năm đến nay, toàn tỉnh ghi nhận 137 ca mắc sốt xuất huyết",
    "24850": "Mưa lớn kéo dài trong đêm 2/7 đã gây sạt lở",
    "24846": "Sáng 2/7, tại Nhà thi đấu tỉnh,",
    "24841": "Sâm Ngọc Linh ưa khí hậu mát, độ cao trên 1.500 m",
    "24837": "Sáng 1/7, HĐND tỉnh khóa X khai mạc Kỳ họp thứ 9.",
    "24833": "Tổng thu ngân sách nhà nước trên địa bàn tỉnh 6 tháng đầu năm ước đạt 1.034,5 tỷ",
}
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
PROPER_END = re.compile(r"[.!?…][”\"’')]?$")
ids = [item.post_id for item in ITEMS]
# Each body both as feedparser sanitises it and as raw XML text (the ingest may use either).
BODIES = [
    pytest.param(item.post_id, html, id=f"{item.post_id}-{kind}")
    for item in ITEMS
    for kind, html in (
        ("feedparser", item.body_html),
        ("raw", item.raw_content if item.raw_content is not None else item.description),
    )
]


def assert_clean(text: str) -> None:
    assert "(kontumtv.vn)" not in text
    assert "[…]" not in text and "[...]" not in text and "&#8230;" not in text
    assert not ENTITY.search(text), text
    assert "&nbsp;" not in text and "\xa0" not in text
    assert "  " not in text
    assert unicodedata.is_normalized("NFC", text)
    assert "<" not in text and ">" not in text


def test_fixture_is_what_the_tests_expect() -> None:
    # Guards the tables above: if the fixture changes, these tests must be revisited.
    assert len(ITEMS) == 10
    assert set(FIRST_SENTENCES) == set(ITEMS_BY_ID)
    for post_id, caption in CAPTIONS.items():
        assert caption in (ITEMS_BY_ID[post_id].content or "")
    for post_id, byline in BYLINES.items():
        assert byline in normalize_text(ITEMS_BY_ID[post_id].raw_content)
    assert ITEMS_BY_ID["24850"].content is None


@pytest.mark.parametrize(("post_id", "html"), BODIES)
def test_clean_text_has_no_leftovers(post_id: str, html: str) -> None:
    paragraphs = html_to_paragraphs(html)
    assert paragraphs
    full = "\n\n".join(paragraphs)
    assert_clean(full)
    assert all(p == p.strip() and "\n" not in p for p in paragraphs)
    assert not any(p.startswith("(") for p in paragraphs[:1])
    caption = CAPTIONS.get(post_id)
    if caption:
        assert caption not in full
    byline = BYLINES.get(post_id)
    if byline:
        assert byline not in full
        assert not paragraphs[-1].endswith(byline.split()[-1])


@pytest.mark.parametrize(("post_id", "html"), BODIES)
def test_summary_is_clean_and_whole(post_id: str, html: str) -> None:
    summary, full = summarize_html(html)
    assert_clean(summary)
    assert summary.startswith(FIRST_SENTENCES[post_id])
    assert len(summary) <= 400
    assert PROPER_END.search(summary), summary
    # Whole sentences from the start of the article (paragraphs joined by one space).
    assert full.replace("\n\n", " ").startswith(summary)
    for text in (CAPTIONS.get(post_id), BYLINES.get(post_id)):
        if text:
            assert text not in summary


@pytest.mark.parametrize("item", ITEMS, ids=ids)
def test_excerpt_gives_a_clean_summary_too(item: Item) -> None:
    # The description is WordPress's auto-excerpt, cut mid-sentence and ending in [&#8230;].
    summary = summarize(html_to_paragraphs(item.description))
    assert_clean(summary)
    assert summary.startswith(FIRST_SENTENCES[item.post_id])
    assert PROPER_END.search(summary), summary


def test_seed_article_summary() -> None:
    summary, full = summarize_html(ITEMS_BY_ID["24866"].body_html)
    assert summary.startswith(
        "Ngày 4/7, Tỉnh ủy Kon Tum đã tổ chức Hội nghị sơ kết 5 năm thực hiện Hướng dẫn số 35"
    )
    # Two whole sentences fit in 400 characters; the third would not.
    assert summary.endswith("Chỉ huy trưởng Bộ CHQS tỉnh chủ trì Hội nghị.")
    assert full.count("\n\n") == 2
    assert "Lãnh đạo các huyện ủy" in full  # the &nbsp;&nbsp; pair became one space


def test_seed_excerpt_drops_the_sentence_cut_by_wordpress() -> None:
    summary = summarize(html_to_paragraphs(ITEMS_BY_ID["24866"].description))
    assert "Lãnh đạo các huyện ủy" not in summary
    assert summary.endswith("chủ trì Hội nghị.")


def test_caption_leaked_into_excerpt_is_removed() -> None:
    description = ITEMS_BY_ID["24837"].description
    assert description.startswith("Quang cảnh kỳ họp (kontumtv.vn)")
    paragraphs = html_to_paragraphs(description)
    assert paragraphs[0].startswith("Sáng 1/7, HĐND tỉnh khóa X khai mạc Kỳ họp thứ 9.")


def test_excerpt_only_item() -> None:
    item = ITEMS_BY_ID["24850"]
    summary, full = summarize_html(item.body_html)
    assert full.startswith("Mưa lớn kéo dài trong đêm 2/7")
    assert summary == (
        "Mưa lớn kéo dài trong đêm 2/7 đã gây sạt lở khoảng 300 m3 đất đá tại Km 121 Quốc lộ 24,"
        " đoạn qua xã Măng Cành, huyện Kon Plông. Lực lượng chức năng đang khẩn trương thông"
        " tuyến, dự kiến hoàn thành trong chiều nay. Người dân nên hạn chế đi lại qua khu vực"
        " này."
    )


def test_video_item_keeps_its_one_sentence() -> None:
    # feedparser's sanitiser already drops the iframe; the raw XML text still has it.
    raw = ITEMS_BY_ID["24871"].raw_content or ""
    assert "<iframe" in raw
    summary, full = summarize_html(raw)
    expected = "Bản tin Thời sự tối ngày 04/7/2014 của Đài Phát thanh – Truyền hình Kon Tum."
    assert full == expected
    assert summary == expected
    assert "player" not in full and "mp4" not in full


def test_qa_item_keeps_italic_lede_and_stops_before_the_questions() -> None:
    item = ITEMS_BY_ID["24841"]
    paragraphs = html_to_paragraphs(item.body_html)
    assert paragraphs[0].startswith("Sâm Ngọc Linh ưa khí hậu mát")
    assert "Hỏi: Nên trồng sâm vào thời điểm nào trong năm?" in paragraphs
    assert paragraphs[-1].startswith("Đáp: Cần lên luống cao")
    summary = summarize(paragraphs)
    assert summary.endswith("về kỹ thuật trồng và chăm sóc.")
    assert "Hỏi:" not in summary


def test_entities_are_decoded() -> None:
    full = "\n\n".join(html_to_paragraphs(ITEMS_BY_ID["24862"].body_html))
    assert "Phòng Nông nghiệp & PTNT" in full
    assert "“Giá tăng nên bà con yên tâm" in full
    assert "Sở GD&ĐT" in "\n\n".join(html_to_paragraphs(ITEMS_BY_ID["24859"].body_html))
