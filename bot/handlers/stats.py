"""/stats for admins: the figures as text, then the 30-day chart as an uploaded photo."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from bot.context import BotContext
from bot.guard import requires
from bot.handlers.common import command
from bot.i18n import format_number, t
from bot.services.stats import Snapshot
from bot.services.stats_chart import ChartLabels
from storage.enums import CommentStatus, DeliveryStatus, Role

TOPICS_SHOWN = 15  # a station has a dozen sections; more would only be noise in one message
SOURCES_SHOWN = 10  # the station's own links (web, qr, facebook…): a handful in practice
_DATE_FORMAT = {"vi": "%d/%m", "en": "%d %b"}


@requires(Role.ADMIN)
async def stats(update: Update, context: BotContext) -> None:
    """/stats: subscribers, deliveries, comments and feeds, and a chart of the last 30 days."""
    message = update.effective_message
    if message is None:
        return
    locale = context.locale
    report = await context.services.stats.report()
    await message.reply_text(stats_text(report.snapshot, locale))
    png = await context.services.stats.chart(report.days, chart_labels(locale))
    await message.reply_photo(png, caption=t("stats.chart_caption", locale), filename="stats.png")


def chart_labels(locale: str) -> ChartLabels:
    return ChartLabels(
        title=t("stats.chart_title", locale),
        subscribers=t("stats.chart_subscribers", locale),
        new_subscribers=t("stats.chart_new", locale),
        deliveries=t("stats.chart_deliveries", locale),
        sent=t("stats.chart_sent", locale),
        failed=t("stats.chart_failed", locale),
        date_format=_DATE_FORMAT.get(locale, _DATE_FORMAT["vi"]),
        locale=locale,
    )


def reason_text(bucket: str, locale: str) -> str:
    """A failure bucket (``storage.repositories.stats.FAILURE_BUCKETS``) in words."""
    match bucket:
        case "blocked":
            return t("stats.reason_blocked", locale)
        case "chat_not_found":
            return t("stats.reason_chat_not_found", locale)
        case "expired":
            return t("stats.reason_expired", locale)
        case "rights":
            return t("stats.reason_rights", locale)
        case "render":
            return t("stats.reason_render", locale)
        case "network":
            return t("stats.reason_network", locale)
        case _:
            return t("stats.reason_other", locale)


def stats_text(s: Snapshot, locale: str) -> str:
    """Plain text (topic names come from feeds: nothing is parsed as markup)."""

    def n(value: int) -> str:
        return format_number(value, locale)

    def waiting(counts: dict[DeliveryStatus, int]) -> int:
        return counts.get(DeliveryStatus.PENDING, 0) + counts.get(DeliveryStatus.SENDING, 0)

    every = t("stats.topic_all", locale)
    topics = [t("stats.topic_item", locale, name=every, count=n(s.all_topics))]
    topics += [
        t("stats.topic_item", locale, name=name, count=n(count))
        for name, count in s.by_topic[:TOPICS_SHOWN]
    ]
    sources = [
        t("stats.topic_item", locale, name=source or t("stats.source_none", locale), count=n(count))
        for source, count in s.by_source[:SOURCES_SHOWN]
    ]
    lines = [
        t("stats.title", locale),
        t("stats.subscribers", locale, active=n(s.active), inactive=n(s.inactive)),
        t("stats.topics", locale, topics=" · ".join(topics)),
    ]
    if sources:
        lines.append(t("stats.sources", locale, sources=" · ".join(sources)))
    lines += [
        t(
            "stats.deliveries_today", locale,
            sent=n(s.today.get(DeliveryStatus.SENT, 0)),
            failed=n(s.today.get(DeliveryStatus.FAILED, 0)),
            waiting=n(waiting(s.today)),
        ),
        t(
            "stats.deliveries_week", locale,
            sent=n(s.week.get(DeliveryStatus.SENT, 0)),
            failed=n(s.week.get(DeliveryStatus.FAILED, 0)),
        ),
    ]  # fmt: skip
    if s.failures:
        reasons = " · ".join(
            t("stats.topic_item", locale, name=reason_text(bucket, locale), count=n(count))
            for bucket, count in s.failures
        )
        lines.append(t("stats.failures", locale, reasons=reasons))
    else:
        lines.append(t("stats.failures_none", locale))
    lines += [
        t(
            "stats.comments", locale,
            pending=n(s.comments.get(CommentStatus.PENDING, 0)),
            approved=n(s.comments.get(CommentStatus.APPROVED, 0)),
            rejected=n(s.comments.get(CommentStatus.REJECTED, 0)),
        ),
        t("stats.feeds", locale, healthy=n(s.feeds_healthy), failing=n(s.feeds_failing)),
    ]  # fmt: skip
    return "\n".join(lines)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("stats", stats))
