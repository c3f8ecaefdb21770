"""Which sections the picker offers, and how often WordPress is asked (fake clock)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.sections import CACHE_S, MAX_SECTIONS, RETRY_S, Sections
from bot.wordpress.categories import section_names
from storage.db import Database
from storage.repositories.articles import TopicRef


class Site:
    def __init__(self) -> None:
        self.answer: Sequence[str] | None = None
        self.asked = 0

    async def __call__(self) -> Sequence[str] | None:
        self.asked += 1
        return self.answer


def test_wordpress_answers_keep_top_level_categories_with_posts_most_used_first() -> None:
    answer = [
        {"name": "Kinh tế", "slug": "kinh-te", "count": 5, "parent": 0},
        {"name": "Thời sự", "slug": "thoi-su", "count": 9, "parent": 0},
        {"name": "Bóng đá", "slug": "bong-da", "count": 7, "parent": 3},
        {"name": "Uncategorized", "slug": "uncategorized", "count": 50, "parent": 0},
        {"name": "Trống", "slug": "trong", "count": 0, "parent": 0},
        {"name": "Quốc phòng &amp; An ninh", "slug": "qp", "count": 2, "parent": 0},
        "not a category",
    ]
    assert section_names(answer) == ["Thời sự", "Kinh tế", "Quốc phòng & An ninh"]
    assert section_names({"code": "rest_no_route"}) is None


async def test_a_failure_falls_back_and_is_retried_after_minutes_a_success_holds_an_hour(
    database: Database,
) -> None:
    now = [0.0]
    site = Site()
    sections = Sections(database, ["Thời sự", "Kinh tế"], fetch=site, clock=lambda: now[0])
    configured = (TopicRef("Thời sự", "thoi-su"), TopicRef("Kinh tế", "kinh-te"))
    assert await sections.current() == configured  # WordPress did not answer
    now[0] = RETRY_S - 1
    assert await sections.current() == configured and site.asked == 1
    site.answer = [f"Mục {i}" for i in range(20)]
    now[0] = RETRY_S
    offered = await sections.current()
    assert len(offered) == MAX_SECTIONS and offered[0] == TopicRef("Mục 0", "muc-0")
    now[0] += CACHE_S - 1
    assert await sections.current() == offered and site.asked == 2
    now[0] += 1
    await sections.current()
    assert site.asked == 3
