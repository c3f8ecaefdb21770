"""What handlers need besides the update: settings, storage and the use cases, in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.delivery.limiter import RateLimiter
from bot.services.comments import Comments
from bot.services.membership import Membership
from bot.services.roles import Roles
from bot.services.subscriptions import Subscriptions
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


def services_of(bot_data: dict[Any, Any]) -> Services:
    services = bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def build_services(settings: Settings, database: Database, limiter: RateLimiter) -> Services:
    """Every use case the handlers and background work need, built once by the composition root."""
    roles = Roles(database, settings.owner_ids)
    return Services(
        settings=settings,
        database=database,
        limiter=limiter,
        roles=roles,
        subscriptions=Subscriptions(database),
        membership=Membership(database, roles),
        comments=Comments(database),
    )
