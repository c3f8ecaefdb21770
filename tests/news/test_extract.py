"""extract_article / og_image on the station's article page."""

from __future__ import annotations

import lxml.html
import pytest

from bot.news import extract
from bot.news.extract import extract_article, og_image
from bot.news.text import normalize_text
from tests.news.station import ARTICLE_PAGE

FIRST_SENTENCE = (
    "Ngày 4/7, Tỉnh ủy Kon Tum đã tổ chức Hội nghị sơ kết 5 năm thực hiện Hướng dẫn số 35 của"
    " Ban Tổ chức Trung ương “Về tổ chức và hoạt động của chi bộ quân sự xã, phường, thị trấn”"
    " trên địa bàn tỉnh."
)
LAST_SENTENCE = "thực hiện tốt chỉ tiêu “3 trong 1” trong tuyển quân."
# Text that is on the page but is not the article (menu, breadcrumbs, meta, share buttons,
# related posts, comment form, sidebar, footer), plus the caption, dateline and byline.
NOT_ARTICLE = [
    "Trang chủ",
    "Xem truyền hình trực tuyến",
    "Tin tức",
    "Lượt xem",
    "Đăng lúc",
    "Chia sẻ Facebook",
    "Chia sẻ Zalo",
    "In bài viết",
    "Chuyên mục:",
    "Tin liên quan",
    "Khai mạc Kỳ họp thứ 9",
    "Trả lời",
    "Hủy",
    "Email của bạn sẽ không được hiển thị công khai",
    "Các trường bắt buộc được đánh dấu",
    "Bình luận",
    "Tên *",
    "Trang web",
    "Phản hồi",
    "Tin mới",
    "Giá cà phê tăng",
    "Ghi rõ nguồn",
    "Địa chỉ:",
    "Hội nghị sơ kết 5 năm thực hiện hướng dẫn số 35 của Trung ương",
    "(kontumtv.vn)",
    "CTV Trung Kiên",
]


@pytest.fixture(params=["trafilatura", "lxml-fallback"])
def article_text(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "lxml-fallback":
        # trafilatura finding nothing must fall back to the WordPress .entry-content node.
        monkeypatch.setattr(extract, "_trafilatura_html", lambda page_html, url: "")
    return extract_article(ARTICLE_PAGE, url="https://kontumtv.vn/?p=24866")


def test_fixture_page_has_the_noise_we_exclude() -> None:
    # Otherwise the exclusion tests below could not fail.
    root = lxml.html.fromstring(ARTICLE_PAGE)
    page_text = " ".join(normalize_text(root.text_content()).split())
    for text in NOT_ARTICLE:
        # "Phản hồi" is the submit button's value attribute, not element text.
        assert text in page_text or f'value="{text}"' in ARTICLE_PAGE, text


def test_article_body_is_extracted(article_text: str) -> None:
    assert article_text.startswith(FIRST_SENTENCE)
    assert article_text.endswith(LAST_SENTENCE)
    assert article_text.count("\n\n") == 2
    assert "99/102 chi bộ quân sự" in article_text


@pytest.mark.parametrize("noise", NOT_ARTICLE)
def test_page_furniture_is_excluded(article_text: str, noise: str) -> None:
    assert noise not in article_text


def test_article_text_is_clean(article_text: str) -> None:
    assert "  " not in article_text
    assert "&#" not in article_text and "&nbsp;" not in article_text
    assert "\xa0" not in article_text


def test_caption_kept_by_the_extractor_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other themes make trafilatura keep the caption as a plain paragraph.
    caption = "Hội nghị sơ kết 5 năm thực hiện hướng dẫn số 35 của Trung ương"
    body = f"<p>{FIRST_SENTENCE}</p><p>{caption}</p><p>Hội nghị kết thúc.</p>"
    monkeypatch.setattr(extract, "_trafilatura_html", lambda page_html, url: body)
    assert extract_article(ARTICLE_PAGE) == f"{FIRST_SENTENCE}\n\nHội nghị kết thúc."


def test_extract_without_url() -> None:
    assert extract_article(ARTICLE_PAGE).startswith(FIRST_SENTENCE)


@pytest.mark.parametrize("page", ["", "   ", "<html><body></body></html>"])
def test_empty_page_gives_empty_text(page: str) -> None:
    assert extract_article(page) == ""


def test_og_image() -> None:
    assert og_image(ARTICLE_PAGE) == (
        "https://kontumtv.vn/wp-content/uploads/2014/07/hoi-nghi-so-ket-5-nam.jpg"
    )


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("", None),
        ("<html><head><title>x</title></head></html>", None),
        ('<html><head><meta property="og:image" content=""></head></html>', None),
        (
            '<html><head><meta name="og:image" content=" https://a.vn/x.jpg?a=1&amp;b=2 ">'
            "</head></html>",
            "https://a.vn/x.jpg?a=1&b=2",
        ),
        (
            '<?xml version="1.0" encoding="utf-8"?><html><head>'
            '<meta property="og:image" content="https://a.vn/y.jpg"/></head></html>',
            "https://a.vn/y.jpg",
        ),
    ],
)
def test_og_image_variants(page: str, expected: str | None) -> None:
    assert og_image(page) == expected
