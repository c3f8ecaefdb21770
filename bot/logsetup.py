"""Logging that never prints a secret."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Bot tokens look like 123456789:AA...; they appear in Bot API URLs (…/bot<token>/sendMessage).
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
# Named secrets in logged parameters: python-telegram-bot at DEBUG logs every call's
# parameters, setWebhook's secret_token among them (found by tests/ops/test_logs.py).
_NAMED_SECRET = re.compile(
    r"""((?:secret_token|password|app_password)['"]?\s*[:=]\s*)"""
    r"""(?:'[^']*'|"[^"]*"|[^'"\s,&}]+)""",
    re.IGNORECASE,
)


def redact(message: str) -> str:
    """Mask bot tokens, URL passwords and named secrets in a piece of text."""
    message = _NAMED_SECRET.sub(r"\1'***'", _TOKEN.sub("<token>", message))
    return _URL_PASSWORD.sub(r"\1***@", message)


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


# Context the code attaches with ``extra=`` (chat, article and delivery ids) and a JSON line
# carries as fields of its own, so a log collector can filter on them.
CONTEXT_FIELDS = (
    "chat_id",
    "article_id",
    "delivery_id",
    "feed_id",
    "update_id",
    "feed_ids",  # the feeds an update ping polls
    "article_ids",  # the articles one poll stored (at most 200)
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, context ids,
    and the traceback as one string. The message is already redacted by ``RedactingFilter``;
    the traceback is redacted here again, as a handler might format it first."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO", log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs carry the token.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
