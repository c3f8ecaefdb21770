"""Unhandled errors told to the admin chat: a short report, rate-limited, secrets masked.

A failed handler (``bot.handlers.errors``) and a crashed background job (``bot.runner``) report
here; ``ErrorReports`` lets one report per error type through per 10 minutes, the report names
the type and the error's first words (tokens and passwords masked by ``bot.logsetup.redact``),
never the trace, which is only in the log. Sent through the one alert sink (``bot.alerts``).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.alerts import Alert
from bot.i18n import t
from bot.logsetup import redact
from bot.services.error_reports import ErrorReports

log = logging.getLogger(__name__)

ERROR_ALERTS_KEY = "error_alerts"  # in ``bot_data``, for the error handler
DETAIL_CHARS = 200  # of the error's own text: enough to recognise it, never a dump


def detail_of(error: BaseException) -> str:
    """The error's text on one line, masked and capped."""
    detail = redact(" ".join(str(error).split()))
    if len(detail) > DETAIL_CHARS:
        detail = detail[: DETAIL_CHARS - 1] + "…"
    return detail or "—"


class ErrorAlerts:
    """Reports unhandled errors to the admins, at most once per error type and window."""

    def __init__(self, reports: ErrorReports, alert: Alert, locale: str) -> None:
        self._reports = reports
        self.alert = alert
        self._locale = locale

    def _admit(self, error: BaseException, where: str) -> int | None:
        kind = f"{where}:{type(error).__module__}.{type(error).__qualname__}"
        left_out = self._reports.admit(kind)
        if left_out is None:
            log.info("error report for %s left out: one was sent within the window", kind)
        return left_out

    def _with_left_out(self, text: str, left_out: int) -> str:
        if left_out:
            text += "\n" + t("error.report_left_out", self._locale, count=left_out)
        return text

    def handler_text(self, error: BaseException, update_id: int | None, left_out: int) -> str:
        text = t(
            "error.report",
            self._locale,
            kind=type(error).__name__,
            detail=detail_of(error),
            update_id=str(update_id) if update_id is not None else "—",
        )
        return self._with_left_out(text, left_out)

    def job_text(self, error: BaseException, job: str, left_out: int) -> str:
        text = t(
            "error.job_report",
            self._locale,
            kind=type(error).__name__,
            detail=detail_of(error),
            job=job,
        )
        return self._with_left_out(text, left_out)

    async def handler_failed(self, error: BaseException, update_id: int | None) -> None:
        """A handler raised: tell the admins, unless this type was reported recently."""
        left_out = self._admit(error, "handler")
        if left_out is not None:
            await self.alert(self.handler_text(error, update_id, left_out))

    async def job_crashed(self, error: BaseException, job: str) -> None:
        """A background job crashed with a bug (it is restarted): tell the admins, once."""
        left_out = self._admit(error, f"job {job}")
        if left_out is not None:
            await self.alert(self.job_text(error, job, left_out))


def error_alerts_of(bot_data: dict[Any, Any]) -> ErrorAlerts:
    alerts = bot_data[ERROR_ALERTS_KEY]
    assert isinstance(alerts, ErrorAlerts)
    return alerts
