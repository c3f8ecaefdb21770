"""Ranking over every match, not a window of the newest: a title hit older than hundreds of
newer body hits still comes first, and paging continues into the body hits without a gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bot.news.folding import fold
from bot.services.ingest_store import search_text
from bot.services.reading import CANDIDATES, PAGE_SIZE, Reading, search_words
from storage.db import Database
from storage.models import Article, Feed

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BODY_HITS = 260  # more than the 200 newest matches the old ranking looked at


def _row(i: int, title: str, body: str, published: datetime) -> dict[str, object]:
    return {
        "feed_id": 1, "guid": f"g{i}", "url": f"https://kontumtv.vn/bai-{i}", "title": title,
        "summary": body, "text": "", "published_at": published, "content_hash": f"h{i}",
        "search_text": search_text(title, body, ""), "search_title": fold(title),
    }  # fmt: skip


async def test_an_old_title_hit_ranks_above_hundreds_of_newer_body_hits(
    database: Database,
) -> None:
    rows = [_row(1, "Hội nghị sơ kết ở Đăk Hà", "Tin cũ.", T0)]
    rows += [
        _row(i, f"Tin số {i}", "Nông dân Đăk Hà phấn khởi.", T0 + timedelta(hours=i))
        for i in range(2, BODY_HITS + 2)
    ]
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed"))
        await session.flush()
        await session.execute(insert(Article), rows)
    reading = Reading(database)
    first = await reading.search(search_words("dak ha"))
    assert first is not None
    assert [h.title for h in first.hits] == ["Hội nghị sơ kết ở Đăk Hà"] + [
        f"Tin số {i}" for i in range(BODY_HITS + 1, BODY_HITS + 1 - (PAGE_SIZE - 1), -1)
    ]
    assert (first.total, first.pages) == (CANDIDATES, CANDIDATES // PAGE_SIZE)
    second = await reading.search(search_words("Đăk Hà"), page=1)
    assert second is not None
    assert [h.title for h in second.hits] == [
        f"Tin số {i}" for i in range(BODY_HITS - 3, BODY_HITS - 3 - PAGE_SIZE, -1)
    ]
    assert await reading.search(search_words("dak ha"), page=CANDIDATES // PAGE_SIZE) is None


async def test_rare_words_are_found_far_back_behind_thousands_of_newer_articles(
    database: Database,
) -> None:
    """A word in three of 2,400 articles: the two old ones are found past the newest 2,000
    (where PostgreSQL stops walking and asks its index), the title hit first."""
    body = {5: "Giá bitcoin giảm.", 10: "Bitcoin ở Kon Tum."}
    rows = [
        _row(
            i,
            "Bitcoin: tin mới" if i == 2300 else f"Tin số {i}",
            body.get(i, "Nông dân phấn khởi."),
            T0 + timedelta(minutes=i),
        )
        for i in range(1, 2401)
    ]
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed"))
        await session.flush()
        for start in range(0, len(rows), 500):
            await session.execute(insert(Article), rows[start : start + 500])
    found = await Reading(database).search(search_words("BITCOIN"))
    assert found is not None
    assert [h.title for h in found.hits] == ["Bitcoin: tin mới", "Tin số 10", "Tin số 5"]
    assert (found.total, found.pages) == (3, 1)
