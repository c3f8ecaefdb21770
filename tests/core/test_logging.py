"""Tokens and passwords never reach the logs."""

from __future__ import annotations

import logging

import pytest

from bot.logsetup import RedactingFilter, redact

TOKEN = "123456789:AAEfakefakefakefakefakefake_123"


def test_tokens_and_url_passwords_are_masked() -> None:
    line = f"POST https://api.telegram.org/bot{TOKEN}/sendMessage via postgresql://bot:hunter2@db/x"
    cleaned = redact(line)
    assert TOKEN not in cleaned and "hunter2" not in cleaned
    assert "/bot<token>/sendMessage" in cleaned and "bot:***@db" in cleaned


def test_filter_cleans_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    caplog.handler.addFilter(RedactingFilter())
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/getMe")
    except RuntimeError:
        logger.exception("call to %s failed", f"/bot{TOKEN}/getMe")
    assert TOKEN not in caplog.text
    assert "<token>" in caplog.text
