"""Rendering: escaping, hashtags, local time, Telegram's UTF-16 limits, keyboard, cache."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import ClassVar

import pytest

from bot.delivery.messages import (
    BadPayload,
    render_message,
    render_message_cache_clear,
    renderable_kinds,
)
from bot.delivery.render import ArticleView, RenderedMessage, hashtag, render, render_cache_clear
from bot.delivery.utf16 import html_visible_len, html_visible_text, truncate_utf16, utf16_len
from storage.enums import MessageKind
from storage.repositories.deliveries import encode_payload

URL = "https://kontumtv.vn/thoi-su/ban-tin-16-15-123.html"
IMAGE = "https://kontumtv.vn/uploads/anh.jpg"


def article(**changes: object) -> ArticleView:
    base = ArticleView(
        id=123,
        title="Kon Tum: Diễn tập khu vực phòng thủ năm 2014",
        url=URL,
        summary="Sáng 4/7, tỉnh Kon Tum tổ chức diễn tập. Lực lượng vũ trang tham gia đông đủ.",
        topics=(("Quốc phòng - An ninh", "quoc-phong-an-ninh"), ("Thời sự", "thoi-su")),
        published_at=datetime(2014, 7, 4, 9, 15, tzinfo=UTC),
        image_url=IMAGE,
        revision=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    render_cache_clear()
    render_message_cache_clear()


class TelegramHtmlChecker(HTMLParser):
    """Accepts only what render() may emit: <b> and <a href>, properly nested and closed."""

    ALLOWED: ClassVar[dict[str, set[str]]] = {"b": set(), "a": {"href"}}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, f"tag <{tag}> not allowed"
        assert {name for name, _ in attrs} <= self.ALLOWED[tag], attrs
        self.hrefs += [value or "" for name, value in attrs if name == "href"]
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(markup: str) -> TelegramHtmlChecker:
    # Telegram knows only &lt; &gt; &amp; &quot; and numeric entities: any other '&' is an error.
    for piece in markup.split("&")[1:]:
        assert piece.startswith(("lt;", "gt;", "amp;", "quot;", "#")), piece[:10]
    checker = TelegramHtmlChecker()
    checker.feed(markup)
    checker.close()
    assert checker.stack == []
    assert "".join(checker.text) == html_visible_text(markup)
    return checker


def buttons(message: RenderedMessage) -> list[tuple[str, str | None, str | object | None]]:
    if message.reply_markup is None:
        return []
    return [
        (b.text, b.url, b.callback_data)
        for row in message.reply_markup.inline_keyboard
        for b in row
    ]


def test_layout_headline_summary_tags_and_time() -> None:
    msg = render(article())
    assert msg.text == (
        f'<b><a href="{URL}">Kon Tum: Diễn tập khu vực phòng thủ năm 2014</a></b>\n\n'
        "Sáng 4/7, tỉnh Kon Tum tổ chức diễn tập. Lực lượng vũ trang tham gia đông đủ.\n\n"
        "#QuocPhongAnNinh #ThoiSu 🕒 16:15 04/07/2014"
    )
    assert check_html(msg.text).hrefs == [URL]
    assert msg.plain_text == (
        f"Kon Tum: Diễn tập khu vực phòng thủ năm 2014\n{URL}\n\n"
        "Sáng 4/7, tỉnh Kon Tum tổ chức diễn tập. Lực lượng vũ trang tham gia đông đủ.\n\n"
        "#QuocPhongAnNinh #ThoiSu 🕒 16:15 04/07/2014"
    )


def test_hostile_feed_text_is_escaped() -> None:
    hostile_url = 'https://evil.example/a?x="><script>alert(1)</script>&y=1'
    msg = render(
        article(
            title='<script>alert("x")</script> Tom & Jerry <b>',
            summary="1 < 2 & 3 > 2 &amp; <i>not markup</i> &#169;",
            url=hostile_url,
        )
    )
    checker = check_html(msg.text)
    assert "<script" not in msg.text and "<i>" not in msg.text
    assert checker.hrefs == [hostile_url]  # the attribute decodes back to the exact URL
    assert 'href="https://evil.example/a?x=&quot;&gt;&lt;script&gt;' in msg.text
    visible = html_visible_text(msg.text)
    assert '<script>alert("x")</script> Tom & Jerry <b>' in visible
    assert "1 < 2 & 3 > 2 &amp; <i>not markup</i> &#169;" in visible
    # The fallback is sent without parse mode, so it carries the raw text.
    assert '<script>alert("x")</script> Tom & Jerry <b>' in msg.plain_text
    assert buttons(msg)[0][1] == hostile_url


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "http://[broken", "/relative/path"])
def test_non_web_url_is_not_linked(bad: str) -> None:
    msg = render(article(url=bad))
    check_html(msg.text)
    assert "<a " not in msg.text and bad not in msg.plain_text
    assert [b[2] for b in buttons(msg)] == ["c:123"]  # no URL button Telegram would reject
    assert msg.link_preview_url is None


def test_an_item_without_a_link_is_sent_without_the_read_button() -> None:
    msg = render(article(url=None))
    check_html(msg.text)
    assert "<a " not in msg.text and msg.text.startswith("<b>Kon Tum: Diễn tập")
    assert "Sáng 4/7, tỉnh Kon Tum tổ chức diễn tập." in msg.text
    assert [b[2] for b in buttons(msg)] == ["c:123"]  # 💬 only, no 📖 Đọc bài
    assert msg.photo_url == IMAGE and msg.link_preview_url is None


@pytest.mark.parametrize(
    ("slug", "tag"),
    [
        ("quoc-phong-an-ninh", "#QuocPhongAnNinh"),
        ("the-thao", "#TheThao"),
        ("đời-sống", "#DoiSong"),  # diacritics and đ folded: Telegram tags are one token
        ("giao_duc 4.0", "#GiaoDuc40"),
        ("covid-19", "#Covid19"),
        ("2024", ""),  # Telegram does not highlight an all-digit tag
        ("---", ""),
    ],
)
def test_hashtags_from_slugs(slug: str, tag: str) -> None:
    assert hashtag(slug) == tag


def test_duplicate_and_empty_hashtags_are_dropped() -> None:
    msg = render(article(topics=(("A", "the-thao"), ("B", "The Thao"), ("C", "2024"))))
    assert msg.text.endswith("\n\n#TheThao 🕒 16:15 04/07/2014")


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        (datetime(2014, 7, 4, 9, 15, tzinfo=UTC), "🕒 16:15 04/07/2014"),
        (datetime(2014, 7, 4, 20, 30, tzinfo=UTC), "🕒 03:30 05/07/2014"),  # next local day
        (datetime(2014, 7, 4, 9, 15), "🕒 16:15 04/07/2014"),  # naive means UTC
    ],
)
def test_publication_time_is_local(published: datetime, shown: str) -> None:
    assert render(article(published_at=published)).text.endswith(shown)


def test_other_timezone() -> None:
    msg = render(article(), tz="Europe/London")
    assert msg.text.endswith("🕒 10:15 04/07/2014")


def test_utf16_counting() -> None:
    assert utf16_len("Việt Nam") == 8  # precomposed letters: one unit each
    assert utf16_len("📖") == 2
    assert utf16_len("Viê\u0323t") == 5  # a decomposed letter costs its combining mark too
    assert html_visible_len('<b><a href="https://x.vn/?a=1&amp;b=2">A &amp; B</a></b>') == 5


def test_truncate_never_splits_a_surrogate_pair_and_prefers_word_ends() -> None:
    assert truncate_utf16("xin chào các bạn", 12) == "xin chào…"
    cut = truncate_utf16("😀" * 10, 6)
    assert cut == "😀😀…" and utf16_len(cut) <= 6
    assert truncate_utf16("ngắn", 10) == "ngắn"


def test_long_summary_is_cut_to_4096_units_at_a_word() -> None:
    words = ["Tây", "Nguyên", "😀", "&", "<tin>", "Kon", "Tum", "🌾"]
    summary = " ".join(words[i % len(words)] for i in range(3000))
    assert len(summary) < 4096 * 4 and utf16_len(summary) > 4096
    msg = render(article(summary=summary))
    check_html(msg.text)
    visible = html_visible_len(msg.text)
    assert 4096 - 10 <= visible <= 4096
    body = html_visible_text(msg.text).split("\n\n")[1]
    assert body.endswith("…")
    kept = body.removesuffix("…")
    assert summary.startswith(kept) and summary[len(kept)] == " "  # ended on a whole word
    assert utf16_len(msg.plain_text) <= 4096
    assert msg.plain_text.split("\n\n")[1].endswith("…")
    assert msg.caption is None and msg.photo_url is None
    assert msg.link_preview_url == URL


def test_escaping_does_not_count_against_the_limit() -> None:
    # 4,000 visible characters, ~12,000 characters of HTML: must not be shortened.
    summary = "&<>" * 1300
    msg = render(article(summary=summary))
    assert html_visible_text(msg.text).split("\n\n")[1] == summary
    check_html(msg.text)


def caption_sized(target: int) -> ArticleView:
    base = html_visible_len(render(article(summary="", revision=99)).text)
    room = target - base - 2  # "\n\n" before the summary
    summary = "😀" * (room // 2) + "ệ" * (room % 2)
    return article(summary=summary, revision=target)


def test_caption_when_it_fits_1024_units() -> None:
    msg = render(caption_sized(1024))
    assert html_visible_len(msg.text) == 1024
    assert msg.caption == msg.text
    assert msg.photo_url == IMAGE


def test_caption_fallback_over_1024_units() -> None:
    msg = render(caption_sized(1025))
    assert html_visible_len(msg.text) == 1025
    assert msg.caption is None and msg.photo_url is None
    assert msg.link_preview_url == URL  # the sender shows the article's preview instead


def test_image_less_variant_and_missing_image() -> None:
    without = render(article(), with_image=False)
    assert (without.photo_url, without.caption, without.link_preview_url) == (None, None, None)
    assert without.text == render(article()).text
    missing = render(article(image_url=None, revision=2))
    assert (missing.photo_url, missing.caption, missing.link_preview_url) == (None, None, URL)


def test_keyboard_labels_and_callback_data() -> None:
    assert buttons(render(article())) == [
        ("📖 Đọc bài", URL, None),
        ("💬 Bình luận", None, "c:123"),
    ]
    english = render(article(), locale="en")
    assert buttons(english) == [("📖 Read article", URL, None), ("💬 Comment", None, "c:123")]
    assert english.text == render(article()).text  # the article itself stays Vietnamese
    big = render(article(id=2**63 - 1))
    data = buttons(big)[1][2]
    assert isinstance(data, str) and len(data.encode()) <= 64


def test_render_is_cached_per_revision_locale_and_variant() -> None:
    first = render(article())
    assert render(article()) is first
    # Same (id, revision): the cached rendering is reused even if another copy is passed in.
    assert render(article(title="changed")) is first
    edited = render(article(title="Tin đã sửa", revision=2))
    assert edited is not first and "Tin đã sửa" in edited.text
    assert render(article(), locale="en") is not first
    assert render(article(), with_image=False) is not first
    assert render(article(), tz="UTC") is not first
    assert render(article()).reply_markup is first.reply_markup


def test_every_output_is_nfc_and_title_is_bounded() -> None:
    decomposed = "Vie\u0302\u0323t Nam"  # "Việt Nam" typed with combining marks
    msg = render(article(title=decomposed * 400, summary=decomposed))
    assert "Việt Nam" in msg.text and "\u0323" not in msg.text
    check_html(msg.text)
    title = html_visible_text(msg.text).split("\n\n")[0]
    assert title.endswith("…") and utf16_len(title) <= 1000
    assert msg.plain_text.split("\n")[0] == title


# ------------------------------------------------------------------ every other message kind


def message(kind: MessageKind, payload: dict[str, object], **variant: object) -> RenderedMessage:
    options: dict[str, object] = {"locale": "vi", "with_image": True, "tz": "Asia/Ho_Chi_Minh"}
    options.update(variant)
    return render_message(kind, encode_payload(payload), **options)  # type: ignore[arg-type]


def test_every_message_kind_has_a_renderer() -> None:
    """Adding a MessageKind without its renderer fails here, not on a reader's message."""
    assert renderable_kinds() == set(MessageKind) - {MessageKind.ARTICLE}


def test_a_notice_is_the_catalogue_text_in_the_readers_language_params_escaped() -> None:
    hostile = {"key": "start.welcome", "params": {"name": "<b>Lan</b> & <script>"}}
    vi = message(MessageKind.NOTICE, hostile)
    en = message(MessageKind.NOTICE, hostile, locale="en")
    assert vi.text.startswith("Xin chào &lt;b&gt;Lan&lt;/b&gt; &amp; &lt;script&gt;! 👋")
    assert en.text.startswith("Hello &lt;b&gt;Lan&lt;/b&gt; &amp; &lt;script&gt;")
    # The catalogue's own markup stays markup; the name shows exactly as typed.
    assert "<b>Đài Phát thanh – Truyền hình Kon Tum</b>" in vi.text
    check_html(vi.text)
    assert html_visible_text(vi.text).startswith("Xin chào <b>Lan</b> & <script>! 👋")
    assert vi.plain_text == html_visible_text(vi.text)
    assert vi.photo_url is None and vi.reply_markup is None and vi.link_preview_url is None


def test_a_notice_url_becomes_a_read_button_only_when_it_is_a_web_link() -> None:
    linked = message(MessageKind.NOTICE, {"key": "stop.done", "url": URL}, locale="en")
    assert buttons(linked) == [("📖 Read article", URL, None)]
    assert buttons(message(MessageKind.NOTICE, {"key": "stop.done", "url": "javascript:x"})) == []


def test_a_long_notice_param_is_cut_and_numbers_pass_through() -> None:
    msg = message(MessageKind.NOTICE, {"key": "start.welcome", "params": {"name": "A" * 5000}})
    assert utf16_len(html_visible_text(msg.text)) < 1000 and "A…" in msg.text
    assert html_visible_len(msg.text) <= 4096


@pytest.mark.parametrize(
    ("kind", "payload", "why"),
    [
        (MessageKind.NOTICE, {"key": "no.such.key"}, "no.such.key"),
        (MessageKind.NOTICE, {"key": "start.welcome", "params": {"nom": "x"}}, "name"),
        (MessageKind.NOTICE, {"params": {}}, "key"),
        (MessageKind.NOTICE, {"key": "start.welcome", "params": {"name": ["x"]}}, "name"),
        (MessageKind.BROADCAST, {"text": "   "}, "text"),
        (MessageKind.DIGEST, {"sections": []}, "sections"),
        (MessageKind.COMMENT_POST, {"author": "Lan", "text": "hay", "reply_to": "5"}, "reply_to"),
    ],
)
def test_a_payload_its_renderer_cannot_use_is_refused_with_the_reason(
    kind: MessageKind, payload: dict[str, object], why: str
) -> None:
    with pytest.raises(BadPayload, match=why):
        message(kind, payload)


def test_a_payload_that_is_not_a_json_object_is_refused() -> None:
    for raw in ("", "[1]", "{broken"):
        with pytest.raises(BadPayload):
            render_message(MessageKind.NOTICE, raw, locale="vi", with_image=True, tz="UTC")


def test_a_broadcast_is_the_admins_text_escaped_with_its_photo_for_those_who_want_it() -> None:
    payload = {"text": "Lịch phát sóng <Tết> & lễ hội", "photo": IMAGE}
    msg = message(MessageKind.BROADCAST, payload)
    assert msg.text == "Lịch phát sóng &lt;Tết&gt; &amp; lễ hội"
    assert (msg.photo_url, msg.caption) == (IMAGE, msg.text)
    plain = message(MessageKind.BROADCAST, payload, with_image=False)
    assert plain.photo_url is None and plain.caption is None
    long = message(MessageKind.BROADCAST, {"text": "chữ " * 2000, "photo": IMAGE})
    assert long.photo_url is None and html_visible_len(long.text) <= 4096


def test_a_digest_groups_linked_headlines_by_topic_within_the_limit() -> None:
    item = {"title": "Giá cà phê <tăng>", "url": URL}
    payload = {"sections": [{"topic": "Kinh tế", "items": [item, {"title": "Không link"}]}]}
    msg = message(MessageKind.DIGEST, payload)
    assert msg.text == (
        "📰 <b>Bản tin tổng hợp</b>\n\n<b>Kinh tế</b>\n"
        f'• <a href="{URL}">Giá cà phê &lt;tăng&gt;</a>\n• Không link'
    )
    check_html(msg.text)
    assert message(MessageKind.DIGEST, payload, locale="en").text.startswith("📰 <b>News digest")
    huge = {"sections": [{"topic": "Thời sự", "items": [item] * 400}]}
    cut = message(MessageKind.DIGEST, huge)
    assert html_visible_len(cut.text) <= 4096 and cut.text.endswith("\n…")
    check_html(cut.text)


def test_a_comment_post_replies_in_the_thread_with_the_name_and_text_escaped() -> None:
    payload = {"author": "Lan <admin>", "text": "Bài hay & bổ ích", "reply_to": 77}
    msg = message(MessageKind.COMMENT_POST, payload)
    assert msg.text == "💬 <b>Lan &lt;admin&gt;</b>: Bài hay &amp; bổ ích"
    assert msg.reply_to_message_id == 77 and msg.reply_markup is None


def test_a_payload_renders_once_for_every_recipient_and_per_locale() -> None:
    payload = {"key": "stop.done"}
    first = message(MessageKind.NOTICE, payload)
    # The same payload text from another row (another str object) hits the same rendering.
    again = render_message(
        MessageKind.NOTICE, "".join(encode_payload(payload)), locale="vi", with_image=True,
        tz="Asia/Ho_Chi_Minh",
    )  # fmt: skip
    assert again is first
    assert message(MessageKind.NOTICE, payload, locale="en") is not first
    assert message(MessageKind.NOTICE, {"key": "stop.not_subscribed"}) is not first
