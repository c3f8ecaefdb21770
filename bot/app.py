"""The composition root: every piece of a running bot is built here, and only here.

``build(settings)`` makes the database, the limiter, the bots, the services, the handlers,
the background work and the update source, and hands them to the runtime (``bot.runner``),
which only starts and stops them in order. Each piece is made by one small function, so a
changed constructor is a change in one place. Building does no I/O: nothing here touches the
network or the database, so it cannot fail because either is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from bot.alerts import Alert, admin_alert
from bot.context import CONTEXT_TYPES
from bot.delivery.limiter import RateLimiter
from bot.delivery.pacing import PacedReplies
from bot.delivery.sender import Sender, SenderConfig
from bot.delivery.transport import AiohttpRequest
from bot.error_alerts import ERROR_ALERTS_KEY, ErrorAlerts, error_alerts_of
from bot.feeds.fetch import FeedFetcher
from bot.handlers import register_all
from bot.handlers.menu import set_command_menu
from bot.handlers.role_menu import publish_staff_menus
from bot.leadership import AlwaysLeader, Leadership, LeaderState, PostgresLeadership
from bot.services import SERVICES_KEY, Services, build_services
from bot.services.digest import DigestJob
from bot.services.ingest import Ingest
from bot.services.site_ping import SitePings
from bot.updates import LongPolling, UpdateSource
from bot.web.ping import PingEndpoint, PollSite
from bot.web.server import WebServer
from bot.web.status import StatusSources
from bot.web.webhook import DEFAULT_PORT, Webhook, derived_secret
from config import Settings
from storage.db import Database
from storage.lock import AdvisoryLock, InstanceLock
from storage.repositories import deliveries, feeds

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]
LONG_POLL_S = 30  # Telegram holds getUpdates this long when nothing happens


@dataclass(frozen=True, slots=True)
class Work:
    """A background job of the runtime, supervised (restarted after a crash).

    ``leader_only`` work (the ingest, the sender) runs in exactly one process; the rest in
    every process. ``on_stop`` runs after the job is cancelled at a clean stop.
    """

    name: str
    run: Callable[[], Awaitable[None]]
    leader_only: bool = False
    on_stop: Closer | None = None


@dataclass
class Wiring:
    """Everything ``build`` made; the runtime starts it top to bottom and stops it reversed."""

    settings: Settings
    database: Database
    lock: InstanceLock
    application: Application  # type: ignore[type-arg]
    services: Services
    source: UpdateSource
    leadership: Leadership
    work: list[Work]
    alert: Alert  # alert_admins(text): the one sink for admin alerts
    # The leader-only loops themselves, for what will report on them (health, metrics).
    ingest: Ingest
    sender: Sender
    error_alerts: ErrorAlerts  # unhandled errors (handlers, crashed jobs) told to the admins
    # Operations: leader or standby (the runtime sets it), the web server when one is asked
    # for (a port, or webhook mode), and what /healthz and /metrics read.
    leader_state: LeaderState = field(default_factory=LeaderState)
    web: WebServer | None = None
    status: StatusSources | None = None
    # Transports and clients, closed last (even when start-up never got far enough to use them).
    closers: list[Closer] = field(default_factory=list)


def build(settings: Settings) -> Wiring:
    """Compose the bot from settings (no I/O)."""
    database = make_database(settings)
    limiter = make_limiter(settings)
    services = build_services(settings, database, limiter)
    reply_transports = make_reply_transports()
    application = make_application(settings, services, reply_transports)
    error_alerts = error_alerts_of(application.bot_data)
    alert = error_alerts.alert
    sender_bot = make_sender_bot(settings.token, settings.telegram_api_url, settings.send_timeout)
    sender = make_sender(settings, database, sender_bot, limiter, alert)
    ingest = make_ingest(settings, database, alert, sender.wake)
    services.broadcasts.connect(wake=sender.wake, drop=sender.drop)
    # Cards, notices and relay messages queued by the services go out at once, not at the
    # sender's next idle poll (up to 1 s later).
    services.outbox.on_enqueue(sender.wake)
    closers: list[Closer] = [t.shutdown for t in reply_transports]
    closers += [sender_bot.shutdown, sender_bot.request.shutdown, ingest.fetcher.close]
    closers.append(sender.videos.close)  # the video downloads' own HTTP session
    leader_state = LeaderState()
    server = make_web_server(settings, database, leader_state, sender)
    source = make_update_source(application, settings, server)
    if server is not None:
        server.status.polls = lambda: ingest.stats
    if server is not None and settings.ping_path:
        pings = add_ping_route(server, settings.ping_path, SitePings(database, ingest))
        server.status.pings = lambda: (pings.accepted, pings.refused)
    if server is not None:
        server.status.updates = _update_counts(source)
    leadership = make_leadership(settings, database)
    work = [
        command_menu_work(application.bot),
        staff_menu_work(application),
        ingest_work(ingest, settings, database),
        sender_work(sender, sender_bot, database),
        broadcast_progress_work(services),
        digest_work(DigestJob(database, timezone=settings.timezone, on_enqueued=sender.wake)),
    ]
    if isinstance(source, LongPolling) and not isinstance(leadership, AlwaysLeader):
        # Telegram serves getUpdates to one client at a time (409 for the others): with
        # several processes only the leader polls; in webhook mode every process answers.
        work.append(polling_work(source))
        source = NoUpdates()
    return Wiring(
        settings=settings,
        database=database,
        lock=InstanceLock(database, exclusive_on_postgres=False),
        application=application,
        services=services,
        source=source,
        leadership=leadership,
        work=work,
        alert=alert,
        error_alerts=error_alerts,
        ingest=ingest,
        sender=sender,
        leader_state=leader_state,
        web=server,
        status=server.status if server is not None else None,
        closers=closers,
    )


def make_database(settings: Settings) -> Database:
    return Database(settings.database_url)


def make_limiter(settings: Settings) -> RateLimiter:
    """One limiter per bot token, shared by replies and the outbox.

    The timing margin is 30 ms plus one send interval: at 30/s a request that reaches
    Telegram one slot late (a busy event loop, a slow network hop) still keeps every
    one-second window within the limit, at ~6 % of throughput; at 300/s the margin is ~3 %.
    """
    rate = max(1, round(settings.send_rate))
    return RateLimiter(rate=rate, jitter=0.03 + 1.0 / rate)


def make_reply_transports() -> tuple[AiohttpRequest, AiohttpRequest]:
    """The replying bot's connections: (replies and commands, getUpdates)."""
    return (
        AiohttpRequest(connection_pool_size=32),
        AiohttpRequest(connection_pool_size=2, read_timeout=LONG_POLL_S + 10.0),
    )


def make_application(
    settings: Settings,
    services: Services,
    transports: tuple[AiohttpRequest, AiohttpRequest] | None = None,
) -> Application:  # type: ignore[type-arg]
    """The python-telegram-bot Application that answers users: handlers and services.

    It has no PTB ``Updater``: updates come from our ``UpdateSource`` (see ``bot.updates``).
    """
    requests, updates = transports or make_reply_transports()
    root = settings.telegram_api_url
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .request(requests)
        .get_updates_request(updates)
        .updater(None)
        .rate_limiter(PacedReplies(services.limiter))
        .concurrent_updates(32)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    # The one alert sink, with the unhandled-error reports that go through it (rate-limited).
    alert = admin_alert(application.bot, settings.admin_chat_id, timeout_s=settings.send_timeout)
    application.bot_data[ERROR_ALERTS_KEY] = ErrorAlerts(
        services.error_reports, alert, settings.locale
    )
    register_all(application)
    return application


def build_application(
    settings: Settings, database: Database, limiter: RateLimiter | None = None
) -> Application:  # type: ignore[type-arg]
    """The answering Application alone (tests that drive handlers without the runtime)."""
    services = build_services(settings, database, limiter or make_limiter(settings))
    return make_application(settings, services)


def make_update_source(
    application: Application,  # type: ignore[type-arg]
    settings: Settings | None = None,
    server: WebServer | None = None,
) -> UpdateSource:
    """The webhook when ``NEWSBOT_WEBHOOK_URL`` is set (on the web server), else long polling."""
    if settings is not None and settings.webhook_url is not None and server is not None:
        secret = settings.webhook_secret
        return Webhook(
            application.bot,
            application.update_queue,
            server,
            url=settings.webhook_url,
            secret=secret.get_secret_value() if secret else derived_secret(settings.token),
        )
    return LongPolling(application.bot, application.update_queue, timeout_s=LONG_POLL_S)


def make_web_server(
    settings: Settings, database: Database, leader_state: LeaderState, sender: Sender
) -> WebServer | None:
    """The web server when a port is set or webhook mode needs one; None otherwise."""
    port = settings.http_port
    if port is None and settings.webhook_url is not None:
        port = DEFAULT_PORT
    if port is None:
        return None
    status = StatusSources(
        database=database,
        leading=lambda: leader_state.leading,
        sender_stats=lambda: sender.stats,
        updates=lambda: (0, 0),
    )
    stale_after = settings.health_stale_after or 3 * settings.poll_interval
    return WebServer(settings.http_host, port, status, stale_after_s=stale_after)


def add_ping_route(server: WebServer, path: str, poll_site: PollSite) -> PingEndpoint:
    """WordPress's update ping on the web server (every process: a standby's request reaches
    the leader through the feed row)."""
    endpoint = PingEndpoint(poll_site)
    server.add_post(path, endpoint.handle)
    return endpoint


def _update_counts(source: UpdateSource) -> Callable[[], tuple[int, int]]:
    def counts() -> tuple[int, int]:
        return int(getattr(source, "received", 0)), int(getattr(source, "skipped", 0))

    return counts


def make_leadership(settings: Settings, database: Database | None = None) -> Leadership:
    """PostgreSQL: leader election (any number of processes); SQLite: one process, it leads."""
    if database is None or database.is_sqlite:
        return AlwaysLeader()
    return PostgresLeadership(AdvisoryLock(database))


class NoUpdates:
    """The runtime's update source when long polling runs as leader-only work."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def polling_work(source: LongPolling) -> Work:
    """Long polling in the leader only; stopping it confirms what it fetched."""

    async def run() -> None:
        await source.start()
        await asyncio.Event().wait()  # runs until the leader stops (cancelled)

    return Work("long polling", run, leader_only=True, on_stop=source.stop)


def make_sender_bot(token: str, api_url: str, send_timeout: float = 30.0) -> Bot:
    """The outbox's own Bot: its own connection pool, so a broadcast never queues replies.

    Its read timeout is ``send_timeout``: a shorter one than Telegram's real latency turns a
    slow but successful send into a retry, a duplicate for the reader. It never calls
    getUpdates; giving it the same transport for that slot spares an unused httpx client
    (closing a transport twice is harmless).
    """
    request = AiohttpRequest(connection_pool_size=64, read_timeout=send_timeout)
    return Bot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=request,
        get_updates_request=request,
    )


def make_sender(
    settings: Settings, database: Database, bot: Bot, limiter: RateLimiter, alert: Alert
) -> Sender:
    return Sender(database, bot, limiter, config=SenderConfig.from_settings(settings), alert=alert)


def make_ingest(
    settings: Settings, database: Database, alert: Alert, on_enqueued: Callable[[], None]
) -> Ingest:
    return Ingest(
        database,
        FeedFetcher(),
        interval_s=settings.poll_interval,
        summary_limit=settings.summary_limit,
        zone=settings.zone,
        locale=settings.locale,
        alert_after_s=settings.feed_alert_after,
        pushes_per_poll=settings.pushes_per_poll,
        freshness_hours=settings.freshness_hours,
        alert=alert,
        on_enqueued=on_enqueued,
    )


def command_menu_work(bot: Bot) -> Work:
    """Publish the command menu once Telegram answers (retried by the supervisor)."""
    return Work("command menu", lambda: set_command_menu(bot))


def staff_menu_work(application: Application) -> Work:  # type: ignore[type-arg]
    """Each staff member's command menu (chat scope), once Telegram answers."""
    return Work("staff menus", lambda: publish_staff_menus(application.bot, application.bot_data))


def ingest_work(ingest: Ingest, settings: Settings, database: Database) -> Work:
    async def run() -> None:
        async with database.session() as session:
            await feeds.ensure_feeds(session, settings.feeds)
        await ingest.run_forever()

    return Work("ingest", run, leader_only=True)


def sender_work(sender: Sender, bot: Bot, database: Database) -> Work:
    async def run() -> None:
        await bot.initialize()
        await sender.run_forever()

    async def release_leases() -> None:
        """Hand our leased rows back at a clean stop, so a successor (maybe under another
        host name, which cannot tell we are gone) sends them at once, not in ~2 minutes.
        Outcomes still in memory are written first: what went out is not sent again."""
        await sender.record_pending()
        async with database.session() as session:
            released = await deliveries.release_leases(session, [sender.owner])
        if released:
            log.info("released %d leased deliveries of %s", released, sender.owner)

    return Work("sender", run, leader_only=True, on_stop=release_leases)


def broadcast_progress_work(services: Services) -> Work:
    """Edit running broadcasts' progress messages (leader-only: one editor, beside the sender)."""
    return Work("broadcast progress", services.broadcasts.run_forever, leader_only=True)


def digest_work(job: DigestJob) -> Work:
    """The daily digests, queued by the leader alone (``last_digest_at`` makes each edition
    once; one maker keeps two processes from grouping the same readers at the same time)."""
    return Work("digest", job.run_forever, leader_only=True)
