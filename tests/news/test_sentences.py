"""Vietnamese sentence splitting: the dots, commas and quotes of real station copy."""

from __future__ import annotations

import pytest

from bot.news.sentences import split_sentences

CASES = [
    # (description, text, expected sentences)
    (
        "abbreviation TP.",
        "Hội nghị diễn ra tại TP. Kon Tum. Có 120 đại biểu.",
        ["Hội nghị diễn ra tại TP. Kon Tum.", "Có 120 đại biểu."],
    ),
    (
        "abbreviation Tp.",
        "Tại Tp. Hồ Chí Minh trời mưa. Hết.",
        ["Tại Tp. Hồ Chí Minh trời mưa.", "Hết."],
    ),
    (
        "TS. title",
        "Theo TS. Trần Minh Quang, kỳ thi an toàn. Thí sinh yên tâm.",
        ["Theo TS. Trần Minh Quang, kỳ thi an toàn.", "Thí sinh yên tâm."],
    ),
    (
        "BS. CKII",
        "Theo BS. CKII Lê Thị Hạnh, mùa mưa nguy hiểm. Người dân cần đậy kín dụng cụ.",
        ["Theo BS. CKII Lê Thị Hạnh, mùa mưa nguy hiểm.", "Người dân cần đậy kín dụng cụ."],
    ),
    (
        "ThS. PGS. GS.",
        "ThS. Lê Văn B, PGS. Trần C và GS. Ngô D dự họp. Hết.",
        ["ThS. Lê Văn B, PGS. Trần C và GS. Ngô D dự họp.", "Hết."],
    ),
    (
        "chained PGS.TS.",
        "PGS.TS. Nguyễn Văn Nam phát biểu. Hết.",
        ["PGS.TS. Nguyễn Văn Nam phát biểu.", "Hết."],
    ),
    ("St.", "Nhà thờ St. Paul rất đẹp. Hết.", ["Nhà thờ St. Paul rất đẹp.", "Hết."]),
    (
        "initial in a name",
        "Ông Nguyễn H. Nam cho biết. Hết.",
        ["Ông Nguyễn H. Nam cho biết.", "Hết."],
    ),
    (
        "Roman numeral ends a sentence",
        "Khai mạc Giải bóng chuyền lần thứ V. Giải quy tụ 16 đội.",
        ["Khai mạc Giải bóng chuyền lần thứ V.", "Giải quy tụ 16 đội."],
    ),
    (
        "capitalised ordinal word before a Roman numeral",
        "Bế mạc Kỳ họp HĐND tỉnh Khóa X. Hết.",
        ["Bế mạc Kỳ họp HĐND tỉnh Khóa X.", "Hết."],
    ),
    ("thousands dot", "Hơn 5.200 thí sinh dự thi. Hết.", ["Hơn 5.200 thí sinh dự thi.", "Hết."]),
    (
        "decimal comma",
        "Thu ước đạt 1.034,5 tỷ đồng, tăng 8,3%. Hết.",
        ["Thu ước đạt 1.034,5 tỷ đồng, tăng 8,3%.", "Hết."],
    ),
    ("hectares", "Gia đình có 2,5 ha cà phê. Hết.", ["Gia đình có 2,5 ha cà phê.", "Hết."]),
    ("ratio", "Toàn tỉnh có 99/102 chi bộ. Hết.", ["Toàn tỉnh có 99/102 chi bộ.", "Hết."]),
    ("short date", "Ngày 4/7, Tỉnh ủy họp. Hết.", ["Ngày 4/7, Tỉnh ủy họp.", "Hết."]),
    (
        "full date at sentence end",
        "Kết quả công bố trước ngày 20/7/2014. Thí sinh theo dõi.",
        ["Kết quả công bố trước ngày 20/7/2014.", "Thí sinh theo dõi."],
    ),
    (
        "domain",
        "(kontumtv.vn) – Ngày 4/7, Tỉnh ủy họp. Xem tại kontumtv.vn hoặc Kontumtv.VN. Hết.",
        ["(kontumtv.vn) – Ngày 4/7, Tỉnh ủy họp.", "Xem tại kontumtv.vn hoặc Kontumtv.VN.", "Hết."],
    ),
    (
        "closing curly quote stays",
        "Ông nói: “Giá tăng nên bà con yên tâm.” Năm nay được mùa.",
        ["Ông nói: “Giá tăng nên bà con yên tâm.”", "Năm nay được mùa."],
    ),
    (
        "closing straight quote stays",
        'Ông nói: "Giá tăng." Năm nay được mùa.',
        ['Ông nói: "Giá tăng."', "Năm nay được mùa."],
    ),
    (
        "sentences inside a quotation are one",
        "“Giá tăng. Bà con yên tâm”, ông Hùng cho biết. Hết.",
        ["“Giá tăng. Bà con yên tâm”, ông Hùng cho biết.", "Hết."],
    ),
    (
        "parentheses",
        "Có 99/102 chi bộ (riêng 3 xã. Ia Dal mới lập). Thực hiện tốt.",
        ["Có 99/102 chi bộ (riêng 3 xã. Ia Dal mới lập).", "Thực hiện tốt."],
    ),
    (
        "ellipsis inside a sentence",
        "Gạo, thịt, cá... đều tăng giá. Rau… cũng vậy. Hết.",
        ["Gạo, thịt, cá... đều tăng giá.", "Rau… cũng vậy.", "Hết."],
    ),
    (
        "ellipsis ending a sentence",
        "Chờ đến mùa sau… Nông dân lo lắng.",
        ["Chờ đến mùa sau…", "Nông dân lo lắng."],
    ),
    (
        "question and exclamation",
        "Trồng khi nào? Đầu mùa mưa! Hết.",
        ["Trồng khi nào?", "Đầu mùa mưa!", "Hết."],
    ),
    (
        "lowercase after a dot is not a new sentence",
        "Xem mục a. và b. Hết.",
        ["Xem mục a. và b.", "Hết."],
    ),
    ("no final stop", "Một câu. Câu cuối không chấm", ["Một câu.", "Câu cuối không chấm"]),
    ("line breaks are hard boundaries", "Tiêu đề\n\nMột câu. Hai", ["Tiêu đề", "Một câu.", "Hai"]),
    ("empty", "", []),
    ("whitespace only", "  \n ", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_keeps_every_character_but_spaces() -> None:
    text = "Sáng 2/7, tại Nhà thi đấu tỉnh (TP. Kon Tum), khai mạc giải. Giải quy tụ 16 đội."
    assert "".join(split_sentences(text)).replace(" ", "") == text.replace(" ", "")
