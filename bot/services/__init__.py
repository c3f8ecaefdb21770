"""What handlers need besides the update: settings, storage and the use cases, in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from bot.delivery.limiter import RateLimiter
from bot.services.audit import Audit
from bot.services.broadcasts import Broadcasts
from bot.services.channels import ChannelAdmin
from bot.services.comment_rules import CommentRules
from bot.services.comments import Comments
from bot.services.error_reports import ErrorReports
from bot.services.feed_admin import FeedAdmin
from bot.services.membership import Membership
from bot.services.moderation import Moderation, Publisher
from bot.services.onboarding import Onboarding
from bot.services.outbox import Outbox
from bot.services.people import People
from bot.services.preferences import Preferences
from bot.services.reading import Reading
from bot.services.roles import Roles
from bot.services.sections import Sections
from bot.services.staff import Staff
from bot.services.stats import Stats
from bot.services.subscriptions import Subscriptions
from bot.services.topics import TopicChoice
from bot.wordpress.categories import fetch_sections
from bot.wordpress.client import WordPressClient
from bot.wordpress.relay import Relay
from config import Settings
from storage.db import Database

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    database: Database
    limiter: RateLimiter
    roles: Roles
    subscriptions: Subscriptions
    membership: Membership
    comments: Comments
    moderation: Moderation
    outbox: Outbox
    reading: Reading
    preferences: Preferences
    topics: TopicChoice
    relay: Relay | None  # None unless NEWSBOT_WORDPRESS_* are all set
    # Staff management (ISSUE-10): the audit log, people seen, roles, error-report limits.
    audit: Audit
    people: People
    staff: Staff
    error_reports: ErrorReports
    channel_admin: ChannelAdmin  # /channels, /addchannel… (admins)
    feed_admin: FeedAdmin  # /feeds, /addfeed… (admins)
    onboarding: Onboarding
    broadcasts: Broadcasts
    stats: Stats


def services_of(bot_data: dict[Any, Any]) -> Services:
    services = bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def build_services(settings: Settings, database: Database, limiter: RateLimiter) -> Services:
    """Every use case the handlers and background work need, built once by the composition root."""
    roles = Roles(database, settings.owner_ids)
    preferences = Preferences(database, timezone=settings.timezone)
    # ``bot.app.build`` connects the outbox to the sender (``outbox.on_enqueue(sender.wake)``);
    # until then queued cards and notices go out at the sender's next idle poll (1 s).
    outbox = Outbox(database)
    publisher = Publisher(outbox, relay_enabled=settings.wordpress_configured)
    moderation = Moderation(database, outbox, publisher, admin_chat_id=settings.admin_chat_id)
    rules = CommentRules(
        per_minute=settings.comments_per_minute,
        per_day=settings.comments_per_day,
        blocklist=tuple(settings.comment_blocklist),
        auto_approve_after=settings.comment_auto_approve_after,
    )
    relay = None
    if settings.wordpress_configured:
        assert settings.wordpress_url and settings.wordpress_user
        assert settings.wordpress_app_password is not None
        client = WordPressClient(
            settings.wordpress_url, settings.wordpress_user, settings.wordpress_app_password
        )
        relay = Relay(
            database, client, outbox, author_email=settings.wordpress_author_email,
            admin_chat_id=settings.admin_chat_id,
        )  # fmt: skip
    audit = Audit(database)
    people = People(database)
    site = settings.wordpress_url if settings.sections_from_wordpress else None
    sections = Sections(
        database, settings.sections, fetch=None if site is None else partial(fetch_sections, site)
    )
    subscriptions = Subscriptions(database, preferences)
    topics = TopicChoice(database, sections)
    return Services(
        settings=settings,
        database=database,
        limiter=limiter,
        roles=roles,
        subscriptions=subscriptions,
        membership=Membership(database, roles, admin_chat_id=settings.admin_chat_id),
        comments=Comments(database, moderation, publisher, rules),
        moderation=moderation,
        outbox=outbox,
        reading=Reading(database),
        preferences=preferences,
        topics=topics,
        relay=relay,
        audit=audit,
        people=people,
        staff=Staff(database, roles, people, audit),
        error_reports=ErrorReports(),
        channel_admin=ChannelAdmin(database, topics.sections, record=audit.record_action),
        feed_admin=FeedAdmin(
            database,
            settings.feeds,
            allow_private=settings.feeds_allow_private,
            summary_limit=settings.summary_limit,
            locale=settings.locale,
            record=audit.record_action,
        ),
        onboarding=Onboarding(subscriptions, topics),
        broadcasts=Broadcasts(database),
        stats=Stats(database, timezone=settings.timezone),
    )
