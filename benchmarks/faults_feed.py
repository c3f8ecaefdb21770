"""A tiny station site for the fault benchmark: compact WordPress-style feeds, switchable.

    server = FeedServer()
    url = await server.start()                       # http://127.0.0.1:PORT
    server.set("/feed", station_feed(base_items()))  # what the next poll gets
    server.served("/feed")                           # how many 200s that path has answered

Items are compact on purpose: the fixture's items are ~2 KB each (full article HTML), so a
5,000-item feed built from them (~11 MB) would be refused by the fetcher's 5 MB cap before
any ingest happened. These are ~0.5 KB (5,000 items: ~2.5 MB) and each item's text depends
only on its post id, so a later feed that repeats an item does not look like a revision.
Links point at kontumtv.vn while the feed is served from 127.0.0.1: the bot fetches article
pages only on the feed's own host, so nothing leaves this machine.

Conditional GET (ETag / If-None-Match -> 304) is honoured so an unchanged feed costs the bot
a 304, as the station's WordPress does, instead of a re-parse of thousands of items.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

_SITE = "https://kontumtv.vn"
_TOPICS = (
    ("Thời sự", "thoi-su"),
    ("Kinh tế", "kinh-te"),
    ("Văn hóa - Xã hội", "van-hoa-xa-hoi"),
    ("Quốc phòng - An ninh", "quoc-phong-an-ninh"),
)
_TITLES = (
    "Kon Tum khởi công dự án đường liên huyện nối Đắk Hà với Kon Plông",
    "Huyện Ngọc Hồi ra quân hỗ trợ nông dân thu hoạch cà phê",
    "Sở Y tế tỉnh Kon Tum tăng cường phòng chống sốt xuất huyết",
    "Thành phố Kon Tum chỉnh trang đô thị đón Tết",
    "Đắk Glei trao nhà đại đoàn kết cho hộ nghèo",
)
_SENTENCES = (
    "Theo báo cáo của UBND tỉnh, kết quả đạt {n}% kế hoạch năm.",
    "Trong tháng {n}, các địa phương đã triển khai nhiều giải pháp đồng bộ.",
    "Đến nay, toàn tỉnh có {n} mô hình được nhân rộng tại TP. Kon Tum và các huyện.",
    "Ông Nguyễn Văn Hùng, Phó Chủ tịch UBND huyện, cho biết sẽ tiếp tục chỉ đạo sát sao.",
)
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">\n<channel>\n'
    "<title>Đài Phát thanh &#8211; Truyền hình Kon Tum</title>\n"
    f"<link>{_SITE}</link>\n"
    "<description>Thông tin thời sự, kinh tế, văn hóa, xã hội tỉnh Kon Tum</description>\n"
    "<language>vi</language>\n"
)
_TAIL = "</channel>\n</rss>\n"


@dataclass(frozen=True, slots=True)
class Item:
    post_id: int
    published: datetime


def item_xml(item: Item) -> str:
    """One ``<item>`` whose text is a function of ``post_id`` alone (stable across feeds)."""
    n = item.post_id
    topic, slug = _TOPICS[n % len(_TOPICS)]
    title = f"{_TITLES[n % len(_TITLES)]} (bài {n})"
    first = _SENTENCES[n % len(_SENTENCES)].format(n=n % 90 + 5)
    second = _SENTENCES[(n + 1) % len(_SENTENCES)].format(n=(n * 7) % 90 + 5)
    return (
        "<item>\n"
        f"<title>{escape(title)}</title>\n"
        f"<link>{_SITE}/tin-tuc/{slug}/bai-viet-{n}</link>\n"
        f"<pubDate>{format_datetime(item.published.astimezone(UTC), usegmt=True)}</pubDate>\n"
        f"<category><![CDATA[{topic}]]></category>\n"
        f'<guid isPermaLink="false">{_SITE}/?p={n}</guid>\n'
        f"<description><![CDATA[<p>{first} {second}</p>]]></description>\n"
        "</item>\n"
    )


def station_feed(items: Sequence[Item]) -> bytes:
    """An RSS document with ``items`` in the given order (WordPress writes newest first)."""
    return (_HEAD + "".join(item_xml(i) for i in items) + _TAIL).encode("utf-8")


def base_items(first_id: int, count: int = 10, *, now: datetime | None = None) -> list[Item]:
    """``count`` items from yesterday, newest first: the backlog a first poll stores."""
    start = (now or datetime.now(UTC)) - timedelta(days=1)
    return [Item(first_id + count - 1 - i, start - timedelta(hours=i)) for i in range(count)]


def new_items(first_id: int, count: int, *, now: datetime | None = None) -> list[Item]:
    """``count`` items published in the last ``count`` seconds, newest first (fresh news)."""
    at = now or datetime.now(UTC)
    return [Item(first_id + count - 1 - i, at - timedelta(seconds=i)) for i in range(count)]


@dataclass(slots=True)
class Served:
    path: str
    status: int
    at: float  # time.monotonic()
    etag: str


class FeedServer:
    """Serves the bodies given to :meth:`set` on 127.0.0.1; logs every request."""

    def __init__(self) -> None:
        self.url = ""
        self.log: list[Served] = []
        self._bodies: dict[str, tuple[bytes, str]] = {}
        self._runner: web.AppRunner | None = None

    def set(self, path: str, body: bytes) -> str:
        """Serve ``body`` at ``path`` from now on; returns its ETag."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        self._bodies[path] = (body, etag)
        return etag

    def served(self, path: str, etag: str | None = None) -> int:
        """Full (200) answers for ``path`` so far, only of the body with ``etag`` if given."""
        return sum(
            1
            for s in self.log
            if s.path == path and s.status == 200 and (etag is None or s.etag == etag)
        )

    def requests(self, path: str) -> int:
        """Every answer for ``path`` so far (200s and 304s): one per poll."""
        return sum(1 for s in self.log if s.path == path)

    def first_served_at(self, path: str, etag: str) -> float | None:
        return next(
            (s.at for s in self.log if s.path == path and s.status == 200 and s.etag == etag),
            None,
        )

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve(self, request: web.Request) -> web.Response:
        found = self._bodies.get(request.path)
        if found is None:
            self.log.append(Served(request.path, 404, time.monotonic(), ""))
            return web.Response(status=404, text="not found")
        body, etag = found
        if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
            self.log.append(Served(request.path, 304, time.monotonic(), etag))
            return web.Response(status=304, headers={"ETag": etag})
        self.log.append(Served(request.path, 200, time.monotonic(), etag))
        return web.Response(
            body=body,
            headers={"ETag": etag, "Content-Type": "application/rss+xml; charset=UTF-8"},
        )
