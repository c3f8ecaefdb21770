"""Reading on demand: /latest and /search, their argument rules and the search ranking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.news.folding import fold_query
from storage.db import Database
from storage.repositories import search
from storage.repositories.search import Headline

__all__ = [
    "DEFAULT_LATEST",
    "MAX_LATEST",
    "PAGE_SIZE",
    "Headline",
    "LatestProblem",
    "LatestRequest",
    "Reading",
    "ResultPage",
    "parse_latest",
    "search_words",
]

DEFAULT_LATEST = 5
MAX_LATEST = 10
PAGE_SIZE = 5
# A query is cut to this many folded characters (whole words) and words: it travels in the
# ◀ ▶ buttons' callback data, which Telegram caps at 64 bytes ("sp:<page>:" takes up to 8).
MAX_QUERY_CHARS = 48
MAX_WORDS = 8
# Only the start of a pasted essay is read: folding 5,000 characters to keep 48 is waste.
MAX_RAW_CHARS = 400
# Results are paged over the best 200 matches (40 pages): nobody reads further, and counting
# every hit of a word in most of 200,000 articles would cost more than the search itself.
CANDIDATES = 200
_NUMBER = re.compile(r"[0-9]{1,6}")


class LatestProblem(StrEnum):
    """Why a /latest argument was refused."""

    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True, slots=True)
class LatestRequest:
    count: int
    all_topics: bool = False


def parse_latest(args: list[str]) -> LatestRequest | LatestProblem:
    """``/latest``, ``/latest 3``, ``/latest all``; anything else is a problem to explain."""
    if not args:
        return LatestRequest(DEFAULT_LATEST)
    if len(args) > 1:
        return LatestProblem.NOT_A_NUMBER
    arg = args[0].strip().lower()
    if arg == "all":
        return LatestRequest(MAX_LATEST, all_topics=True)
    if arg.startswith("-") and _NUMBER.fullmatch(arg[1:]):
        return LatestProblem.OUT_OF_RANGE
    if not _NUMBER.fullmatch(arg):
        return LatestProblem.NOT_A_NUMBER if not arg.isdigit() else LatestProblem.OUT_OF_RANGE
    count = int(arg)
    if not 1 <= count <= MAX_LATEST:
        return LatestProblem.OUT_OF_RANGE
    return LatestRequest(count)


def search_words(raw: str) -> tuple[str, ...]:
    """A query as folded words: accents, case and every punctuation mark (quotes, ``*``, ``-``,
    ``:``) fall away, so nothing a reader types is query syntax. Capped in words and length."""
    words: list[str] = []
    used = 0
    for word in fold_query(raw[:MAX_RAW_CHARS]).split():
        if len(words) == MAX_WORDS or used + len(word) > MAX_QUERY_CHARS:
            if not words:  # one very long word is still a query, not an empty one: cut it
                words.append(word[:MAX_QUERY_CHARS])
            break
        words.append(word)
        used += len(word) + 1
    return tuple(words)


@dataclass(frozen=True, slots=True)
class ResultPage:
    """One page of search results; ``page`` counts from 0."""

    words: tuple[str, ...]
    page: int
    pages: int
    total: int
    hits: tuple[Headline, ...]

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


class Reading:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def latest(self, chat_id: int, request: LatestRequest) -> list[Headline]:
        """The newest headlines, in the chat's topics unless ``/latest all``."""
        async with self._database.session() as session:
            topics = None if request.all_topics else await search.followed_topics(session, chat_id)
            return await search.newest(session, request.count, topic_ids=topics)

    async def search(self, words: tuple[str, ...], page: int = 0) -> ResultPage | None:
        """One page of results for folded ``words``; None for a page past the end."""
        if page < 0 or page * PAGE_SIZE >= CANDIDATES:
            return None
        async with self._database.session() as session:
            hits, total = await search.ranked(
                session, words, offset=page * PAGE_SIZE, limit=PAGE_SIZE, cap=CANDIDATES
            )
        pages = max(1, -(-total // PAGE_SIZE))
        if page >= pages and page > 0:
            return None
        return ResultPage(words, page, pages, total, tuple(hits))
