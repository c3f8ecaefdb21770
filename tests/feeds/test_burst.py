"""Which of a poll's new items are pushed: the newest few, the rest summarised once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.feeds.burst import plan_pushes

NOW = datetime(2014, 7, 5, 1, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def test_a_normal_poll_pushes_every_new_item_oldest_first() -> None:
    plan = plan_pushes([(12, at(2)), (11, at(1))], limit=5)
    assert (plan.push, plan.summarised) == ((11, 12), ())


def test_a_burst_pushes_the_newest_few_and_summarises_the_rest_newest_first() -> None:
    candidates = [(i, at(i)) for i in range(1, 5001)]
    plan = plan_pushes(candidates, limit=5)
    assert plan.push == (4996, 4997, 4998, 4999, 5000)
    assert len(plan.summarised) == 4995 and plan.summarised[:2] == (4995, 4994)
    assert set(plan.push) | set(plan.summarised) == set(range(1, 5001))


def test_newest_means_publication_time_not_storage_order() -> None:
    # A re-imported archive is stored in feed order; a late-stored old item is not news.
    plan = plan_pushes([(1, at(50)), (2, at(40)), (3, at(-600)), (4, at(45))], limit=2)
    assert plan.push == (4, 1)
    assert plan.summarised == (2, 3)


def test_equal_times_go_to_the_later_id_and_repeats_count_once() -> None:
    plan = plan_pushes([(7, NOW), (8, NOW), (9, NOW), (8, NOW)], limit=2)
    assert (plan.push, plan.summarised) == ((8, 9), (7,))


def test_the_limit_must_allow_a_push() -> None:
    with pytest.raises(ValueError):
        plan_pushes([(1, NOW)], limit=0)
