"""The sender's books: every outcome counted, buffered and written in small batches, and what
a failed call means for its row and its chat.

An outcome is written soon after its call returns (``record_batch`` at a time), so a crash
repeats at most the sends in flight and those not yet written. A failed call's verdict
(``bot.delivery.outcome``) decides the row's outcome here, and what the sender remembers of
its chat for the rest of the batch: a 429 blocks the chat in the limiter, a chat that is gone
has its other rows cancelled, and a send that may have arrived (uncertain) gives the chat's
next call a longer read timeout and is counted if a resend then succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.delivery import ledger
from bot.delivery.ledger import Outcome, Result
from bot.delivery.limiter import RateLimiter
from bot.delivery.outcome import Action, Fate, Verdict, patience_after_uncertain
from bot.delivery.stall import StallAlarm
from storage.db import Database
from storage.repositories.deliveries import Claimed

log = logging.getLogger("bot.delivery.sender")  # the sender's log lines, as before the split


class Books:
    """Outcomes of one sender: counted in ``stats``, buffered in ``results``, written by
    :meth:`flush`; and the per-chat memory that outcomes leave behind."""

    def __init__(
        self,
        database: Database,
        limiter: RateLimiter,
        stall: StallAlarm,
        *,
        clock: Callable[[], datetime],
        read_timeout: Callable[[], float | None],
    ) -> None:
        self.database = database
        self.limiter = limiter
        self.stall = stall
        self.clock = clock
        self._read_timeout = read_timeout  # the transport's default, for the first doubling
        self.results: list[Outcome] = []  # recorded, not yet written
        self.stats: dict[str, int] = {}
        # Chats found unreachable during this batch: their other rows in it are cancelled, not
        # sent (later batches never see them: the chat's queue is cancelled when recorded).
        self.gone: dict[int, str] = {}
        # Rows whose last try was uncertain (maybe delivered): a later send may be a duplicate.
        self.uncertain: set[int] = set()
        # Read timeout for a chat's next call after an uncertain one (one call per chat at a
        # time, so the chat identifies the retry): a slow Telegram gets longer to answer.
        self.patience: dict[int, float] = {}

    def record(self, result: Outcome) -> None:
        """Count ``result`` and keep it for the next :meth:`flush`."""
        self.results.append(result)
        self.stats[result.kind] = self.stats.get(result.kind, 0) + 1
        if result.kind in (Result.SENT, Result.EDITED):
            self.stall.sent()
        elif result.kind is Result.RETRY and result.error:  # not a busy chat's deferral
            self.stall.failed(self.clock(), result.error)
        if result.kind is not Result.RETRY and self.patience:
            self.patience.pop(result.row.chat_id, None)
        if result.kind is not Result.RETRY and result.row.id in self.uncertain:
            self.uncertain.discard(result.row.id)
            if result.kind is Result.SENT:  # the earlier, uncertain try may have arrived too
                self.stats["resent_after_uncertain"] = (
                    self.stats.get("resent_after_uncertain", 0) + 1
                )

    async def flush(self) -> None:
        """Write the outcomes recorded so far, in one transaction."""
        if not self.results:
            return
        results, self.results = self.results, []
        now = self.clock()
        async with self.database.session() as session:
            await ledger.record(session, results, now=now)

    def after_error(self, row: Claimed, verdict: Verdict, revision: int = 0) -> Outcome:
        """The row's outcome after a failed call, and what it means for the row's chat."""
        if verdict.fate is not None:
            self.stats[verdict.fate] = self.stats.get(verdict.fate, 0) + 1
            if verdict.fate is Fate.UNCERTAIN:
                log.warning(
                    "delivery %s to %s: %s",
                    row.id,
                    row.chat_id,
                    verdict.reason,
                    extra=ledger.ids(row),
                )
                self.uncertain.add(row.id)
                patience = patience_after_uncertain(
                    self.patience.get(row.chat_id), self._read_timeout()
                )
                if patience is not None:
                    self.patience[row.chat_id] = patience
        match verdict.action:
            case Action.WAIT_CHAT:  # a 429: counted for /metrics
                self.stats["rate_limited"] = self.stats.get("rate_limited", 0) + 1
                self.limiter.block_chat(row.chat_id, verdict.delay_s)
                # Recorded (the station sees why the row waits) but not held against the message.
                return Outcome(
                    row,
                    Result.RETRY,
                    error=verdict.reason,
                    delay_s=verdict.delay_s,
                    count_attempt=False,
                )
            case Action.MIGRATE:
                return Outcome(
                    row, Result.MIGRATED, new_chat_id=verdict.new_chat_id, error=verdict.reason
                )
            case Action.GONE:
                self.gone[row.chat_id] = verdict.reason
                return Outcome(row, Result.GONE, error=verdict.reason)
            case Action.RETRY:
                return Outcome(row, Result.RETRY, error=verdict.reason, delay_s=verdict.delay_s)
            case Action.FAIL | Action.DONE | Action.PLAIN_TEXT | Action.NO_PHOTO:
                # DONE and the fallbacks are handled by the callers; here they end the row.
                return Outcome(row, Result.FAILED, error=verdict.reason, revision=revision)
