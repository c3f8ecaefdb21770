"""Summaries of other Vietnamese outlets' items (tests/news/outlets.py) come out clean, whole
and NFC; the station's own ten stay exactly what they were before those rules existed."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from bot.news.clean import html_to_paragraphs, strip_dateline
from bot.news.furniture import drop_trailing_credits
from bot.news.summary import summarize_html
from tests.news.outlets import ITEMS, OutletItem
from tests.news.station import ITEMS_BY_ID
from tests.news.test_station_items import PROPER_END, assert_clean

# The station's summaries (content:encoded as feedparser hands it over), pinned as they were
# before the other outlets' rules: those rules must not touch the house style.
STATION_SUMMARIES: dict[str, str] = json.loads(
    (Path(__file__).parent / "station_summaries.json").read_text(encoding="utf-8")
)


def test_the_fixture_set_covers_enough_outlets() -> None:
    assert len(ITEMS) >= 20 and len({item.outlet for item in ITEMS}) >= 6
    for item in ITEMS:
        assert unicodedata.is_normalized("NFC", item.summary), item.name


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i.outlet}-{i.name}" for i in ITEMS])
def test_other_outlets_summaries_are_clean(item: OutletItem) -> None:
    summary, full = summarize_html(item.html)
    assert summary == item.summary
    assert_clean(summary)
    assert PROPER_END.search(summary), summary
    assert summary in full.replace("\n\n", " ")  # whole sentences, as the article has them
    for text in item.absent:
        assert text not in full, text
    for text in item.kept:
        assert text in full, text


@pytest.mark.parametrize("post_id", sorted(STATION_SUMMARIES))
def test_station_summaries_are_unchanged(post_id: str) -> None:
    summary, _ = summarize_html(ITEMS_BY_ID[post_id].body_html)
    assert summary == STATION_SUMMARIES[post_id]


@pytest.mark.parametrize(
    "lead",
    [
        "ASEAN – Trung Quốc ký kết hiệp định.",  # not a medium
        "COVID-19 vẫn diễn biến phức tạp.",
        "UBND–HĐND tỉnh họp liên tịch.",
        "Anh A (SN 1980) - trú tại thôn 2 - bị bắt.",
        "Hội Nông dân (HND) - đơn vị tổ chức - cho biết.",
    ],
)
def test_leads_that_only_look_like_datelines_are_kept(lead: str) -> None:
    assert strip_dateline(lead) == lead


@pytest.mark.parametrize(
    "last",
    [
        "Theo kế hoạch, lễ hội kéo dài 3 ngày.",
        "Nguồn vốn được giải ngân trong tháng 8.",
        "UBND TỈNH KHEN THƯỞNG 12 TẬP THỂ.",
        "Chúc mừng các em.",
        "Mời thầu: dự án đường liên xã.",
    ],
)
def test_closing_sentences_that_only_look_like_credits_are_kept(last: str) -> None:
    assert drop_trailing_credits(["Sáng 3/7, hội nghị khai mạc.", last])[-1] == last
    assert html_to_paragraphs(f"<p>Sáng 3/7, hội nghị khai mạc.</p><p>{last}</p>")[-1] == last
