"""Logging that never prints a secret."""

from __future__ import annotations

import logging
import re

# Bot tokens look like 123456789:AA...; they appear in Bot API URLs (…/bot<token>/sendMessage).
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def redact(message: str) -> str:
    """Mask bot tokens and URL passwords in a piece of text."""
    return _URL_PASSWORD.sub(r"\1***@", _TOKEN.sub("<token>", message))


class RedactingFilter(logging.Filter):
    """Rewrites every record's final message before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs carry the token.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
