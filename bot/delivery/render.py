"""Article -> Telegram message, rendered once per (article revision, locale, variant).

Every other message kind (notices, broadcasts, digests, comment posts) renders from its
payload in :mod:`bot.delivery.messages` into the same :class:`RenderedMessage`.

The sender renders each article once and reuses the result for every recipient, so this module
is pure and cached. Every piece of feed text is HTML-escaped here; nothing else in the delivery
path needs to think about Telegram's HTML rules.

How the sender uses a :class:`RenderedMessage`:

* ``photo_url is not None`` -> ``send_photo(photo_url, caption=caption, parse_mode=HTML)``
  (``caption`` is then always set: both are ``None`` together);
* otherwise -> ``send_message(text, parse_mode=HTML)`` with a link preview of
  ``link_preview_url`` (or previews disabled when it is ``None``);
* ``reply_markup`` (if any) is sent with either; ``reply_to_message_id`` makes it a reply;
* on ``BadRequest: can't parse entities`` -> resend ``plain_text`` once, without parse mode.
"""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.delivery.utf16 import html_visible_len, truncate_utf16, utf16_len
from bot.i18n import format_number, t

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DEFAULT_TZ = "Asia/Ho_Chi_Minh"
# Bounds that keep the fixed part of a message far below TEXT_LIMIT whatever a feed sends,
# so only the summary ever needs shortening.
TITLE_LIMIT = 1000
MAX_HASHTAGS = 10
HASHTAG_LIMIT = 64
CACHE_SIZE = 2048

_SLUG_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class ArticleView:
    """What the renderer needs from a stored article (no ORM types leak in here)."""

    id: int
    title: str
    url: str | None  # None: a feed item without a link, sent without the 📖 button
    summary: str
    topics: tuple[tuple[str, str], ...]  # (display name, slug)
    published_at: datetime  # UTC; a naive value is taken as UTC
    image_url: str | None
    revision: int
    comments: int = 0  # approved comments, shown on the 💬 button
    video_url: str | None = None  # a bulletin: pushed as a Telegram video (bot.delivery.video)
    video_size: int | None = None  # bytes, when the feed says


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One ready-to-send message; shared by every recipient, so never mutate it."""

    text: str  # Telegram HTML, visible length <= 4096 UTF-16 units
    caption: str | None  # HTML for send_photo; None -> send ``text`` instead
    photo_url: str | None  # None -> no photo (no image, image-less variant, or caption too long)
    reply_markup: InlineKeyboardMarkup | None  # None -> no buttons
    plain_text: str  # no markup; fallback after "can't parse entities"
    link_preview_url: str | None  # None -> disable the link preview
    reply_to_message_id: int | None = None  # a reply in the chat (a comment in a thread)
    # A bulletin: sendVideo with ``video_caption`` (the summary cut at a sentence to fit 1024)
    # and the article's image as its cover; None -> no video (the image-less variant too).
    video_url: str | None = None
    video_caption: str | None = None
    cover_url: str | None = None


def render(
    article: ArticleView,
    *,
    locale: str = "vi",
    with_image: bool = True,
    tz: str = DEFAULT_TZ,
    buttons: bool = True,
) -> RenderedMessage:
    """Render ``article`` for ``locale``; cached per (id, revision, locale, variant, tz).

    The same :class:`RenderedMessage` object is returned for repeated calls, so a broadcast to
    100,000 chats renders once. A changed article must carry a new ``revision``. The variant
    is ``with_image`` and ``buttons`` (False: no inline keyboard, for a channel that keeps
    Telegram's native discussion comments).
    """
    return _render_cached(_ByRevision(article), locale, with_image, tz, buttons)


def render_cache_clear() -> None:
    """Drop every cached rendering (tests, or after a catalogue change)."""
    _render_cached.cache_clear()


class _ByRevision:
    """Cache key wrapper: (id, revision) identifies an article's content."""

    __slots__ = ("article", "key")

    def __init__(self, article: ArticleView) -> None:
        self.article = article
        # The comment count is on the button: a new approval is a new rendering.
        self.key = (article.id, article.revision, article.comments)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByRevision) and other.key == self.key


@lru_cache(maxsize=CACHE_SIZE)
def _render_cached(
    ref: _ByRevision, locale: str, with_image: bool, tz: str, buttons: bool = True
) -> RenderedMessage:
    rendered = _render(ref.article, locale, with_image, tz)
    return rendered if buttons else without_buttons(rendered)


def without_buttons(message: RenderedMessage) -> RenderedMessage:
    """The same message with no inline keyboard (cached by the callers, one per variant)."""
    return dataclasses.replace(message, reply_markup=None)


def _render(article: ArticleView, locale: str, with_image: bool, tz: str) -> RenderedMessage:
    raw_url = (article.url or "").strip()
    url = raw_url if is_web_url(raw_url) else None
    title = truncate_utf16(clean_text(article.title), TITLE_LIMIT) or "…"
    summary = clean_text(article.summary)
    footer = _footer(article, tz)

    if url is None:
        # A link Telegram would reject (javascript:, relative…) is dropped, not sent.
        head_html = f"<b>{escape_text(title)}</b>"
        head_plain = title
    else:
        head_html = f'<b><a href="{html.escape(url, quote=True)}">{escape_text(title)}</a></b>'
        head_plain = f"{title}\n{url}"

    def compose_html(body: str) -> str:
        return "\n\n".join(
            part for part in (head_html, escape_text(body), escape_text(footer)) if part
        )

    def compose_plain(body: str) -> str:
        return "\n\n".join(part for part in (head_plain, body, footer) if part)

    text = compose_html(_fit(summary, TEXT_LIMIT - html_visible_len(compose_html(""))))
    plain = compose_plain(_fit(summary, TEXT_LIMIT - utf16_len(compose_plain(""))))

    photo_url: str | None = None
    caption: str | None = None
    image = (article.image_url or "").strip()
    if with_image and is_web_url(image) and html_visible_len(text) <= CAPTION_LIMIT:
        photo_url, caption = image, text

    video, video_caption = None, None
    video_url = (article.video_url or "").strip()
    if with_image and is_web_url(video_url):  # pictures off means no video either
        room = CAPTION_LIMIT - html_visible_len(compose_html(""))
        if room >= 0:  # a headline of ~1000 units leaves no room: the text message goes
            video, video_caption = video_url, compose_html(fit_sentences(summary, room))

    return RenderedMessage(
        text=text,
        caption=caption,
        photo_url=photo_url,
        reply_markup=_keyboard(article.id, url, locale, article.comments),
        plain_text=plain,
        # The image-less variant is for readers who do not want pictures: no preview either.
        link_preview_url=url if with_image else None,
        video_url=video,
        video_caption=video_caption,
        cover_url=image if video and is_web_url(image) else None,
    )


def fit_sentences(summary: str, budget: int) -> str:
    """The longest run of whole sentences of ``summary`` within ``budget`` UTF-16 units
    (counting the 2-unit separator before it); a first sentence longer than that is cut at
    a word. A caption that stops mid-sentence reads as broken; one sentence fewer does not."""
    # Imported here: bot.news pulls in the HTML cleaners, which the delivery path (and the
    # tests' sandbox process that imports it) does not otherwise need.
    from bot.news.sentences import split_sentences

    if not summary or budget <= 2:
        return ""
    room = budget - 2
    if utf16_len(summary) <= room:
        return summary
    best, pos = "", 0
    for sentence in split_sentences(summary):
        at = summary.find(sentence, pos)
        if at < 0:  # the splitter normalised something: stop at what is known to fit
            break
        pos = at + len(sentence)
        head = summary[:pos].rstrip()
        if utf16_len(head) > room:
            break
        best = head
    return best or truncate_utf16(summary, room)


def _fit(summary: str, budget: int) -> str:
    # The "\n\n" separator in front of the summary costs 2 units.
    return truncate_utf16(summary, budget - 2) if summary and budget > 2 else ""


def _footer(article: ArticleView, tz: str) -> str:
    tags: list[str] = []
    for _name, slug in article.topics:
        tag = hashtag(slug)
        if tag and tag not in tags:
            tags.append(tag)
    published = article.published_at
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    stamp = f"🕒 {published.astimezone(ZoneInfo(tz)):%H:%M %d/%m/%Y}"
    return " ".join([*tags[:MAX_HASHTAGS], stamp])


def hashtag(slug: str) -> str:
    """``quoc-phong-an-ninh`` -> ``#QuocPhongAnNinh``; ``""`` when nothing usable is left.

    Telegram ends a hashtag at the first character that is not a letter, digit or ``_``, so
    slugs are folded to ASCII (``đ`` -> ``d``, diacritics dropped) and CamelCased, which reads
    better in Vietnamese than ``#quoc_phong_an_ninh``. A tag without any letter (``#2024``) is
    not highlighted by Telegram, so it is dropped.
    """
    folded = unicodedata.normalize("NFD", slug.replace("đ", "d").replace("Đ", "D"))
    ascii_slug = folded.encode("ascii", "ignore").decode("ascii")
    words = _SLUG_WORD.findall(ascii_slug)
    tag = "".join(word[:1].upper() + word[1:] for word in words)[:HASHTAG_LIMIT]
    return f"#{tag}" if any(ch.isalpha() for ch in tag) else ""


def _keyboard(
    article_id: int, url: str | None, locale: str, comments: int = 0
) -> InlineKeyboardMarkup:
    data = callbacks.encode(callbacks.CommentButton(article_id))  # checks the 64-byte limit
    row: list[InlineKeyboardButton] = []
    if url is not None:
        row.append(InlineKeyboardButton(t("button.read", locale), url=url))
    label = (
        t("button.comment_count", locale, count=format_number(comments, locale))
        if comments
        else t("button.comment", locale)
    )
    row.append(InlineKeyboardButton(label, callback_data=data))
    return InlineKeyboardMarkup([row])


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[broken" from a hostile feed
        return False
    has_space = any(ch.isspace() for ch in url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not has_space


def clean_text(text: str) -> str:
    # Control characters other than newline break Telegram's parser or show as boxes.
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def escape_text(text: str) -> str:
    # Text nodes only need <, >, &; quote=False keeps quotes readable and the message short.
    return html.escape(text, quote=False)
