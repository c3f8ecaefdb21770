"""html_to_paragraphs on the shapes WordPress content takes at the station and its peers."""

from __future__ import annotations

import pytest

from bot.news.clean import html_to_paragraphs, is_byline, strip_dateline

BODY = "<p>Sáng nay, hội nghị đã diễn ra tại TP. Kon Tum. Có 120 đại biểu tham dự.</p>"
BODY_TEXT = "Sáng nay, hội nghị đã diễn ra tại TP. Kon Tum. Có 120 đại biểu tham dự."


@pytest.mark.parametrize(
    "dateline",
    [
        "(kontumtv.vn) &#8211; ",
        "(kontumtv.vn) – ",
        "(Baokontum) - ",
        "(QNg)-",
        "(KTO) –",
        "(Báo Kon Tum) — ",
        "(baokontum.com.vn)&nbsp;-&nbsp;",
    ],
)
def test_dateline_is_stripped_from_first_paragraph(dateline: str) -> None:
    html = f"<p>{dateline}Ngày 4/7, Tỉnh ủy họp.</p><p>(Baokontum) - Đoạn hai.</p>"
    assert html_to_paragraphs(html) == ["Ngày 4/7, Tỉnh ủy họp.", "(Baokontum) - Đoạn hai."]


@pytest.mark.parametrize(
    "text",
    [
        "(Ảnh minh họa) Người dân đi bầu cử.",
        "(1) - Mục một.",
        "Ông Nguyễn Văn A (SN 1980) - trú tại xã Hòa Bình.",
        "Kon Tum (kontumtv.vn). Ngày mai trời mưa.",
    ],
)
def test_text_that_only_resembles_a_dateline_is_kept(text: str) -> None:
    assert strip_dateline(text) == text


def test_caption_leaked_before_domain_dateline_is_dropped() -> None:
    assert strip_dateline("Quang cảnh kỳ họp (kontumtv.vn) – Sáng 1/7, khai mạc.") == (
        "Sáng 1/7, khai mạc."
    )


def test_dateline_only_paragraph_disappears() -> None:
    assert html_to_paragraphs(f"<p>(kontumtv.vn) –</p>{BODY}") == [BODY_TEXT]


@pytest.mark.parametrize(
    "noise",
    [
        '<div class="wp-caption aligncenter"><img src="a.jpg" alt="Ảnh"/>'
        '<p class="wp-caption-text">Quang cảnh hội nghị</p></div>',
        '<figure class="wp-block-image"><img src="a.jpg"/><figcaption>Quang cảnh hội nghị'
        "</figcaption></figure>",
        '<p class="wp-caption-text">Quang cảnh hội nghị</p>',
        '<p><iframe src="https://www.youtube.com/embed/x">Quang cảnh hội nghị</iframe></p>',
        "<script>var quang = 'Quang cảnh hội nghị';</script><style>p{color:red}</style>",
        "<p>Quang cảnh hội nghị. Ảnh: Hồng Nhung</p>",
        "<p><em>Đại biểu dự hội nghị (Ảnh: TTXVN)</em></p>",
        "<p>Quang cảnh hội nghị<br/>Ảnh: KRT</p>",
        '<div class="sharedaddy"><h3>Chia sẻ:</h3><a>Facebook</a></div>',
        "<p>Chia sẻ Facebook</p><p>Lượt xem: 312</p>",
        "<p>Email của bạn sẽ không được hiển thị công khai. Các trường bắt buộc được đánh dấu *"
        "</p><p>Bình luận</p><p>Tên *</p><p>Phản hồi</p>",
        "<form><label>Trả lời</label><textarea>Quang cảnh hội nghị</textarea></form>",
    ],
)
def test_media_captions_and_page_furniture_are_dropped(noise: str) -> None:
    paragraphs = html_to_paragraphs(f"{noise}{BODY}{noise}")
    assert paragraphs == [BODY_TEXT]


def test_photo_credit_in_prose_is_not_taken_for_a_caption() -> None:
    html = "<p>Du khách dừng lại chụp ảnh: cảnh hồ rất đẹp</p>" + BODY
    assert html_to_paragraphs(html)[0] == "Du khách dừng lại chụp ảnh: cảnh hồ rất đẹp"


@pytest.mark.parametrize(
    "byline",
    [
        '<p style="text-align: right;"><strong>CTV Trung Kiên</strong></p>',
        '<p style="text-align: right;"><strong>Tin, ảnh: Hồng Nhung</strong></p>',
        '<p style="text-align:right">Thu Hà &#8211; Minh Đức</p>',
        "<p><strong>Minh Phượng (thực hiện)</strong></p>",
        '<p align="right"><b><i>Nhóm PV</i></b></p>',
        '<p class="has-text-align-right">Văn Tuấn, Quốc Việt</p>',
        "<p>Tin, ảnh: Hồng Nhung</p>",
        "<p>Bài và ảnh: Lan Anh</p>",
    ],
)
def test_trailing_byline_is_removed(byline: str) -> None:
    assert html_to_paragraphs(BODY + byline) == [BODY_TEXT]


@pytest.mark.parametrize(
    "last",
    [
        # Unstyled names could be the end of a list or a signature line the editor wanted.
        "<p>Hồng Nhung</p>",
        # Styled, but a sentence, not names.
        '<p style="text-align: right;"><strong>Xin cảm ơn bạn đọc.</strong></p>',
        "<p><strong>Hỏi: Nên trồng sâm vào thời điểm nào?</strong></p>",
        "<p><strong>Kon Tum</strong> phát triển du lịch cộng đồng</p>",
    ],
)
def test_closing_paragraph_that_is_not_a_byline_is_kept(last: str) -> None:
    paragraphs = html_to_paragraphs(BODY + last)
    assert len(paragraphs) == 2


def test_only_paragraph_is_never_taken_for_a_byline() -> None:
    assert html_to_paragraphs("<p><strong>Thu Hà</strong></p>") == ["Thu Hà"]


def test_two_credit_lines_are_both_removed() -> None:
    html = (
        BODY
        + '<p style="text-align:right">Tin: Thu Hà</p><p style="text-align:right">Ảnh: Minh Đức</p>'
    )
    assert html_to_paragraphs(html) == [BODY_TEXT]


@pytest.mark.parametrize("mark", ["./.", " ./.", "./", ". /."])
def test_end_mark_becomes_a_full_stop(mark: str) -> None:
    html = f"<p>Hội nghị kết thúc lúc 11 giờ{mark}</p>"
    assert html_to_paragraphs(html) == ["Hội nghị kết thúc lúc 11 giờ."]


def test_end_mark_alone_is_dropped() -> None:
    assert html_to_paragraphs(BODY + "<p>./.</p>") == [BODY_TEXT]


@pytest.mark.parametrize("more", [" [&#8230;]", " […]", " [...]", "[ &#8230; ]"])
def test_excerpt_ellipsis_and_the_cut_sentence_go(more: str) -> None:
    html = f"Hội nghị đã diễn ra. Lãnh đạo các huyện ủy,{more}"
    assert html_to_paragraphs(html) == ["Hội nghị đã diễn ra."]


def test_excerpt_cut_inside_the_only_sentence_ends_with_ellipsis() -> None:
    assert html_to_paragraphs("Lãnh đạo các huyện ủy, thành ủy, [&#8230;]") == [
        "Lãnh đạo các huyện ủy, thành ủy…"
    ]


def test_excerpt_ending_on_a_whole_sentence_keeps_it() -> None:
    assert html_to_paragraphs("Người dân nên hạn chế đi lại. [&#8230;]") == [
        "Người dân nên hạn chế đi lại."
    ]


def test_text_is_normalized() -> None:
    html = (
        "<p>Lãnh đạo&nbsp; các huyện  ủy &amp; Sở GD&amp;amp;ĐT, "
        "\u00d0ăk Hà, Ho\u0300a Bình, &#8220;3 trong 1&#8221;.</p>"
    )
    assert html_to_paragraphs(html) == [
        "Lãnh đạo các huyện ủy & Sở GD&ĐT, Đăk Hà, Hòa Bình, “3 trong 1”."
    ]


def test_line_breaks_inside_a_paragraph_become_spaces() -> None:
    assert html_to_paragraphs("<p>Dòng một<br>dòng hai.</p>") == ["Dòng một dòng hai."]


def test_block_structure_gives_paragraphs() -> None:
    html = "<h2>Tiêu đề</h2><div>Đoạn một.<p>Đoạn hai.</p>Đoạn ba.</div><ul><li>Ý một</li></ul>"
    assert html_to_paragraphs(html) == ["Tiêu đề", "Đoạn một.", "Đoạn hai.", "Đoạn ba.", "Ý một"]


@pytest.mark.parametrize("html", ["", "   ", "<p></p>", "<p>&nbsp;</p>", "<img src='a.jpg'>"])
def test_empty_content_gives_no_paragraphs(html: str) -> None:
    assert html_to_paragraphs(html) == []


def test_plain_text_description_is_one_paragraph() -> None:
    assert html_to_paragraphs("Bản tin &#8211; Thời sự.") == ["Bản tin – Thời sự."]


def test_is_byline_needs_style_or_label() -> None:
    assert is_byline("CTV Trung Kiên", styled=True)
    assert not is_byline("CTV Trung Kiên")
    assert is_byline("Tin, ảnh: Hồng Nhung")
    assert not is_byline("Hội nghị kết thúc.", styled=True)
    assert not is_byline("x" * 100, styled=True)
