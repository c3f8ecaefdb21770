"""slugify / topic_name for WordPress categories."""

from __future__ import annotations

import re

import pytest

from bot.news.topics import SLUG_MAX, slugify, topic_name

SAFE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Quốc phòng - An ninh", "quoc-phong-an-ninh"),
        ("Quốc phòng &#8211; An ninh", "quoc-phong-an-ninh"),
        ("Văn hóa - Xã hội", "van-hoa-xa-hoi"),
        ("Văn hoá – Xã hội", "van-hoa-xa-hoi"),
        ("Đắk Hà", "dak-ha"),
        ("Thời sự", "thoi-su"),
        ("Video clip", "video-clip"),
        ("  Y tế  ", "y-te"),
        ("Hỏi &amp; đáp", "hoi-dap"),
        ("Kỳ họp thứ 9", "ky-hop-thu-9"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_long_name_is_cut_on_a_word_within_the_limit() -> None:
    name = "Chương trình mục tiêu quốc gia xây dựng nông thôn mới giai đoạn 2021 - 2025"
    slug = slugify(name)
    assert len(slug) <= SLUG_MAX == 48
    assert SAFE.match(slug)
    assert "chuong-trinh-muc-tieu-quoc-gia-xay-dung-nong-thon-moi".startswith(slug)


def test_single_overlong_word_is_cut_hard() -> None:
    assert slugify("a" * 100) == "a" * 48


def test_name_without_latin_letters_gets_a_stable_safe_slug() -> None:
    slug = slugify("新闻")
    assert SAFE.match(slug) and slug.startswith("t-")
    assert slugify("新闻") == slug != slugify("体育")


def test_empty_name() -> None:
    assert slugify("") == ""
    assert slugify("   ") == ""


def test_topic_name_normalizes() -> None:
    assert topic_name("  Quốc phòng &#8211; An ninh \n") == "Quốc phòng – An ninh"
    assert topic_name("Va\u0300n  ho\u0301a") == "Vàn hóa"
    assert topic_name("\u00d0ắk Hà") == "Đắk Hà"
