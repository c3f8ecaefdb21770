"""fold / fold_query: accent-insensitive search keys."""

from __future__ import annotations

import pytest

from bot.news.folding import fold, fold_query


@pytest.mark.parametrize(
    "variants",
    [
        ("hoi nghi", "Hội nghị", "HỘI NGHỊ", "hội  nghị", "Hội-nghị!"),
        ("hòa", "hoà", "Hòa", "HOÀ", "hoa"),
        ("thủy", "thuỷ", "THỦY", "thuy"),
        ("Khóa", "Khoá", "khoa"),
        ("Đắk Hà", "đắk hà", "Dak Ha", "\u00d0ắk Hà"),
        ("Quốc phòng – An ninh", "quoc phong an ninh", "Quốc phòng - An ninh"),
    ],
)
def test_variants_fold_alike(variants: tuple[str, ...]) -> None:
    folded = {fold(v) for v in variants}
    assert len(folded) == 1, folded


def test_fold_output_shape() -> None:
    assert fold("  Sở GD&ĐT: “Kỳ thi” (2014)… ") == "so gd dt ky thi 2014"
    assert fold("Ho\u0300a Bi\u0300nh") == "hoa binh"  # decomposed input
    assert fold("Ưu tiên Ơn") == "uu tien on"
    assert fold("") == ""
    assert fold("!!!") == ""


def test_different_words_stay_different() -> None:
    assert fold("Kon Tum") != fold("Kon Plông")


def test_fold_query_matches_stored_text() -> None:
    stored = fold("Sơ kết 5 năm thực hiện Hướng dẫn số 35 của Ban Tổ chức Trung ương")
    assert fold_query("huong dan so 35") in stored
    assert fold_query("HƯỚNG DẪN") in stored
    assert fold_query("  to chuc,  trung uong ") in stored
