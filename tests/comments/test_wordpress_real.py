"""The relay against a real WordPress 6.1 (set up by ``.ci/wordpress``; CI runs these).

Skipped, saying why, when ``NEWSBOT_TEST_WORDPRESS`` (the JSON file ``.ci/wordpress`` prints)
is not set. Every comment text is new per run: WordPress remembers comments across runs.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.services.outbox import Outbox
from bot.wordpress.client import WordPressClient, comment_body
from bot.wordpress.relay import Relay
from storage.db import Database
from storage.enums import CommentSource, CommentStatus, RelayStatus
from storage.models import Article, Comment, Feed
from storage.repositories import comment_relay
from storage.repositories import comments as repo

EMAIL = "telegram@kontumtv.vn"


@pytest.fixture
def site() -> dict[str, Any]:
    path = os.environ.get("NEWSBOT_TEST_WORDPRESS")
    if not path or not Path(path).is_file():
        pytest.skip("NEWSBOT_TEST_WORDPRESS is not set: run .ci/wordpress (needs WordPress 6.1)")
    data: dict[str, Any] = json.loads(Path(path).read_text())
    return data


def client_of(site: dict[str, Any], password: str | None = None) -> WordPressClient:
    return WordPressClient(site["url"], site["user"], SecretStr(password or site["password"]))


async def approved_comment(database: Database, guid: str, url: str, text: str) -> int:
    now = datetime.now(UTC)
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
        await session.flush()
        session.add(Article(id=1, feed_id=1, guid=guid, url=url, title="Bài kiểm thử",
                            published_at=now, content_hash="h"))  # fmt: skip
        await session.flush()
        comment_id = await repo.add(
            session, article_id=1, user_id=1001, chat_id=1001, author_name="Lan",
            text=text, source=CommentSource.REPLY, status=CommentStatus.APPROVED,
            held_because=None, now=now,
        )  # fmt: skip
        await comment_relay.queue_relay(session, comment_id, now)
    return comment_id


async def relayed(database: Database, client: WordPressClient, comment_id: int) -> Comment:
    relay = Relay(database, client, Outbox(database), author_email=EMAIL, admin_chat_id=-100777)
    assert await relay.run_once() == 1
    async with database.session() as session:
        stored = await session.get(Comment, comment_id)
        assert stored is not None
        return stored


def fresh(text: str = "Bình luận <b>thử</b> & <script>alert(1)</script>") -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


async def test_a_good_comment_is_created_and_held_then_the_same_is_a_duplicate(
    database: Database, site: dict[str, Any]
) -> None:
    text = fresh()
    comment_id = await approved_comment(database, site["post_guid"], site["post_guid"], text)
    stored = await relayed(database, client_of(site), comment_id)
    assert stored.relay_status is RelayStatus.POSTED, stored.relay_error
    assert stored.wp_status == "hold" and stored.wp_comment_id is not None
    async with aiohttp.ClientSession() as http:
        again = await client_of(site).post_comment(
            http, comment_body(site["post_id"], "Lan", text, EMAIL)
        )
    assert (again.status, again.code) == (409, "comment_duplicate")


async def test_a_post_whose_guid_is_its_permalink_is_found_by_slug(
    database: Database, site: dict[str, Any]
) -> None:
    guid, url = site["permalink_post_guid"], site["permalink_post_url"]
    comment_id = await approved_comment(database, guid, url, fresh())
    stored = await relayed(database, client_of(site), comment_id)
    assert stored.relay_status is RelayStatus.POSTED, stored.relay_error


async def test_a_wrong_password_is_401_and_the_comment_fails(
    database: Database, site: dict[str, Any]
) -> None:
    comment_id = await approved_comment(database, site["post_guid"], site["post_guid"], fresh())
    stored = await relayed(database, client_of(site, "aaaa bbbb cccc dddd eeee ffff"), comment_id)
    assert stored.relay_status is RelayStatus.FAILED
    assert (stored.relay_error or "").startswith("401 rest_comment_login_required")


async def test_what_wordpress_answers_for_a_missing_post_a_draft_and_empty_content(
    site: dict[str, Any],
) -> None:
    async with aiohttp.ClientSession() as http:
        client = client_of(site)
        missing = await client.post_comment(http, comment_body(999_999, "Lan", fresh(), EMAIL))
        unpublished = comment_body(site["draft_id"], "Lan", fresh(), EMAIL)
        draft = await client.post_comment(http, unpublished)
        empty = await client.post_comment(http, comment_body(site["post_id"], "Lan", "", EMAIL))
    assert (missing.status, missing.code) == (403, "rest_comment_invalid_post_id")
    assert (draft.status, draft.code) == (403, "rest_comment_draft_post")
    assert (empty.status, empty.code) == (400, "rest_comment_content_invalid")
