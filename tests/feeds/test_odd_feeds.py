"""parse_feed on every kind of feed feedparser reads, and on hostile or broken bodies."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from bot.feeds.errors import NotAFeed
from bot.feeds.parse import parse_feed
from tests.feeds.odd_feeds import (
    ATOM10,
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    ODD_FEEDS,
    RSS20_NO_LINKS,
    UTF16_BOM,
    WINDOWS_1258,
    OddFeed,
)

FETCHED = datetime(2014, 7, 5, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("feed", ODD_FEEDS, ids=[f.name for f in ODD_FEEDS])
def test_every_kind_of_feed_gives_drafts_or_not_a_feed(feed: OddFeed) -> None:
    try:
        parsed = parse_feed(feed.body, fetched_at=FETCHED)
    except NotAFeed as error:
        assert feed.items is None, f"{feed.name}: {error}"
        assert "\n" not in str(error) and len(str(error)) < 400
        return
    if feed.items is None:  # readable after all: then its entries must be sound
        assert all(d.title for d in parsed.entries)
        return
    assert len(parsed.entries) == feed.items, [d.title for d in parsed.entries]
    titles = {d.title for d in parsed.entries}
    assert set(feed.titles) <= titles
    for draft in parsed.entries:
        for text in (draft.title, draft.summary, draft.text):
            assert unicodedata.is_normalized("NFC", text), text
        assert draft.url is None or draft.url.startswith(("http://", "https://"))


def test_items_without_links_are_kept_and_empty_ones_counted() -> None:
    parsed = parse_feed(RSS20_NO_LINKS, fetched_at=FETCHED)
    by_title = {d.title: d for d in parsed.entries}
    assert parsed.skipped == 2  # a bare <link> and an empty <item>
    assert by_title["Chỉ có tiêu đề"].url is None
    (described,) = [d for d in parsed.entries if d.guid == "tin20-42"]
    # A guid that is not a URL is an identity, never a link resolved against the feed.
    assert described.url is None
    assert described.summary.startswith("Sáng 5/7, UBND tỉnh tổ chức hội nghị")


def test_atom_xml_base_and_an_entry_with_only_an_id() -> None:
    parsed = parse_feed(ATOM10, fetched_at=FETCHED)
    (entry,) = parsed.entries
    assert entry.url == "https://atom10.example/tin/le-hoi.html"
    assert entry.title == "Lễ hội cồng chiêng"  # type="html" title: markup dropped
    assert entry.summary == "Lễ hội diễn ra trong 3 ngày tại quảng trường tỉnh."
    assert parsed.skipped == 1  # <entry> with only an id has nothing to say


@pytest.mark.parametrize("body", [WINDOWS_1258, UTF16_BOM], ids=["windows-1258", "utf-16"])
def test_odd_encodings_come_out_as_nfc_vietnamese(body: bytes) -> None:
    (draft,) = parse_feed(body, fetched_at=FETCHED).entries
    assert draft.title in {"Đắk Lắk mùa mưa", "Hội thao ngành y"}
    assert unicodedata.is_normalized("NFC", draft.title + draft.summary)


def test_a_one_line_billion_laughs_is_not_expanded() -> None:
    # feedparser drops nested entities only when each declaration starts a line.
    parsed = parse_feed(BILLION_LAUGHS, fetched_at=FETCHED)
    assert all("lollol" not in d.title for d in parsed.entries)
    # Left to the XML parser, it expands ~8 MB (seconds of CPU) before its limit trips.
    assert "amplification" not in (parsed.warning or "")
    utf16 = BILLION_LAUGHS.replace(b'version="1.0"?>', b'version="1.0" encoding="UTF-16"?>')
    again = parse_feed(utf16.decode().encode("utf-16"), fetched_at=FETCHED)
    assert [d.title for d in again.entries] == [d.title for d in parsed.entries]
    assert "amplification" not in (again.warning or "")


def test_external_entities_are_never_read() -> None:
    parsed = parse_feed(EXTERNAL_ENTITY, fetched_at=FETCHED)
    assert all("root:" not in d.title for d in parsed.entries)
