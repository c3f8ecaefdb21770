"""parse_feed on the station's real feed and on the ways real feeds go wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.feeds.errors import NotAFeed
from bot.feeds.parse import canonical_url, parse_feed

FETCHED = datetime(2014, 7, 4, 14, 0, tzinfo=UTC)
SEED = "https://kontumtv.vn/?p=24866"
VIDEO = "https://kontumtv.vn/?p=24871"
EXCERPT_ONLY = "https://kontumtv.vn/?p=24850"

TOPICS = {
    "https://kontumtv.vn/?p=24833": ("Kinh tế",),
    "https://kontumtv.vn/?p=24837": ("Thời sự",),
    "https://kontumtv.vn/?p=24841": ("Nông nghiệp", "Kinh tế"),
    "https://kontumtv.vn/?p=24846": ("Thể thao",),
    EXCERPT_ONLY: ("Giao thông", "Thời sự"),
    "https://kontumtv.vn/?p=24855": ("Y tế", "Văn hóa - Xã hội"),
    "https://kontumtv.vn/?p=24859": ("Giáo dục", "Văn hóa - Xã hội"),
    "https://kontumtv.vn/?p=24862": ("Kinh tế",),
    SEED: ("Quốc phòng - An ninh", "Thời sự"),
    VIDEO: ("Video clip", "Thời sự"),
}


def rss(items: str, *, decl: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (
        f'{decl}<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>KRT</title><link>https://kontumtv.vn</link>{items}</channel></rss>"
    ).encode()


def item(guid: str = "", link: str = "", title: str | None = "Tin", extra: str = "") -> str:
    parts = [f"<title>{title}</title>" if title is not None else ""]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    return f"<item>{''.join(parts)}{extra}</item>"


def test_station_feed_gives_ten_drafts_oldest_first(feed_bytes: bytes) -> None:
    parsed = parse_feed(feed_bytes, fetched_at=FETCHED)

    assert parsed.title == "Đài Phát thanh – Truyền hình Kon Tum"
    assert parsed.warning is None and parsed.skipped == 0
    guids = [d.guid for d in parsed.entries]
    assert guids[0] == "https://kontumtv.vn/?p=24833" and guids[-1] == VIDEO
    assert len(set(guids)) == 10
    times = [d.published_at for d in parsed.entries]
    assert times == sorted(times) and len(set(times)) == 10
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert {d.guid: d.topics for d in parsed.entries} == TOPICS


def test_seed_article(feed_bytes: bytes) -> None:
    seed = {d.guid: d for d in parse_feed(feed_bytes, fetched_at=FETCHED).entries}[SEED]

    assert seed.title == "Sơ kết 5 năm thực hiện Hướng dẫn số 35 của Ban Tổ chức Trung ương"
    assert seed.url == (
        "https://kontumtv.vn/tin-tuc/quoc-phong-an-ninh/"
        "so-ket-5-nam-thuc-hien-huong-dan-so-35-cua-ban-to-chuc-trung-uong"
    )
    assert seed.published_at == datetime(2014, 7, 4, 9, 15, tzinfo=UTC)
    assert seed.author == "Trung Kiên"
    assert (
        seed.image_url == "https://kontumtv.vn/wp-content/uploads/2014/07/hoi-nghi-so-ket-5-nam.jpg"
    )
    assert seed.video_url is None
    assert seed.has_full_content
    assert seed.summary.startswith("Ngày 4/7, Tỉnh ủy Kon Tum")  # dateline stripped
    assert len(seed.summary) <= 400
    assert "CTV Trung Kiên" not in seed.text  # byline is not article text
    assert "99/102 chi bộ quân sự" in seed.text


def test_video_excerpt_and_entity_items(feed_bytes: bytes) -> None:
    drafts = {d.guid: d for d in parse_feed(feed_bytes, fetched_at=FETCHED).entries}

    video = drafts[VIDEO]
    assert (
        video.video_url == "https://kontumtv.vn/wp-content/uploads/2014/07/thoi-su-04-07-2014.mp4"
    )
    assert video.image_url is None

    excerpt = drafts[EXCERPT_ONLY]
    assert not excerpt.has_full_content  # the caller may fetch the page for a better summary
    assert excerpt.summary.startswith("Mưa lớn kéo dài trong đêm 2/7")
    assert "[…]" not in excerpt.summary and "[&#8230;]" not in excerpt.summary

    qa = drafts["https://kontumtv.vn/?p=24841"]
    assert qa.title == "Sâm Ngọc Linh: Hỏi & đáp về kỹ thuật trồng dưới tán rừng"


def test_summary_limit_and_revision_hash(feed_bytes: bytes) -> None:
    short = parse_feed(feed_bytes, fetched_at=FETCHED, summary_limit=120).entries
    assert all(len(d.summary) <= 120 for d in short)
    edited = feed_bytes.replace(b"Thu ng\xc3\xa2n s\xc3\xa1ch 6", b"Thu ng\xc3\xa2n s\xc3\xa1ch 7")
    before = parse_feed(feed_bytes, fetched_at=FETCHED).entries
    after = parse_feed(edited, fetched_at=FETCHED).entries
    changed = [
        a.guid for a, b in zip(before, after, strict=True) if a.content_hash != b.content_hash
    ]
    assert changed == ["https://kontumtv.vn/?p=24833"]


def test_malformed_xml_is_still_read_with_a_warning(feed_bytes: bytes) -> None:
    # A bare "&" in a title: the most common way WordPress plugins break a feed.
    broken = feed_bytes.replace(b"H\xe1\xbb\x8fi &#038; ", b"H\xe1\xbb\x8fi & ")
    parsed = parse_feed(broken, fetched_at=FETCHED)
    assert len(parsed.entries) == 10
    assert parsed.warning and "not well-formed" in parsed.warning
    assert "Sâm Ngọc Linh: Hỏi & đáp về kỹ thuật trồng dưới tán rừng" in [
        d.title for d in parsed.entries
    ]


def test_html_page_is_not_a_feed(article_html: bytes) -> None:
    with pytest.raises(NotAFeed, match="HTML page"):
        parse_feed(article_html, fetched_at=FETCHED, content_type="text/html; charset=UTF-8")


@pytest.mark.parametrize("body", [b"", b"   \n", b"\x00\x01garbage\xff", b'{"items": []}'])
def test_garbage_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed, match="not a feed"):
        parse_feed(body, fetched_at=FETCHED)


def test_body_that_names_a_local_file_is_not_read_from_disk(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss(item(guid="https://kontumtv.vn/?p=1")))
    # feedparser.parse(bytes) would open this path; parse_feed must treat it as content.
    with pytest.raises(NotAFeed):
        parse_feed(str(secret).encode(), fetched_at=FETCHED)


def test_empty_feed_has_no_entries_and_no_error() -> None:
    parsed = parse_feed(rss(""), fetched_at=FETCHED)
    assert parsed.entries == [] and parsed.title == "KRT" and parsed.warning is None


@pytest.mark.parametrize(
    ("decl", "content_type"),
    [
        ('<?xml version="1.0" encoding="ISO-8859-1"?>', None),
        ('<?xml version="1.0" encoding="UTF-8"?>', "text/xml; charset=windows-1252"),
        (
            '<?xml version="1.0" encoding="windows-1252"?>',
            "application/rss+xml; charset=iso-8859-1",
        ),
        ("", "text/xml"),  # no declaration: RFC 3023 says us-ascii for text/xml
    ],
)
def test_utf8_bytes_with_a_wrong_declared_encoding(decl: str, content_type: str | None) -> None:
    body = rss(item(guid="https://kontumtv.vn/?p=1", title="Sơ kết 5 năm – Đăk Hà"), decl=decl)
    parsed = parse_feed(body, fetched_at=FETCHED, content_type=content_type)
    assert [d.title for d in parsed.entries] == ["Sơ kết 5 năm – Đăk Hà"]


def test_real_latin1_feed_is_left_alone() -> None:
    body = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Caf\xe9 cr\xe8me</title><link>https://x.example/1</link></item>"
        b"</channel></rss>"
    )
    assert [d.title for d in parse_feed(body, fetched_at=FETCHED).entries] == ["Café crème"]


def test_double_encoded_title_is_repaired() -> None:
    mojibake = "Sơ kết 5 năm – Đăk Hà".encode().decode("latin-1")
    parsed = parse_feed(
        rss(item(guid="https://kontumtv.vn/?p=1", title=mojibake)), fetched_at=FETCHED
    )
    assert parsed.entries[0].title == "Sơ kết 5 năm – Đăk Hà"


def test_duplicate_guids_keep_the_first() -> None:
    body = rss(
        item(guid="https://kontumtv.vn/?p=7", link="https://kontumtv.vn/a", title="Bản đầu")
        + item(guid="https://kontumtv.vn/?p=7", link="https://kontumtv.vn/a", title="Bản sau")
        + item(guid="https://kontumtv.vn/?p=8", link="https://kontumtv.vn/b", title="Khác")
    )
    parsed = parse_feed(body, fetched_at=FETCHED)
    assert sorted(d.title for d in parsed.entries) == ["Bản đầu", "Khác"]


def test_entries_without_link_title_or_date() -> None:
    body = rss(
        item(guid="https://kontumtv.vn/?p=9", title="Chỉ có guid")
        + item(guid="tag:kontumtv.vn,2014:9", title="Không có địa chỉ")
        + "<item><link>https://kontumtv.vn/khong-tieu-de</link>"
        "<description>Mưa lớn kéo dài trong đêm 2/7 đã gây sạt lở khoảng 300 m3 đất đá "
        "tại Km 121 Quốc lộ 24, đoạn qua xã Măng Cành.</description></item>"
        + "<item><link>https://kontumtv.vn/trong</link></item>"
        + '<item><guid isPermaLink="false">tag:kontumtv.vn,2014:10</guid></item>'
    )
    parsed = parse_feed(body, fetched_at=FETCHED)
    by_guid = {d.guid: d for d in parsed.entries}

    # Neither title nor text: nothing to tell a reader, whatever it links to.
    assert parsed.skipped == 2
    assert not any(d.url == "https://kontumtv.vn/trong" for d in parsed.entries)
    assert by_guid["https://kontumtv.vn/?p=9"].url == "https://kontumtv.vn/?p=9"
    # RSS needs only a title or a description: an item without a link is still news.
    unlinked = by_guid["tag:kontumtv.vn,2014:9"]
    assert unlinked.url is None and unlinked.title == "Không có địa chỉ"
    untitled = by_guid["https://kontumtv.vn/khong-tieu-de"]
    assert untitled.title == "Mưa lớn kéo dài trong đêm 2/7 đã gây sạt lở khoảng…"  # 12 words
    assert all(d.published_at == FETCHED for d in parsed.entries)  # no date: fetch time


def test_item_with_neither_guid_nor_link_is_identified_by_what_it_says() -> None:
    def feed(text: str) -> bytes:
        return rss(
            "<item><title>Thông báo lịch cắt điện</title>"
            f"<description>{text}</description></item>"
            "<item><description>Chỉ có mô tả, không có tiêu đề.</description></item>"
        )

    first = parse_feed(feed("Ngày 5/7 cắt điện khu vực phường Quyết Thắng."), fetched_at=FETCHED)
    again = parse_feed(feed("Ngày 5/7 cắt điện khu vực phường Quyết Thắng."), fetched_at=FETCHED)
    other = parse_feed(feed("Ngày 6/7 cắt điện khu vực phường Thắng Lợi."), fetched_at=FETCHED)

    assert [d.url for d in first.entries] == [None, None] and first.skipped == 0
    guids = {d.title: d.guid for d in first.entries}
    notice, bare = guids["Thông báo lịch cắt điện"], guids["Chỉ có mô tả, không có tiêu đề."]
    assert notice.startswith("urn:sha1:") and bare.startswith("urn:sha1:") and notice != bare
    assert {d.title: d.guid for d in again.entries} == guids  # seen again: the same item
    changed = {d.guid for d in other.entries}
    assert bare in changed and notice not in changed  # new text: a new item


def test_relative_links_resolve_against_xml_base_then_the_feed_url() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://baokontum.example/tin/">'
        "<title>Báo</title><id>urn:x</id>"
        '<entry><title>Có xml:base</title><id>urn:1</id><link href="a-1.html"/></entry>'
        '<entry xml:base="/video/"><title>Base riêng</title><id>urn:2</id>'
        '<link href="b-2.html"/></entry></feed>'
    ).encode()
    parsed = parse_feed(body, fetched_at=FETCHED, base_url="https://mirror.example/feed")
    assert {d.title: d.url for d in parsed.entries} == {
        "Có xml:base": "https://baokontum.example/tin/a-1.html",
        "Base riêng": "https://baokontum.example/video/b-2.html",
    }
    plain = rss(item(guid="g1", link="tin/c-3.html", title="Không có base"))
    # Relative to the final URL after redirects, which the fetcher hands over as base_url.
    moved = parse_feed(plain, fetched_at=FETCHED, base_url="https://moi.example/rss/")
    assert moved.entries[0].url == "https://moi.example/rss/tin/c-3.html"
    # A file has no URL: the channel's own <link> is the base.
    assert (
        parse_feed(plain, fetched_at=FETCHED).entries[0].url == "https://kontumtv.vn/tin/c-3.html"
    )


def test_far_future_date_is_clamped_to_fetch_time() -> None:
    future = "<pubDate>Sat, 04 Jul 2044 09:00:00 +0000</pubDate>"
    near = "<pubDate>Fri, 04 Jul 2014 15:00:00 +0700</pubDate>"
    body = rss(
        item(guid="https://kontumtv.vn/?p=1", extra=future)
        + item(guid="https://kontumtv.vn/?p=2", extra=near)
    )
    dates = {d.guid[-1]: d.published_at for d in parse_feed(body, fetched_at=FETCHED).entries}
    assert dates == {"1": FETCHED, "2": datetime(2014, 7, 4, 8, 0, tzinfo=UTC)}


def test_links_are_canonical_and_relative_links_resolved() -> None:
    body = rss(
        item(link="HTTPS://KonTumTV.vn/tin-tuc/a?utm_source=fb&utm_medium=social&p=1#comments")
        + item(link="/tin-tuc/b?fbclid=XYZ", title="Tương đối")
    )
    parsed = parse_feed(body, fetched_at=FETCHED, base_url="https://kontumtv.vn/feed")
    assert sorted(d.url for d in parsed.entries) == [
        "https://kontumtv.vn/tin-tuc/a?p=1",
        "https://kontumtv.vn/tin-tuc/b",
    ]
    assert {d.guid for d in parsed.entries} == {d.url for d in parsed.entries}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://kontumtv.vn/?p=24866", "https://kontumtv.vn/?p=24866"),
        (
            "http://KONTUMTV.vn:80/a?gclid=1&x=%C4%91&utm_campaign=z",
            "http://kontumtv.vn/a?x=%C4%91",
        ),
        ("https://kontumtv.vn:8443/a#top", "https://kontumtv.vn:8443/a"),
        ("https://user:pw@kontumtv.vn/a", "https://kontumtv.vn/a"),
        ("https://kontumtv.vn/?p=1&amp;utm_source=rss", "https://kontumtv.vn/?p=1"),
        ("javascript:alert(1)", ""),
        ("mailto:toasoan@kontumtv.vn", ""),
        ("", ""),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_image_sources_in_order_of_preference() -> None:
    lazy_img = '<img src="data:image/gif;base64,R0l" data-src="/a.jpg">'
    lazy = f"<description><![CDATA[{lazy_img}]]></description>"
    body = rss(
        item(
            guid="https://kontumtv.vn/?p=1",
            extra='<media:content url="https://cdn.kontumtv.vn/m.jpg" medium="image"/>'
            '<enclosure url="https://kontumtv.vn/e.jpg" type="image/jpeg" length="1"/>',
        )
        + item(
            guid="https://kontumtv.vn/?p=2",
            extra='<enclosure url="https://kontumtv.vn/e.png" type="image/png" length="1"/>'
            '<description>&lt;img src="https://kontumtv.vn/inline.jpg"&gt;</description>',
        )
        + item(guid="https://kontumtv.vn/?p=3", extra=lazy)
        + item(guid="https://kontumtv.vn/?p=4", extra="<description>Không có ảnh.</description>")
    )
    images = {d.guid[-1]: d.image_url for d in parse_feed(body, fetched_at=FETCHED).entries}
    assert images == {
        "1": "https://cdn.kontumtv.vn/m.jpg",
        "2": "https://kontumtv.vn/e.png",
        "3": "https://kontumtv.vn/a.jpg",
        "4": None,
    }


def test_repeated_topics_are_listed_once() -> None:
    cats = "<category>Thời sự</category><category>Kinh tế</category><category> Thời  sự </category>"
    body = rss(item(guid="https://kontumtv.vn/?p=1", extra=cats))
    assert parse_feed(body, fetched_at=FETCHED).entries[0].topics == ("Thời sự", "Kinh tế")
