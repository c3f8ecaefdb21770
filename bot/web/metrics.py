"""``/metrics``: one snapshot in the Prometheus text format (prometheus-client).

The counters already exist where the work happens (``Sender.stats``, the update source's
counts, the feeds' and outbox's rows): a scrape reads them, so no second bookkeeping can drift
from the first. Each scrape builds its own registry from one snapshot, which also keeps
several bots in one test process apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot.delivery.outcome import Fate
from bot.web.status import Snapshot
from storage.enums import CommentStatus, DeliveryStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RATE_LIMITED = "rate_limited"  # the sender's count of 429 answers (Sender.stats key)
_FATES = {str(fate) for fate in Fate}
# Sender.stats keys that are not outcomes of a call.
_NOT_OUTCOMES = _FATES | {RATE_LIMITED, "resent_after_uncertain"}


class SnapshotCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        s = self.snapshot
        yield _gauge(
            "newsbot_leader", "1 when this process runs the ingest and the sender", s.leading
        )
        yield _gauge(
            "newsbot_database_up",
            "1 when the database answered this scrape",
            s.database_error is None,
        )
        stats = s.sender_stats
        outcomes = CounterMetricFamily(
            "newsbot_deliveries", "Bot API calls of the outbox by outcome", labels=["outcome"]
        )
        for outcome, n in sorted(stats.items()):
            if outcome not in _NOT_OUTCOMES:
                outcomes.add_metric([outcome], n)
        yield outcomes
        fates = CounterMetricFamily(
            "newsbot_delivery_transient_failures",
            "failed sends by whether they could have arrived (unsent, refused, uncertain)",
            labels=["fate"],
        )
        for fate in sorted(_FATES):
            fates.add_metric([fate], stats.get(fate, 0))
        yield fates
        yield CounterMetricFamily(
            "newsbot_telegram_rate_limited",
            "429 answers to sends",
            value=stats.get(RATE_LIMITED, 0),
        )
        yield CounterMetricFamily(
            "newsbot_deliveries_resent_after_uncertain",
            "sends repeated after an unanswered try (possible duplicates)",
            value=stats.get("resent_after_uncertain", 0),
        )
        yield CounterMetricFamily(
            "newsbot_updates_received", "updates taken from Telegram", value=s.updates_received
        )
        yield CounterMetricFamily(
            "newsbot_updates_skipped", "updates that could not be parsed", value=s.updates_skipped
        )
        yield from _ingest(s)
        if s.database_error is not None:
            return
        rows = GaugeMetricFamily("newsbot_outbox_rows", "outbox rows by status", labels=["status"])
        for status in DeliveryStatus:
            rows.add_metric([str(status)], s.deliveries.get(status, 0))
        yield rows
        comments = GaugeMetricFamily(
            "newsbot_comments", "readers' comments by moderation status", labels=["status"]
        )
        for comment_status in CommentStatus:
            comments.add_metric([str(comment_status)], s.comments.get(comment_status, 0))
        yield comments
        if s.backlog is not None:
            yield GaugeMetricFamily(
                "newsbot_outbox_due", "outbox rows due to be sent now", value=s.backlog.due
            )
            yield GaugeMetricFamily(
                "newsbot_outbox_waiting", "outbox rows not sent yet", value=s.backlog.waiting
            )
        yield GaugeMetricFamily(
            "newsbot_outbox_oldest_due_age_seconds",
            "how long the oldest due row has waited",
            value=s.oldest_due_age_s,
        )
        failures = GaugeMetricFamily(
            "newsbot_feed_consecutive_failures", "failed polls in a row", labels=["feed"]
        )
        ages = GaugeMetricFamily(
            "newsbot_feed_last_success_age_seconds",
            "seconds since the feed's last successful poll",
            labels=["feed"],
        )
        for feed in s.feeds:
            failures.add_metric([feed_label(feed.url)], feed.failures)
            if feed.last_success_at is not None:
                age = (s.now - feed.last_success_at).total_seconds()
                ages.add_metric([feed_label(feed.url)], age)
        yield failures
        yield ages


def _ingest(s: Snapshot) -> Iterable[Metric]:
    """This process's polls: results by feed, fetch latency, update pings (a standby has none)."""
    pings = CounterMetricFamily(
        "newsbot_update_pings", "WordPress update pings by result", labels=["result"]
    )
    pings.add_metric(["accepted"], s.pings[0])
    pings.add_metric(["refused"], s.pings[1])
    yield pings
    if s.polls is None:
        return
    results = CounterMetricFamily(
        "newsbot_feed_polls", "feed polls by feed and result", labels=["feed", "result"]
    )
    for (url, status), n in sorted(s.polls.results.items()):
        results.add_metric([feed_label(url), status], n)
    yield results
    latency = s.polls.fetch_seconds
    yield HistogramMetricFamily(
        "newsbot_feed_fetch_seconds",
        "time to fetch a feed (an answer, a 304 or a failure)",
        buckets=latency.cumulative(),
        sum_value=latency.total,
    )


def feed_label(url: str) -> str:
    """A feed's URL without its ``user:password@``: /metrics is unauthenticated, and an
    /addfeed of ``https://user:pass@host/feed`` stores the credentials to fetch with."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _gauge(name: str, text: str, value: bool | float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, value=float(value))


def render(snapshot: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry)
