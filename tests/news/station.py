"""Station fixtures (tests/fixtures/station/), parsed once for the whole news test suite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import feedparser
import lxml.etree

STATION = Path(__file__).resolve().parents[1] / "fixtures" / "station"
FEED_PATH = STATION / "kontumtv-feed.xml"
ARTICLE_PATH = STATION / "kontumtv-article.html"
_CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}encoded"


@dataclass(frozen=True)
class Item:
    post_id: str
    title: str
    content: str | None  # content:encoded as feedparser hands it over (sanitised)
    raw_content: str | None  # content:encoded exactly as in the XML (iframes kept)
    description: str

    @property
    def body_html(self) -> str:
        """What the ingest uses: content:encoded when present, else the excerpt."""
        return self.content if self.content is not None else self.description


def _raw_contents() -> dict[str, str]:
    tree = lxml.etree.parse(str(FEED_PATH))
    raw = {}
    for item in tree.iter("item"):
        guid = item.findtext("guid") or ""
        encoded = item.find(_CONTENT_NS)
        if encoded is not None and encoded.text:
            raw[guid] = encoded.text
    return raw


def load_items() -> list[Item]:
    parsed = feedparser.parse(FEED_PATH.read_bytes())
    raw = _raw_contents()
    items = []
    for entry in parsed.entries:
        content = entry.content[0].value if "content" in entry else None
        post_id = entry.id.rsplit("=", 1)[-1]
        items.append(Item(post_id, entry.title, content, raw.get(entry.id), entry.summary))
    return items


ITEMS = load_items()
ITEMS_BY_ID = {item.post_id: item for item in ITEMS}
ARTICLE_PAGE = ARTICLE_PATH.read_text(encoding="utf-8")
