"""In-process harness: the real application, polling a sandbox in the test's own event loop.

``async with running_bot(sb, database) as bot:`` builds the application exactly as the
composition root does (``bot.app.build_application``), starts long polling and the handlers,
and stops everything on exit. Handler behaviour is then tested as a user sees it, without a
subprocess: a test is milliseconds instead of a process start-up.

``bot.processed(...)`` waits until an update went through every handler group (including the
error handler), which is how a test proves that something did *not* get an answer.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, BaseHandler, TypeHandler

from bot.delivery.limiter import RateLimiter
from config import Settings
from storage.db import Database
from storage.models import Article, Feed
from tests.sandbox import Sandbox, SandboxUser, SentMessage
from tests.sandbox.core import CallbackQuery

# After every handler group of the bot: an update seen here has been fully handled.
_LAST_GROUP = 1_000_000
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_query_ids = itertools.count(4_400_000_000_000_000_001)


def harness_settings(sb: Sandbox, database: Database, **overrides: Any) -> Settings:
    """Settings for a bot on the sandbox; the environment and any ``.env`` file are ignored."""
    values: dict[str, Any] = {
        "telegram_token": sb.token,
        "telegram_api_url": sb.api_url,
        "database_url": database.url,
        "feeds": [f"{sb.station_url}/feed"],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class VirtualClock:
    """Monotonic time that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


def build(settings: Settings, database: Database) -> Application:  # type: ignore[type-arg]
    """The one place the harness asks the composition root for an application.

    Replies are paced as in production (one per second per chat: Telegram's limit), but on a
    virtual clock: three answers to one reader would otherwise cost a test two real seconds.
    The pacing itself is tested in tests/delivery.
    """
    from bot.app import build_application

    clock = VirtualClock()
    limiter = RateLimiter(rate=round(settings.send_rate), clock=clock, sleep=clock.sleep)
    return build_application(settings, database, limiter)


@dataclass
class BotHarness:
    sb: Sandbox
    database: Database
    settings: Settings
    application: Application  # type: ignore[type-arg]
    seen: list[Update] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def _record(self, update: Update, _context: object) -> None:
        self.seen.append(update)
        self._changed.set()

    async def processed(
        self,
        predicate: Callable[[Update], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API
    ) -> Update:
        """The first fully handled update matching ``predicate``, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        while True:
            for update in self.seen:
                if predicate(update):
                    return update
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching update handled within {timeout}s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                continue

    async def message_handled(self, sent: SentMessage, *, edited: bool = False) -> Update:
        """Wait until the user's message (or its edit) went through every handler."""

        def same(update: Update) -> bool:
            message = update.edited_message if edited else update.message
            return (
                message is not None
                and message.chat.id == sent.chat_id
                and message.message_id == sent.message_id
            )

        return await self.processed(same)

    async def query_handled(self, query_id: str) -> Update:
        return await self.processed(
            lambda u: u.callback_query is not None and u.callback_query.id == query_id
        )

    # --- what users do that the sandbox's players cannot ---------------------------------

    async def edit(self, user: SandboxUser, sent: SentMessage, text: str) -> None:
        """The user edits an old message of theirs into ``text`` (an ``edited_message``)."""
        world = self.sb.world
        sent.edit_history.append(sent.text)
        sent.text, sent.edit_date = text, int(time.time())
        sent.entities = [
            {"type": "bot_command", "offset": m.start(), "length": len(m.group())}
            for m in _COMMAND.finditer(text)
        ] or None
        world.updates.push("edited_message", world.message_json(sent))
        await asyncio.sleep(0)

    async def send_photo(
        self, user: SandboxUser, data: bytes, caption: str | None = None
    ) -> tuple[SentMessage, str]:
        """The user sends a photo (with a caption) in their private chat; returns the message
        and the photo's file_id, which the bot may send again (the sandbox knows it)."""
        from tests.sandbox.spec import Upload

        world, files = self.sb.world, self.sb.core.files
        stored = files.resolve("photo", Upload("photo", "photo.jpg", "image/jpeg", data), {})
        extra: dict[str, Any] = {"photo": files.media_json("photo", stored)}
        if caption is not None:
            extra["caption"] = caption
        chat = world.add_user(user.user) if user.id not in world.chats else world.chats[user.id]
        sent = world.user_message(user.user, chat, None, extra=extra)
        await asyncio.sleep(0)
        return sent, stored.file_id

    async def tap_data(self, user: SandboxUser, message: SentMessage, data: str) -> str:
        """A callback query with any ``data`` on a real message: a forged or outdated button."""
        world = self.sb.world
        query_id = str(next(_query_ids))
        self.sb.core.callback_queries[query_id] = CallbackQuery(
            query_id, user.id, message.chat_id, message.message_id, data, time.monotonic()
        )
        world.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": user.user.api(),
                "message": world.message_json(message),
                "chat_instance": str(abs(hash((message.chat_id, world.bot.id)))),
                "data": data,
            },
        )
        await asyncio.sleep(0)
        return query_id

    async def answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API
    ) -> dict[str, Any]:
        """What the bot answered to a tap (answerCallbackQuery's parameters)."""
        await self.sb.wait_until(lambda: self.sb.callback_answer(query_id) is not None, timeout)
        answer = self.sb.callback_answer(query_id)
        assert answer is not None
        return answer

    def unanswered_queries(self) -> list[str]:
        return [q.data for q in self.sb.core.callback_queries.values() if q.answer is None]

    # --- station content ------------------------------------------------------------------

    async def push_article(
        self,
        chat_id: int,
        article_id: int = 1,
        *,
        title: str = "Giá cà phê tăng, nông dân Đăk Hà phấn khởi",
        locale: str = "vi",
    ) -> SentMessage:
        """Store an article and send it to the chat as a push looks (the real renderer)."""
        from bot.delivery.render import ArticleView, render

        url = f"https://kontumtv.vn/tin-tuc/kinh-te/bai-{article_id}"
        published = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
        async with self.database.session() as session:
            if await session.get(Feed, 1) is None:
                session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
                await session.flush()
            session.add(
                Article(
                    id=article_id,
                    feed_id=1,
                    guid=f"https://kontumtv.vn/?p={article_id}",
                    url=url,
                    title=title,
                    summary="Nông dân huyện Đăk Hà phấn khởi chăm sóc vườn cà phê.",
                    published_at=published,
                    content_hash=f"h{article_id}",
                )
            )
        view = ArticleView(
            id=article_id,
            title=title,
            url=url,
            summary="",
            topics=(),
            published_at=published,
            image_url=None,
            revision=1,
        )
        rendered = render(view, locale=locale, with_image=False)
        await self.application.bot.send_message(
            chat_id, rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.reply_markup
        )
        return await self.sb.wait_for_message(chat_id)


@asynccontextmanager
async def running_bot(
    sb: Sandbox,
    database: Database,
    *,
    handlers: Sequence[BaseHandler[Any, Any, Any]] = (),
    **settings: Any,
) -> AsyncIterator[BotHarness]:
    """The bot's application polling ``sb``; ``handlers`` (test-only) run before the bot's."""
    config = harness_settings(sb, database, **settings)
    application = build(config, database)
    harness = BotHarness(sb, database, config, application)
    # Test-only handlers go first in the bot's own group, as a feature's handlers do: in a
    # group of their own the bot's fallbacks would answer the same update too.
    application.handlers.setdefault(0, [])[:0] = handlers
    application.add_handler(TypeHandler(Update, harness._record), group=_LAST_GROUP)
    # Updates arrive as in production: the runtime's update source (long polling).
    from bot.app import make_update_source

    source = make_update_source(application)
    await application.initialize()
    try:
        await application.start()
        await source.start()
        yield harness
    finally:
        await source.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
