"""The video of a feed item: an enclosure or media:content of type ``video/*``, or the
station's own player iframe pointing at an ``.mp4``.

Only files Telegram can play inline qualify: an HLS playlist (``.m3u8``) or a YouTube embed is
a link, not a video, and stays with today's text message and link preview.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Canonical = Callable[[str, str | None], str]  # parse.canonical_url

_PLAYABLE_EXT = (".mp4", ".m4v")
_IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FoundVideo:
    url: str
    size: int | None  # bytes, when the feed says (enclosure length, media:content fileSize)


def find_video(
    entry: Mapping[str, Any], body_html: str, base: str, canonical: Canonical
) -> FoundVideo | None:
    """The item's playable video, or None. ``canonical`` is the feed's URL normaliser
    (``canonical_url(url, base)``): a video URL is resolved exactly as the item's links are."""
    found: FoundVideo | None = None
    for item in entry.get("media_content") or ():
        url = canonical(item.get("url") or "", base)
        if url and _playable(item.get("type"), item.get("medium"), url):
            found = FoundVideo(url, _size(item.get("filesize") or item.get("fileSize")))
            break
    if found is None:
        for item in entry.get("enclosures") or ():
            url = canonical(item.get("href") or "", base)
            if url and _playable(item.get("type"), None, url):
                found = FoundVideo(url, _size(item.get("length")))
                break
    if found is None and body_html:
        found = _player(body_html, base, canonical)
    return found


def _playable(kind: Any, medium: Any, url: str) -> bool:
    kind = str(kind or "").lower().strip()
    if kind:
        # video/* only; a stream playlist labelled video/ (rare) is still not a file.
        return kind.startswith("video/") and not _is_playlist(url)
    return str(medium or "").lower() == "video" and _has_playable_ext(url)


def _is_playlist(url: str) -> bool:
    return urlsplit(url).path.lower().endswith((".m3u8", ".mpd"))


def _has_playable_ext(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(_PLAYABLE_EXT)


def _size(value: Any) -> int | None:
    try:
        size = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return size if size > 0 else None  # WordPress writes length="0" when it does not know


def _player(body_html: str, base: str, canonical: Canonical) -> FoundVideo | None:
    """The station's player: ``<iframe src="https://<site>/player/?l=<…>.mp4">`` (or an
    iframe straight at an .mp4), on the item's own site; other sites' embeds are links."""
    home = (urlsplit(base).hostname or "").lower()
    for match in _IFRAME.finditer(body_html):
        src = canonical(match.group(1) or match.group(2) or "", base)
        if not src or (urlsplit(src).hostname or "").lower() != home:
            continue
        if _has_playable_ext(src):
            return FoundVideo(src, None)
        for _key, value in parse_qsl(urlsplit(src).query):
            url = canonical(value, src)
            if url and _has_playable_ext(url) and (urlsplit(url).hostname or "") == home:
                return FoundVideo(url, None)
    return None
