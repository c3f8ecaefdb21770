"""/stats as a use case: today's and the week's figures, and the 30-day chart as PNG bytes.

Every figure is a grouped query (``storage.repositories.stats``); the chart is drawn in a
worker thread so the event loop keeps answering readers meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.stats_chart import ChartDay, ChartLabels, render_chart
from storage.db import Database
from storage.models import utcnow
from storage.repositories import stats
from storage.repositories.stats import DayCount, Snapshot

CHART_DAYS = 30

__all__ = ["CHART_DAYS", "DayCount", "Report", "Snapshot", "Stats"]


@dataclass(frozen=True, slots=True)
class Report:
    snapshot: Snapshot
    days: list[DayCount]


class Stats:
    def __init__(
        self,
        database: Database,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.zone = ZoneInfo(timezone)
        self.clock = clock

    async def report(self) -> Report:
        """The numbers and the daily series, in one read transaction."""
        now = self.clock()
        local_today = now.astimezone(self.zone).date()
        day_start = datetime.combine(local_today, time(), self.zone)
        first_day = local_today - timedelta(days=CHART_DAYS - 1)
        since = datetime.combine(first_day, time(), self.zone)
        offset = now.astimezone(self.zone).utcoffset()
        offset_s = int(offset.total_seconds()) if offset is not None else 0
        async with self.database.session() as session:
            snapshot = await stats.snapshot(
                session, day_start=day_start, week_start=day_start - timedelta(days=6)
            )
            days = await stats.daily(
                session, first_day=first_day, days=CHART_DAYS, since=since, offset_s=offset_s
            )
        return Report(snapshot, days)

    async def chart(self, days: list[DayCount], labels: ChartLabels) -> bytes:
        """The PNG, drawn off the event loop."""
        series = [ChartDay(d.day, d.subscribers, d.new_subscribers, d.sent, d.failed) for d in days]
        return await asyncio.to_thread(render_chart, series, labels)
