"""What handlers need besides the update: settings, storage and the use cases, in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.delivery.limiter import RateLimiter
from bot.services.comment_rules import CommentRules
from bot.services.comments import Comments
from bot.services.membership import Membership
from bot.services.moderation import Moderation, Publisher
from bot.services.outbox import Outbox
from bot.services.preferences import Preferences
from bot.services.reading import Reading
from bot.services.roles import Roles
from bot.services.subscriptions import Subscriptions
from bot.services.topics import TopicChoice
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


def services_of(bot_data: dict[Any, Any]) -> Services:
    services = bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def build_services(settings: Settings, database: Database, limiter: RateLimiter) -> Services:
    """Every use case the handlers and background work need, built once by the composition root."""
    roles = Roles(database, settings.owner_ids)
    preferences = Preferences(database, timezone=settings.timezone)
    # The runtime connects the outbox to the sender (``outbox.on_enqueue(sender.wake)``);
    # until then queued cards and notices go out at the sender's next idle poll (1 s).
    outbox = Outbox(database, timezone=settings.timezone)
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
    return Services(
        settings=settings,
        database=database,
        limiter=limiter,
        roles=roles,
        subscriptions=Subscriptions(database, preferences),
        membership=Membership(database, roles),
        comments=Comments(database, moderation, publisher, rules),
        moderation=moderation,
        outbox=outbox,
        reading=Reading(database),
        preferences=preferences,
        topics=TopicChoice(database, settings.sections),
        relay=relay,
    )
