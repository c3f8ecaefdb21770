"""Which of a poll's new items are pushed one by one, and which become one summary. Pure.

A feed that publishes thousands of items at once (a site migration, a re-imported archive,
a plugin gone wrong) must not queue thousands of messages per reader: at one per second that
is hours of a phone buzzing. The newest few are news; the rest are listed, not pushed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PushPlan:
    """``push`` is sent one message per item, oldest of them first (a chat reads top to
    bottom, so the newest ends up last, as for a normal poll); ``summarised`` (newest first)
    becomes one "… and N more" message."""

    push: tuple[int, ...]
    summarised: tuple[int, ...]


def plan_pushes(candidates: Iterable[tuple[int, datetime]], limit: int) -> PushPlan:
    """Keep the ``limit`` newest of (article id, published at); ties go to the later id."""
    if limit < 1:
        raise ValueError("at least one item per poll must be pushable")
    newest_first = sorted(dict(candidates).items(), key=lambda c: (c[1], c[0]), reverse=True)
    chosen = newest_first[:limit]
    return PushPlan(
        push=tuple(article_id for article_id, _ in reversed(chosen)),
        summarised=tuple(article_id for article_id, _ in newest_first[limit:]),
    )
