"""The digest's time rules and layout, and quiet hours at send time, as pure functions."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.quiet import QuietWindow, in_quiet_hours, is_quiet
from bot.delivery.utf16 import utf16_len
from bot.services.digest import DIGEST_BUDGET, Section, sections_for, split_sections
from bot.services.digest_schedule import (
    CATCH_UP,
    MAX_WINDOW,
    Edition,
    due_edition,
    first_last,
    is_made,
    next_slot,
    slot_on,
    window_start,
    zone_of,
)
from storage.repositories.digests import Headline

HCM = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7 all year
BERLIN = ZoneInfo("Europe/Berlin")  # CET/CEST: DST from the last Sunday of March
SEVEN = 7 * 60


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_slot_is_the_wall_time_in_the_readers_zone() -> None:
    assert slot_on(date(2026, 12, 1), SEVEN, HCM) == utc(2026, 12, 1, 0, 0)
    assert slot_on(date(2026, 12, 1), SEVEN, BERLIN) == utc(2026, 12, 1, 6, 0)
    assert slot_on(date(2026, 7, 1), SEVEN, BERLIN) == utc(2026, 7, 1, 5, 0)  # summer time


def test_daylight_saving_days_have_one_slot_each() -> None:
    # 2026-03-29: 02:00-03:00 does not exist in Berlin; 02:30 is read as 03:30 CEST.
    assert slot_on(date(2026, 3, 29), 150, BERLIN) == utc(2026, 3, 29, 1, 30)
    # 2026-10-25: 02:30 happens twice; the first (CEST) is the slot.
    assert slot_on(date(2026, 10, 25), 150, BERLIN) == utc(2026, 10, 25, 0, 30)
    # The 07:00 digest keeps its local time across the change: 23 hours between two slots.
    spring = [slot_on(date(2026, 3, d), SEVEN, BERLIN) for d in (28, 29, 30)]
    assert [b - a for a, b in itertools.pairwise(spring)] == [
        timedelta(hours=23), timedelta(hours=24),
    ]  # fmt: skip
    # Stepping minute by minute through the spring-forward night finds each slot once.
    now, found = utc(2026, 3, 28, 23, 0), []
    while now < utc(2026, 3, 29, 6, 0):
        edition = due_edition(now, 150, BERLIN, catch_up=timedelta(minutes=1))
        if edition is not None and edition not in found:
            found.append(edition)
        now += timedelta(minutes=1)
    assert found == [Edition(date(2026, 3, 29), utc(2026, 3, 29, 1, 30))]


def test_an_edition_is_due_from_its_slot_for_the_catch_up_window() -> None:
    # 06:59:59: yesterday's 07:00 is past its catch-up window, today's not there yet.
    assert due_edition(utc(2026, 11, 30, 23, 59, 59), SEVEN, HCM) is None
    assert due_edition(utc(2026, 11, 30, 11, 59), SEVEN, HCM) is not None  # 18:59 yesterday
    today = Edition(date(2026, 12, 1), utc(2026, 12, 1, 0, 0))
    assert due_edition(utc(2026, 12, 1, 0, 0), SEVEN, HCM) == today
    # Restarted at 15:00 after a crash at 06:59:59: still today's edition.
    assert due_edition(utc(2026, 12, 1, 8, 0), SEVEN, HCM) == today
    assert due_edition(today.at + CATCH_UP + timedelta(seconds=1), SEVEN, HCM) is None
    assert next_slot(utc(2026, 12, 1, 0, 0), SEVEN, HCM) == utc(2026, 12, 2, 0, 0)


def test_made_once_and_the_window_is_since_the_last_one() -> None:
    edition = Edition(date(2026, 12, 1), utc(2026, 12, 1, 0, 0))
    yesterday = utc(2026, 11, 30, 0, 0)
    assert not is_made(edition, None) and not is_made(edition, yesterday)
    assert is_made(edition, edition.at)
    assert window_start(edition, yesterday) == yesterday
    assert window_start(edition, None) == yesterday  # a first digest: the last day
    assert window_start(edition, utc(2026, 11, 1)) == edition.at - MAX_WINDOW


def test_choosing_a_time_never_sends_at_once_and_shares_the_window() -> None:
    at_ten = utc(2026, 12, 1, 3, 0)  # 10:00 in Hồ Chí Minh City
    # 07:00 has passed today: the first edition is tomorrow's, with a day of news.
    assert first_last(at_ten, SEVEN, HCM) == utc(2026, 12, 1, 0, 0)
    # 12:00 is still to come: today's edition, with the news since yesterday noon.
    assert first_last(at_ten, 12 * 60, HCM) == utc(2026, 11, 30, 5, 0)
    assert due_edition(at_ten, SEVEN, HCM) is not None
    assert is_made(Edition(date(2026, 12, 1), utc(2026, 12, 1)), first_last(at_ten, SEVEN, HCM))


def test_unknown_zones_fall_back_to_the_stations() -> None:
    assert zone_of("Mars/Olympus", "Asia/Ho_Chi_Minh") == HCM
    assert zone_of(None, "Asia/Ho_Chi_Minh") == HCM
    assert zone_of("Europe/Berlin", "Asia/Ho_Chi_Minh") == BERLIN


def headline(title: str, *topics: tuple[int, str]) -> Headline:
    return Headline(title, f"https://kontumtv.vn/{len(title)}", tuple(topics), utc(2026, 12, 1))


SPORT, ECONOMY = (1, "Thể thao"), (2, "Kinh tế")


def test_headlines_are_grouped_by_topic_once_each() -> None:
    news = [
        headline("Bóng chuyền nữ", SPORT),
        headline("Giá cà phê tăng", ECONOMY, SPORT),
        headline("Thời tiết"),
    ]
    everything = sections_for(news, None, "Tin khác")
    assert [(s.topic, [h.title for h in s.items]) for s in everything] == [
        ("Kinh tế", ["Giá cà phê tăng"]),
        ("Thể thao", ["Bóng chuyền nữ"]),
        ("Tin khác", ["Thời tiết"]),
    ]
    sport_only = sections_for(news, frozenset({1}), "Tin khác")
    assert [(s.topic, [h.title for h in s.items]) for s in sport_only] == [
        ("Thể thao", ["Bóng chuyền nữ", "Giá cà phê tăng"]),
    ]
    assert sections_for(news, frozenset({9}), "Tin khác") == []


def test_a_long_edition_is_split_between_headlines_within_the_budget() -> None:
    long = "Hội nghị sơ kết 5 năm thực hiện chương trình mục tiêu quốc gia 🌾 " * 4  # ~260 units
    sections = [
        Section("Kinh tế", tuple(headline(f"{n}. {long}", ECONOMY) for n in range(12))),
        Section("Thể thao", tuple(headline(f"{n}. {long}", SPORT) for n in range(12))),
    ]
    parts = split_sections(sections)
    assert len(parts) == 2
    flat = [h.title for part in parts for s in part for h in s.items]
    assert flat == [h.title for s in sections for h in s.items]  # nothing lost or repeated
    for part in parts:
        visible = sum(2 + utf16_len(s.topic) + sum(3 + utf16_len(h.title) for h in s.items)
                      for s in part)  # fmt: skip
        assert visible <= DIGEST_BUDGET
    # The topic cut in two carries its name into the next message.
    assert [s.topic for s in parts[0]] == ["Kinh tế", "Thể thao"]
    assert [s.topic for s in parts[1]] == ["Thể thao"]
    assert split_sections([Section("Kinh tế", (headline("Một tin", ECONOMY),))]) == [
        [Section("Kinh tế", (headline("Một tin", ECONOMY),))]
    ]


def test_quiet_hours_are_read_on_the_readers_clock_when_sent() -> None:
    assert in_quiet_hours(22 * 60, 22 * 60, 6 * 60) and in_quiet_hours(5 * 60 + 59, 1320, 360)
    assert not in_quiet_hours(6 * 60, 1320, 360) and not in_quiet_hours(21 * 60 + 59, 1320, 360)
    assert in_quiet_hours(12 * 60, 12 * 60, 13 * 60) and not in_quiet_hours(13 * 60, 720, 780)
    night = QuietWindow(22 * 60, 6 * 60, None)
    assert not is_quiet(night, utc(2026, 12, 1, 14, 50), "Asia/Ho_Chi_Minh")  # 21:50
    assert is_quiet(night, utc(2026, 12, 1, 15, 5), "Asia/Ho_Chi_Minh")  # 22:05
    berlin = QuietWindow(22 * 60, 6 * 60, "Europe/Berlin")
    assert not is_quiet(berlin, utc(2026, 12, 1, 15, 5), "Asia/Ho_Chi_Minh")  # 16:05 there
    assert is_quiet(berlin, utc(2026, 12, 1, 21, 5), "Asia/Ho_Chi_Minh")  # 22:05 CET
    assert is_quiet(berlin, utc(2026, 7, 1, 20, 5), "Asia/Ho_Chi_Minh")  # 22:05 CEST
    broken = QuietWindow(22 * 60, 6 * 60, "Mars/Olympus")  # the station's zone instead
    assert is_quiet(broken, utc(2026, 12, 1, 15, 5), "Asia/Ho_Chi_Minh")
