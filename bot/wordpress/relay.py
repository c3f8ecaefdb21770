"""The relay's loop: approved comments from a persistent queue (the comments table) to the
site, retried with backoff, never doubled, and the admins told once when WordPress refuses
the relay's credentials.

Never doubled: a comment is leased by a conditional UPDATE before it is posted, so two relays
never post it at once; one posted but not recorded (a crash) is posted again after its lease
and WordPress answers 409 ``comment_duplicate``, which counts as done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiohttp

from bot.backoff import exponential
from bot.i18n import deferred
from bot.services.outbox import Outbox, notice
from bot.wordpress.client import Answer, WordPressClient, comment_body, post_id_from_guid, slug_of
from storage.db import Database
from storage.models import utcnow
from storage.repositories import comment_relay
from storage.repositories.comments import StoredComment

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 20
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# WordPress refuses a second comment from one account (or IP, or email) within 15 s
# (wp_throttle_comment_flood; measured on 6.1: 400 comment_flood) unless the account may
# moderate, and the relay's account may not.
FLOOD_WAIT = timedelta(seconds=16)


class Step(StrEnum):
    POSTED = "posted"
    RETRY = "retry"
    FAILED = "failed"
    CREDENTIALS = "credentials"  # failed, and the admins must hear of it
    FLOOD = "flood"  # WordPress wants 15 s between one account's comments: the batch waits


@dataclass(frozen=True, slots=True)
class Judged:
    step: Step
    reason: str


def judge(answer: Answer) -> Judged:
    """What WordPress's answer means for a comment (measured on WordPress 6.1, ISSUE-9)."""
    detail = f"{answer.status} {answer.code or ''}: {answer.message or ''}".strip()
    if answer.status == 201:
        return Judged(Step.POSTED, "created")
    if answer.status == 409:
        return Judged(Step.POSTED, "duplicate: already on the site")
    if answer.status == 401:
        return Judged(Step.CREDENTIALS, detail)
    if answer.code == "comment_flood":
        return Judged(Step.FLOOD, detail)
    if answer.status in (400, 403, 404):  # content refused; comments closed, draft, no post
        return Judged(Step.FAILED, detail)
    return Judged(Step.RETRY, detail)  # network errors (0), 5xx, 429, anything unexpected


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour: a site down for a day is tried 30-odd times."""
    seconds = exponential(
        attempts, base=BACKOFF_BASE.total_seconds(), cap=BACKOFF_CAP.total_seconds()
    )
    return timedelta(seconds=seconds)


class Relay:
    def __init__(
        self,
        database: Database,
        client: WordPressClient,
        outbox: Outbox,
        *,
        author_email: str,
        admin_chat_id: int | None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._client = client
        self._outbox = outbox
        self._email = author_email
        self._admin_chat_id = admin_chat_id
        self._clock = clock

    async def run_once(self) -> int:
        """Post every due comment once; the number handled."""
        now = self._clock()
        async with self._database.session() as session:
            due = await comment_relay.claim_relay(session, now, LEASE, BATCH)
        if not due:
            return 0
        async with aiohttp.ClientSession() as http:
            for position, comment in enumerate(due):
                if await self._relay(http, comment) is Step.FLOOD:
                    await self._later(due[position + 1 :])
                    break
        return len(due)

    async def _later(self, comments: list[StoredComment]) -> None:
        """Back on the queue after WordPress's flood interval, without counting an attempt."""
        due = self._clock() + FLOOD_WAIT
        async with self._database.session() as session:
            for comment in comments:
                await comment_relay.relay_later(session, comment.id, due)

    async def _relay(self, http: aiohttp.ClientSession, comment: StoredComment) -> Step:
        post_id = post_id_from_guid(comment.article.guid)
        if post_id is None:
            slug = slug_of(comment.article.url) if comment.article.url else None
            post_id = None if slug is None else await self._client.find_post(http, slug)
        if post_id is None:
            answer = Answer(0, "post_unknown", None)
            judged = Judged(Step.FAILED, "the site has no post for this article")
        else:
            body = comment_body(post_id, comment.author_name, comment.text, self._email)
            answer = await self._client.post_comment(http, body)
            judged = judge(answer)
        async with self._database.session() as session:
            match judged.step:
                case Step.POSTED:
                    await comment_relay.relay_posted(
                        session, comment.id, wp_comment_id=answer.comment_id,
                        wp_status=answer.comment_status or "duplicate",
                    )  # fmt: skip
                case Step.RETRY:
                    due = self._clock() + backoff(comment.relay_attempts + 1)
                    await comment_relay.relay_retry(session, comment.id, judged.reason, due)
                case Step.FLOOD:
                    await comment_relay.relay_later(session, comment.id, self._clock() + FLOOD_WAIT)
                case Step.FAILED | Step.CREDENTIALS:
                    await comment_relay.relay_failed(session, comment.id, judged.reason)
        log.info("relay of comment %s: %s (%s)", comment.id, judged.step, judged.reason)
        if judged.step is Step.CREDENTIALS:
            await self._credentials_refused()
        return judged.step

    async def _credentials_refused(self) -> None:
        log.error("WordPress refused the relay's credentials (401); comments are not relayed")
        if self._admin_chat_id is None:
            return
        # One alert a day, not one per comment: the ref deduplicates.
        day = self._clock().date().isoformat()
        await self._outbox.notify(
            [self._admin_chat_id],
            notice(deferred("wordpress.auth_failed")),
            ref=f"wordpress-auth:{day}",
        )
