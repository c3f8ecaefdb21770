"""A bulletin's video caption: the article's message, its summary cut at a sentence to fit."""

from __future__ import annotations

from bot.delivery.render import CAPTION_LIMIT, fit_sentences, render
from bot.delivery.utf16 import html_visible_len, html_visible_text
from tests.delivery.test_render import article

MP4 = "https://kontumtv.vn/wp-content/uploads/2014/07/thoi-su-04-07-2014.mp4"
IMAGE = "https://kontumtv.vn/wp-content/uploads/2014/07/ban-tin.jpg"
SENTENCE = "Tại TP. Kon Tum, 5.200 hộ dân được hỗ trợ 1.034,5 tỷ đồng để làm nhà mới 🏠. "


def test_a_long_summary_is_cut_at_a_sentence_within_1024_units() -> None:
    summary = (SENTENCE * 30).strip()
    message = render(article(id=91, summary=summary, video_url=MP4, image_url=IMAGE))
    assert message.video_url == MP4 and message.cover_url == IMAGE
    assert message.video_caption is not None
    assert html_visible_len(message.video_caption) <= CAPTION_LIMIT
    visible = html_visible_text(message.video_caption)
    body = visible.split("\n\n")[1]
    assert body.endswith("mới 🏠.")  # whole sentences only, "TP." and "5.200" kept whole
    assert body.count("Tại TP. Kon Tum") >= 5
    # The full text message is still there for the fallback, cut as today.
    assert html_visible_len(message.text) > CAPTION_LIMIT


def test_no_video_for_image_less_readers_or_unusable_urls() -> None:
    assert render(article(id=92, video_url=MP4), with_image=False).video_url is None
    assert render(article(id=93, video_url="javascript:alert(1)")).video_url is None
    plain = render(article(id=94, video_url=MP4, image_url=None))
    assert plain.video_url == MP4 and plain.cover_url is None


def test_a_first_sentence_longer_than_the_room_is_cut_at_a_word() -> None:
    long = "Một câu rất dài " * 100
    cut = fit_sentences(long.strip(), 200)
    assert 0 < len(cut) <= 198 and cut.endswith("…")
    assert fit_sentences("Ngắn.", 200) == "Ngắn."
    assert fit_sentences("Ngắn.", 2) == ""
