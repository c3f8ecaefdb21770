"""Dates and numbers the way each locale writes them, through Babel's CLDR data.

Vietnamese: ``16:15, 04/07/2014`` and ``1.234``; English: ``16:15, 4 Jul 2014`` and ``1,234``.
Times are the station's (Asia/Ho_Chi_Minh) unless a zone is given; a naive datetime is UTC,
as everything stored is.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates, numbers

STATION_TZ = "Asia/Ho_Chi_Minh"
DEFAULT_LOCALE = "vi"

# CLDR's own Vietnamese patterns are "HH:mm d/M/yy" (short) and "HH:mm:ss d MMM, y" (medium);
# the station and Vietnamese newspapers write 16:15, 04/07/2014, so the patterns are ours and
# only the locale data (month names, separators) comes from CLDR.
_TIME = "HH:mm"
_DATE = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _local(moment: datetime, tz: str | tzinfo) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone(tz))


def _locale(locale: str) -> str:
    return locale if locale in _DATE else DEFAULT_LOCALE


def format_time(
    moment: datetime, locale: str = DEFAULT_LOCALE, tz: str | tzinfo = STATION_TZ
) -> str:
    """``16:15`` (24-hour in both languages: the station's schedule is written that way)."""
    return dates.format_datetime(_local(moment, tz), _TIME, locale=_locale(locale))


def format_date(
    moment: datetime, locale: str = DEFAULT_LOCALE, tz: str | tzinfo = STATION_TZ
) -> str:
    """``04/07/2014`` in Vietnamese, ``4 Jul 2014`` in English."""
    loc = _locale(locale)
    return dates.format_datetime(_local(moment, tz), _DATE[loc], locale=loc)


def format_datetime(
    moment: datetime, locale: str = DEFAULT_LOCALE, tz: str | tzinfo = STATION_TZ
) -> str:
    """``16:15, 04/07/2014`` in Vietnamese, ``16:15, 4 Jul 2014`` in English."""
    loc = _locale(locale)
    return dates.format_datetime(_local(moment, tz), f"{_TIME}, {_DATE[loc]}", locale=loc)


def format_number(value: int | float | Decimal, locale: str = DEFAULT_LOCALE) -> str:
    """``1.234`` / ``1.234,5`` in Vietnamese, ``1,234`` / ``1,234.5`` in English."""
    return numbers.format_decimal(value, locale=_locale(locale))
