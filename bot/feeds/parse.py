"""Feed bytes → article drafts. Plain CPU-bound function: the caller runs it in a thread.

feedparser only ever sees an in-memory stream: given a `str` it would download URLs, and
given `bytes` it first tries them as a *local file name* (a feed body of "/etc/passwd"
would be read from disk). A BytesIO takes neither path.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import struct_time
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser

from bot.feeds.draft import ArticleDraft
from bot.feeds.encoding import (
    defuse_entities,
    fix_mojibake,
    repair_declared_encoding,
    utf16_to_utf8,
)
from bot.feeds.errors import NotAFeed
from bot.feeds.media import find_video
from bot.i18n import DEFAULT_LOCALE, t
from bot.news.summary import summarize_html
from bot.news.text import normalize_text
from bot.news.topics import slugify, topic_name

_TITLE_WORDS = 12
# A date this far past the fetch time is a typo or a bad clock on the site; believing it
# would pin the article at the top of every list for years.
_FUTURE_SLACK = timedelta(days=1)
_TRACKING_KEYS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid"})
_IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
_VIDEO_EXT = (".mp4", ".m4v", ".webm", ".mov", ".m3u8", ".ogv")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IMG_ATTR = re.compile(
    r"(?<![\w-])(data-lazy-src|data-src|src)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str | None
    entries: list[ArticleDraft] = field(default_factory=list)  # oldest first
    warning: str | None = None  # parser complaint about a feed that was still read
    skipped: int = 0  # entries with neither a title nor any text: nothing to tell a reader


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute http(s) URL without tracking parameters or fragment; "" if unusable."""
    url = html.unescape(url.strip())
    if not url:
        return ""
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname  # already lowercased; drops user:password
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    # Filter the raw query text instead of parse_qsl/urlencode, which would re-encode the
    # kept parameters and so change the URL (and the article's identity) for no reason.
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(pair.split("=", 1)[0].lower())
    ]
    return urlunsplit((scheme, host, parts.path or "/", "&".join(kept), ""))


def _is_tracking(key: str) -> bool:
    return key.startswith("utm_") or key in _TRACKING_KEYS


def _to_utc(value: Any) -> datetime | None:
    if not isinstance(value, struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)  # feedparser's structs are UTC
    except (ValueError, OverflowError):
        return None


def _published(entry: Mapping[str, Any], fetched_at: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        when = _to_utc(entry.get(key))
        if when is not None:
            return fetched_at if when > fetched_at + _FUTURE_SLACK else when
    return fetched_at


def _looks_image(kind: str, url: str) -> bool:
    return kind.startswith("image/") or urlsplit(url).path.lower().endswith(_IMAGE_EXT)


def _looks_video(kind: str, url: str) -> bool:
    return kind.startswith("video/") or urlsplit(url).path.lower().endswith(_VIDEO_EXT)


def _first_img_src(content: str, base: str) -> str | None:
    # A regex, not an HTML parser: summarize_html already parses this HTML once, and the
    # ingest budget does not allow a second parse for one attribute.
    for tag in _IMG_TAG.finditer(content):
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in _IMG_ATTR.finditer(tag.group(0))
        }
        for name in ("data-lazy-src", "data-src", "src"):  # lazy-load themes put a stub in src
            url = canonical_url(attrs.get(name, ""), base)
            if url:
                return url
    return None


def _media(entry: Mapping[str, Any], base: str) -> tuple[str | None, str | None]:
    """(image_url, video_url) from media:content/thumbnail and enclosures."""
    image: str | None = None
    video: str | None = None
    for item in entry.get("media_content") or ():
        url = canonical_url(item.get("url") or "", base)
        kind = (item.get("type") or "").lower()
        medium = (item.get("medium") or "").lower()
        if not url:
            continue
        if image is None and (medium == "image" or _looks_image(kind, url)):
            image = url
        elif video is None and (medium == "video" or _looks_video(kind, url)):
            video = url
    if image is None:
        for item in entry.get("media_thumbnail") or ():
            image = canonical_url(item.get("url") or "", base) or None
            if image:
                break
    for item in entry.get("enclosures") or ():
        url = canonical_url(item.get("href") or "", base)
        kind = (item.get("type") or "").lower()
        if not url:
            continue
        if image is None and _looks_image(kind, url):
            image = url
        elif video is None and _looks_video(kind, url):
            video = url
    return image, video


def _topics(entry: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    seen: set[str] = set()
    for tag in entry.get("tags") or ():
        name = topic_name(fix_mojibake(tag.get("term") or tag.get("label") or ""))
        key = slugify(name)
        if name and key not in seen:
            seen.add(key)
            names.append(name)
    return tuple(names)


def _title(entry: Mapping[str, Any], summary: str, untitled: str) -> str:
    raw = entry.get("title") or ""
    title = normalize_text(_TAG.sub("", fix_mojibake(raw))) if raw else ""
    if title:
        return title
    words = summary.split()
    if not words:
        return untitled
    head = " ".join(words[:_TITLE_WORDS])
    return head + "…" if len(words) > _TITLE_WORDS else head


def entry_identity(raw_id: str, url: str | None, title: str, text: str) -> str:
    """The entry's guid: its own guid/id, else its link, else a hash of what it says.

    RSS 2.0 makes every element optional but a title or a description, so a valid item may
    carry no guid and no link; the hash makes the same item seen again the same article.
    """
    if raw_id:
        return raw_id
    if url:
        return url
    digest = hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
    return f"urn:sha1:{digest}"


def _draft(
    entry: Mapping[str, Any],
    *,
    base: str | None,
    fetched_at: datetime,
    summary_limit: int,
    untitled: str,
) -> ArticleDraft | None:
    """The entry as a draft; None when it has neither a title nor any text."""
    raw_id = (entry.get("id") or "").strip()
    # An id is a link only when it is an absolute URL by itself ("tin-42" is not "base/tin-42").
    url = canonical_url(entry.get("link") or "", base) or canonical_url(raw_id) or None
    contents = entry.get("content") or ()
    full_html = next((c.get("value") or "" for c in contents if c.get("value")), "")
    body_html = fix_mojibake(full_html or entry.get("summary") or "")
    summary, text = summarize_html(body_html, summary_limit) if body_html else ("", "")
    raw_title = entry.get("title") or ""
    if not summary and not normalize_text(_TAG.sub("", raw_title)):
        return None  # nothing to tell a reader, whatever the entry links to
    title = _title(entry, summary, untitled)
    published_at = _published(entry, fetched_at)
    media_base = url or base or ""
    image, _ = _media(entry, media_base)
    video = find_video(entry, body_html, media_base, canonical_url)
    if image is None and body_html:
        image = _first_img_src(body_html, media_base)
    author = normalize_text(fix_mojibake(entry.get("author") or "")) or None
    guid = entry_identity(raw_id, url, title, text)
    return ArticleDraft(
        guid=guid,
        url=url,
        title=title,
        author=author,
        published_at=published_at,
        topics=_topics(entry),
        image_url=image,
        video_url=video.url if video else None,
        video_size=video.size if video else None,
        summary=summary,
        text=text,
        has_full_content=bool(full_html.strip()),
        content_hash=hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest(),
    )


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_feed(
    body: bytes,
    *,
    fetched_at: datetime,
    content_type: str | None = None,
    summary_limit: int = 400,
    base_url: str | None = None,
    locale: str = DEFAULT_LOCALE,
) -> ParsedFeed:
    """Parse RSS/Atom bytes into drafts, oldest first.

    Relative links resolve against the entry's ``xml:base``, then ``base_url`` (the feed's
    final URL after redirects), then the feed's own <link>. An entry without a usable link
    is kept (no 📖 button); one with neither title nor text is skipped and counted. The
    placeholder title (an entry whose title is only markup) is in ``locale``, the
    station's. Raises NotAFeed when the bytes hold no feed at all.
    """
    fetched_at = _aware(fetched_at)
    if not body or not body.strip():
        raise NotAFeed("not a feed: the response is empty")
    body = defuse_entities(utf16_to_utf8(body))
    body, content_type, encoding_note = repair_declared_encoding(body, content_type)
    headers = {"content-type": content_type} if content_type else {}
    if base_url:
        # feedparser resolves <link>, xml:base and permalink guids against this location.
        headers["content-location"] = base_url
    # Sanitising and URI resolution are off: content only ever reaches users as plain text
    # through summarize_html, links are resolved here, and together they cost ~40% of
    # feedparser's time, which the ingest budget needs for summarising.
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    fatal = bozo is not None and not isinstance(bozo, feedparser.CharacterEncodingOverride)
    entries = parsed.get("entries") or []
    if not entries and (not parsed.get("version") or fatal):
        raise NotAFeed(_not_a_feed_message(body, bozo))

    feed = parsed.get("feed") or {}
    channel_link = canonical_url(feed.get("link") or "", base_url) or None
    base = base_url or channel_link
    drafts: dict[str, tuple[int, ArticleDraft]] = {}
    skipped = 0
    untitled = t("article.untitled", locale)
    for position, entry in enumerate(entries):
        draft = _draft(
            entry,
            base=base,
            fetched_at=fetched_at,
            summary_limit=summary_limit,
            untitled=untitled,
        )
        if draft is None:
            skipped += 1
        elif draft.guid not in drafts:  # a repeated guid is the same article: first wins
            drafts[draft.guid] = (position, draft)
    # Feeds list newest first; for equal timestamps the later position is the older item.
    ordered = sorted(drafts.values(), key=lambda pd: (pd[1].published_at, -pd[0]))
    notes = [n for n in (encoding_note, _one_line(bozo) if bozo else None) if n]
    return ParsedFeed(
        title=normalize_text(fix_mojibake(feed.get("title") or "")),
        link=channel_link,
        entries=[draft for _, draft in ordered],
        warning="; ".join(notes) or None,
        skipped=skipped,
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _not_a_feed_message(body: bytes, bozo: BaseException | None) -> str:
    head = body[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "not a feed: the URL returned an HTML page, not RSS or Atom"
    if bozo is not None:
        return f"not a feed: {_one_line(bozo)}"
    return "not a feed: no RSS or Atom content found"
