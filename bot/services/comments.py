"""Reader comments, from a message to a stored comment: which article a message comments on,
the 💬 prompt, the rules' verdict, the card for the moderators, ``/name``.

The four ways in (ISSUE-9) end in :meth:`Comments.receive`: a reply to an article message the
bot sent, the answer to a 💬 or deep-link prompt, and a reply in a channel's discussion group
to the automatic forward of the bot's channel post.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import comment_rules
from bot.services.comment_rules import DAY, CommentRules, Earlier, History, Verdict
from bot.services.moderation import Moderation, Publisher
from storage.db import Database
from storage.enums import CommentSource, CommentStatus
from storage.models import utcnow
from storage.repositories import bans
from storage.repositories import comments as repo
from storage.repositories.comments import ArticleBrief, StoredComment
from storage.repositories.serial import Space, serialize

log = logging.getLogger(__name__)

PROMPT_TTL = timedelta(minutes=10)
EXPIRED_GRACE = timedelta(hours=1)  # after that, a message is no longer taken as the answer
PAGE_SIZE = 5  # approved comments per page of an article's list


class Opening(StrEnum):
    """What tapping 💬 under an article leads to."""

    PROMPT = "prompt"  # the article exists: ask for the comment
    ARTICLE_GONE = "article_gone"  # a stale button: the article is no longer stored


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an article's approved comments, newest first."""

    article: ArticleBrief
    total: int
    number: int  # from 0
    comments: tuple[StoredComment, ...]

    @property
    def has_newer(self) -> bool:
        return self.number > 0

    @property
    def has_older(self) -> bool:
        return (self.number + 1) * PAGE_SIZE < self.total


@dataclass(frozen=True, slots=True)
class Invitation:
    opening: Opening
    article: ArticleBrief | None = None
    first_page: Page | None = None  # None when the article has no approved comment yet


@dataclass(frozen=True, slots=True)
class Writer:
    """The person behind a message: their Telegram identity, never an email or phone."""

    user_id: int
    chat_id: int
    first_name: str
    last_name: str | None = None

    @property
    def telegram_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p).strip() or "—"


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message that may be a comment. ``text`` is None for a photo, sticker…"""

    writer: Writer
    text: str | None
    replied_to: int | None = None  # the bot's message it replies to (private chats)
    # A discussion group's reply: the forward's message id there, and the channel post it is.
    thread_message: int | None = None
    channel_post: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Received:
    verdict: Verdict
    comment_id: int | None = None
    params: dict[str, int] = field(default_factory=dict)  # for the reader's message


class NameChange(StrEnum):
    SET = "set"
    CLEARED = "cleared"
    SHOWN = "shown"
    INVALID = "invalid"


# A refused shape leaves the prompt open: the reader fixes the text and sends it again.
_KEEPS_PROMPT = (Verdict.NOT_TEXT, Verdict.TOO_SHORT, Verdict.TOO_LONG)


class Comments:
    def __init__(
        self,
        database: Database,
        moderation: Moderation,
        publisher: Publisher,
        rules: CommentRules | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._moderation = moderation
        self._publisher = publisher
        self.rules = rules or CommentRules()
        self._clock = clock
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    # ----------------------------------------------------------------------- ways in

    async def invite(self, user_id: int, article_id: int, source: CommentSource) -> Invitation:
        """💬 or a deep link: open a prompt for ``article_id`` and say what to show."""
        async with self._database.session() as session:
            article = await repo.article(session, article_id)
            if article is None:
                return Invitation(Opening.ARTICLE_GONE)
            await repo.open_prompt(session, user_id, article_id, source, self._clock() + PROMPT_TTL)
            total, latest = await repo.approved_for(session, article_id, PAGE_SIZE)
        page = Page(article, total, 0, tuple(latest)) if total else None
        return Invitation(Opening.PROMPT, article, page)

    async def page(self, article_id: int, number: int) -> Page | None:
        """Page ``number`` of the article's approved comments; None if the article is gone."""
        number = max(number, 0)
        async with self._database.session() as session:
            article = await repo.article(session, article_id)
            if article is None:
                return None
            total, found = await repo.approved_for(
                session, article_id, PAGE_SIZE, offset=number * PAGE_SIZE
            )
        return Page(article, total, number, tuple(found))

    async def cancel(self, user_id: int) -> bool:
        """/cancel: close the reader's prompt; whether one was open."""
        async with self._database.session() as session:
            return await repo.drop_prompt(session, user_id, self._clock())

    async def record_forward(
        self, group_chat_id: int, group_message_id: int, channel_post: tuple[int, int]
    ) -> bool:
        """The automatic forward of a channel post into its discussion group: remember the
        thread if the post is one of our articles."""
        channel, post = channel_post
        async with self._database.session() as session:
            article_id = await repo.article_of_message(session, channel, post)
            if article_id is None:
                return False
            return await repo.record_thread(
                session, article_id, channel_chat_id=channel, group_chat_id=group_chat_id,
                group_message_id=group_message_id, now=self._clock(),
            )  # fmt: skip

    async def receive(self, incoming: Incoming) -> Received | None:
        """Judge and store a comment; None when the message comments on no article (it is
        then not the comments' business: the fallbacks answer it)."""
        # One reader's messages are judged one at a time: updates are handled concurrently,
        # and six sent at once would otherwise all see "four in the last minute". The lock
        # covers this process; the transaction's lock below covers several on PostgreSQL
        # (webhook updates of one reader can reach different processes).
        lock = self._locks.setdefault(incoming.writer.user_id, asyncio.Lock())
        async with lock:
            return await self._receive(incoming)

    async def _receive(self, incoming: Incoming) -> Received | None:
        writer = incoming.writer
        async with self._database.session() as session:
            target = await self._target(session, incoming)
        if target is None:
            return Received(Verdict.PROMPT_EXPIRED) if await self._expired(incoming) else None
        article_id, source = target
        now = self._clock()
        async with self._database.session() as session:
            await serialize(session, Space.READER_COMMENT, str(writer.user_id))
            banned = await bans.is_banned(session, writer.user_id, now)
            approved, recent = await repo.history(session, writer.user_id, now - DAY)
            history = History(banned, approved, tuple(Earlier(at, text) for at, text in recent))
            judgement = comment_rules.judge(incoming.text, history, now, self.rules)
            verdict = judgement.verdict
            if source in (CommentSource.BUTTON, CommentSource.DEEP_LINK) and (
                verdict not in _KEEPS_PROMPT
            ):
                await repo.drop_prompt(session, writer.user_id, now)
            comment_id = None
            if verdict in (Verdict.HELD, Verdict.APPROVED):
                name = await repo.pseudonym_of(session, writer.user_id) or writer.telegram_name
                comment_id = await repo.add(
                    session, article_id=article_id, user_id=writer.user_id,
                    chat_id=writer.chat_id, author_name=name, text=judgement.text,
                    source=source, held_because=judgement.held_because,
                    status=CommentStatus.APPROVED if verdict is Verdict.APPROVED
                    else CommentStatus.PENDING,
                    now=now,
                )  # fmt: skip
            stored = None if comment_id is None else await repo.get(session, comment_id)
        if verdict is Verdict.BLOCKED:
            log.info("comment by user %s refused by the block list", writer.user_id)
        if stored is not None and verdict is Verdict.HELD:
            await self._moderation.card_for_moderators(stored)
        elif stored is not None:
            await self._publisher.approved(stored, tell_author=False)
        return Received(verdict, comment_id, self._params(verdict, incoming.text))

    async def _target(
        self, session: AsyncSession, incoming: Incoming
    ) -> tuple[int, CommentSource] | None:
        writer = incoming.writer
        if incoming.thread_message is not None:
            article_id = await repo.article_of_thread(
                session, writer.chat_id, incoming.thread_message
            )
            if article_id is None and incoming.channel_post is not None:
                # The forward can reach us before the sender recorded the post's message id
                # (outcomes are written in batches): learn the thread from its first reply.
                channel, post = incoming.channel_post
                article_id = await repo.article_of_message(session, channel, post)
                if article_id is not None:
                    await repo.record_thread(
                        session, article_id, channel_chat_id=channel,
                        group_chat_id=writer.chat_id, group_message_id=incoming.thread_message,
                        now=self._clock(),
                    )  # fmt: skip
            return None if article_id is None else (article_id, CommentSource.DISCUSSION)
        if incoming.replied_to is not None:
            article_id = await repo.article_of_message(session, writer.chat_id, incoming.replied_to)
            if article_id is not None:
                return article_id, CommentSource.REPLY
        if writer.chat_id != writer.user_id:
            return None  # prompts are answered in the reader's private chat only
        return await repo.peek_prompt(session, writer.user_id, self._clock())

    async def _expired(self, incoming: Incoming) -> bool:
        """The reader answers a prompt that expired a little while ago: say so, rather than
        "not understood", so they know to tap 💬 again."""
        writer = incoming.writer
        if writer.chat_id != writer.user_id:
            return False
        async with self._database.session() as session:
            return await repo.expired_prompt(session, writer.user_id, self._clock(), EXPIRED_GRACE)

    def _params(self, verdict: Verdict, text: str | None) -> dict[str, int]:
        match verdict:
            case Verdict.TOO_SHORT:
                return {"min": comment_rules.MIN_LENGTH}
            case Verdict.TOO_LONG:
                size = comment_rules.length(comment_rules.normalise(text or ""))
                return {"max": comment_rules.MAX_LENGTH, "length": size}
            case Verdict.PER_MINUTE:
                return {"limit": self.rules.per_minute}
            case Verdict.PER_DAY:
                return {"limit": self.rules.per_day}
            case _:
                return {}

    # ------------------------------------------------------------------------ /name

    async def name(
        self, user_id: int, argument: str | None, telegram_name: str
    ) -> tuple[NameChange, str]:
        """/name: show, set or clear (``-``) the pseudonym; the name comments now carry."""
        now = self._clock()
        async with self._database.session() as session:
            if argument is None or not argument.strip():
                current = await repo.pseudonym_of(session, user_id)
                return NameChange.SHOWN, current or telegram_name
            if argument.strip() == "-":
                await repo.set_pseudonym(session, user_id, None, now)
                return NameChange.CLEARED, telegram_name
            chosen = comment_rules.pseudonym(argument)
            if chosen is None:
                return NameChange.INVALID, telegram_name
            await repo.set_pseudonym(session, user_id, chosen, now)
            return NameChange.SET, chosen
