"""The WordPress relay against the sandbox station: every answer behaves as ISSUE-9 says,
a failing site that recovers gets each comment once, and the password is never logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.services.comments import Comments, Incoming, Writer
from bot.services.moderation import Moderation, Publisher
from bot.services.outbox import Outbox
from bot.wordpress.client import Answer, WordPressClient, post_id_from_guid, slug_of
from bot.wordpress.relay import FLOOD_WAIT, Relay, Step, backoff, judge
from storage.db import Database
from storage.enums import CommentSource, MessageKind, ModerationAction, RelayStatus
from storage.models import Comment, Delivery
from tests.comments.helpers import ADMIN_CHAT, HOSTILE
from tests.sandbox import Sandbox
from tests.services.test_comments import Clock
from tests.services.test_subscriptions import seed_article

USER, PASSWORD = "telegram-relay", "abcd EFGH ijkl MNOP qrst UVWX"
EMAIL = "telegram@kontumtv.vn"


@dataclass
class World:
    sb: Sandbox
    database: Database
    clock: Clock
    comments: Comments
    moderation: Moderation
    relay: Relay

    async def approved(self, user_id: int, text: str, article_id: int = 7) -> int:
        await self.comments.invite(user_id, article_id, CommentSource.BUTTON)
        received = await self.comments.receive(Incoming(Writer(user_id, user_id, "Lan"), text))
        assert received is not None and received.comment_id is not None
        await self.moderation.decide(
            received.comment_id, ModerationAction.APPROVE, moderator_id=9001, moderator_name="Mai"
        )
        return received.comment_id

    async def comment(self, comment_id: int) -> Comment:
        async with self.database.session() as session:
            found = await session.get(Comment, comment_id)
            assert found is not None
            return found


@asynccontextmanager
async def relay_world(
    database: Database, *, password: str = PASSWORD, site: str | None = None
) -> AsyncIterator[World]:
    async with Sandbox() as sb:
        sb.station.wp_users = {USER: PASSWORD}
        sb.station.comments_api.posts.add(7)
        await seed_article(database, 7)
        clock = Clock()
        outbox = Outbox(database, clock=clock)
        publisher = Publisher(outbox, relay_enabled=True)
        moderation = Moderation(database, outbox, publisher, admin_chat_id=ADMIN_CHAT, clock=clock)
        comments = Comments(database, moderation, publisher, clock=clock)
        client = WordPressClient(site or sb.station_url, USER, SecretStr(password))
        relay = Relay(database, client, outbox, author_email=EMAIL, admin_chat_id=ADMIN_CHAT,
                      clock=clock)  # fmt: skip
        yield World(sb, database, clock, comments, moderation, relay)


async def test_an_approved_comment_reaches_the_site_once_escaped(database: Database) -> None:
    async with relay_world(database) as w:
        comment_id = await w.approved(1001, HOSTILE)
        assert await w.relay.run_once() == 1
        assert await w.relay.run_once() == 0
        [posted] = w.sb.station.comments
        stored = await w.comment(comment_id)
    assert posted["post"] == 7 and posted["author_name"] == "Lan (Telegram)"
    assert posted["author_email"] == EMAIL
    assert posted["raw"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;"
    assert stored.relay_status is RelayStatus.POSTED
    assert (stored.wp_comment_id, stored.wp_status) == (posted["id"], "hold")


async def test_a_comment_posted_but_not_recorded_is_not_doubled(database: Database) -> None:
    async with relay_world(database) as w:
        comment_id = await w.approved(1001, "Bình luận gửi hai lần")
        await w.relay.run_once()
        async with database.session() as session:  # the crash: the outcome never written
            stored = await session.get(Comment, comment_id)
            assert stored is not None
            stored.relay_status, stored.relay_next_at = RelayStatus.QUEUED, w.clock()
        assert await w.relay.run_once() == 1
        stored = await w.comment(comment_id)
    assert len(w.sb.station.comments) == 1  # WordPress answered 409 the second time
    assert stored.relay_status is RelayStatus.POSTED and stored.wp_status == "duplicate"


async def test_a_site_that_fails_then_recovers_gets_each_comment_once(
    database: Database,
) -> None:
    async with relay_world(database) as w:
        comment_id = await w.approved(1001, "Trang web đang bảo trì")
        w.sb.station.fail("/wp-json/wp/v2/comments", "503", times=1)
        await w.relay.run_once()
        first = await w.comment(comment_id)
        assert first.relay_status is RelayStatus.QUEUED and "503" in (first.relay_error or "")
        assert await w.relay.run_once() == 0  # not due before its backoff
        w.sb.station.fail("/wp-json/wp/v2/comments", "reset", times=1)
        w.clock.now += timedelta(seconds=30)
        await w.relay.run_once()
        second = await w.comment(comment_id)
        assert second.relay_status is RelayStatus.QUEUED and second.relay_attempts == 2
        assert second.relay_next_at == w.clock.now + timedelta(minutes=1)
        # A restart: a new relay (new process) takes the persistent queue over.
        w.clock.now += timedelta(minutes=1)
        restarted = Relay(
            Database(database.url), WordPressClient(w.sb.station_url, USER, SecretStr(PASSWORD)),
            Outbox(database, clock=w.clock), author_email=EMAIL, admin_chat_id=None,
            clock=w.clock,
        )  # fmt: skip
        assert await restarted.run_once() == 1
        done = await w.comment(comment_id)
    assert done.relay_status is RelayStatus.POSTED and len(w.sb.station.comments) == 1


async def test_refused_credentials_fail_every_comment_and_tell_the_admins_once(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with relay_world(database, password="wrong pass word 1234") as w:
        ids = [await w.approved(1001, f"Bình luận số {n}") for n in range(3)]
        await w.relay.run_once()
        stored = [await w.comment(i) for i in ids]
        async with database.session() as session:
            alerts = (
                await session.scalars(
                    select(Delivery).where(
                        Delivery.message_kind == MessageKind.NOTICE,
                        Delivery.chat_id == ADMIN_CHAT,
                    )
                )
            ).all()
    assert [c.relay_status for c in stored] == [RelayStatus.FAILED] * 3
    assert all("401 incorrect_password" in (c.relay_error or "") for c in stored)
    assert len(alerts) == 1 and alerts[0].payload is not None
    assert "wordpress.auth_failed" in alerts[0].payload
    assert w.sb.station.comments == []
    for secret in ("wrong pass word 1234", PASSWORD):
        assert secret not in caplog.text


async def test_an_unknown_post_fails_with_the_reason(database: Database) -> None:
    async with relay_world(database) as w:
        await seed_article(database, 8)  # guid ?p=8: the site has no post 8
        comment_id = await w.approved(1001, "Bài không có trên trang", article_id=8)
        await w.relay.run_once()
        stored = await w.comment(comment_id)
    assert stored.relay_status is RelayStatus.FAILED
    assert "403 rest_comment_invalid_post_id" in (stored.relay_error or "")


async def test_an_unreachable_site_is_retried_not_failed(database: Database) -> None:
    async with relay_world(database, site="http://127.0.0.1:9") as w:
        comment_id = await w.approved(1001, "Mạng đang hỏng")
        await w.relay.run_once()
        stored = await w.comment(comment_id)
    assert stored.relay_status is RelayStatus.QUEUED and stored.relay_attempts == 1


@pytest.mark.parametrize(
    ("answer", "step"),
    [
        (Answer(201, None, None, 5, "hold"), Step.POSTED),
        (Answer(409, "comment_duplicate"), Step.POSTED),
        (Answer(401, "rest_comment_login_required"), Step.CREDENTIALS),
        (Answer(403, "rest_comment_invalid_post_id"), Step.FAILED),
        (Answer(403, "rest_comment_closed"), Step.FAILED),
        (Answer(400, "rest_comment_content_invalid"), Step.FAILED),
        (Answer(400, "comment_flood"), Step.FLOOD),
        (Answer(0, "network"), Step.RETRY),
        (Answer(500), Step.RETRY),
        (Answer(503), Step.RETRY),
    ],
)
def test_what_each_wordpress_answer_means(answer: Answer, step: Step) -> None:
    assert judge(answer).step is step


def test_backoff_doubles_and_is_capped_at_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == timedelta(hours=1)


def test_the_post_id_comes_from_the_guid_or_the_permalinks_slug() -> None:
    assert post_id_from_guid("https://kontumtv.vn/?p=24866") == 24866
    assert post_id_from_guid("https://kontumtv.vn/tin-tuc/bai-viet/") is None
    assert slug_of("https://kontumtv.vn/tin-tuc/kinh-te/gia-ca-phe/") == "gia-ca-phe"


async def test_wordpress_flood_protection_makes_the_batch_wait_not_fail(
    database: Database,
) -> None:
    async with relay_world(database) as w:
        ids = [await w.approved(1001, f"Duyệt cùng lúc {n}") for n in range(3)]
        w.sb.station.comments_api.flooding = True
        await w.relay.run_once()
        waiting = [await w.comment(i) for i in ids]
        posts = len(w.sb.station.requests_to("/wp-json/wp/v2/comments"))
        w.sb.station.comments_api.flooding = False
        w.clock.now += FLOOD_WAIT
        await w.relay.run_once()
        done = [await w.comment(i) for i in ids]
    assert posts == 1, "after a flood answer the rest of the batch is not even tried"
    assert [c.relay_status for c in waiting] == [RelayStatus.QUEUED] * 3
    assert [c.relay_attempts for c in waiting] == [0, 0, 0]
    assert [c.relay_status for c in done] == [RelayStatus.POSTED] * 3
    assert len(w.sb.station.comments) == 3


async def test_the_relay_runs_on_the_job_queue_only_when_configured(database: Database) -> None:
    from bot.handlers.comments import relay_comments
    from tests.harness import running_bot

    wordpress = {"wordpress_url": "https://kontumtv.vn", "wordpress_user": USER,
                 "wordpress_app_password": PASSWORD}  # fmt: skip
    async with Sandbox() as sb:
        async with running_bot(sb, database) as bot:
            assert bot.application.job_queue is not None
            assert bot.application.job_queue.get_jobs_by_name("wp-relay") == ()
        async with running_bot(sb, database, **wordpress) as bot:
            assert bot.application.job_queue is not None
            [job] = bot.application.job_queue.get_jobs_by_name("wp-relay")
            assert job.callback is relay_comments
