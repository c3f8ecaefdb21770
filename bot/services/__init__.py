"""What handlers need besides the update: settings and storage, stored in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.delivery.limiter import RateLimiter
from config import Settings
from storage.db import Database

SERVICES_KEY = "services"


@dataclass
class Services:
    settings: Settings
    database: Database
    limiter: RateLimiter


def services_of(bot_data: dict[Any, Any]) -> Services:
    services = bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def build_services(settings: Settings, database: Database, limiter: RateLimiter) -> Services:
    """Every use case the handlers and background work need, built once by the composition root."""
    return Services(settings=settings, database=database, limiter=limiter)
