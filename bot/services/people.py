"""People who talk to the bot: remembered so owners can name them by @username."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.models import KnownUser, utcnow
from storage.repositories import people

# Recently seen people whose stored name is known to be current: a reader's every message
# would otherwise be a write. 10,000 entries are ~2 MB and cover a station's daily readers.
CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    username: str | None = None
    full_name: str = ""

    @property
    def label(self) -> str:
        """How staff lists name someone: their name, then @username, else the id."""
        parts = [self.full_name] if self.full_name else []
        if self.username:
            parts.append(f"@{self.username}")
        return " ".join(parts) or str(self.user_id)


def _person(row: KnownUser) -> Person:
    return Person(row.user_id, row.username, row.full_name)


class People:
    """Remembers who talked to the bot (id, @username, name) and finds them again."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self._database = database
        self._clock = clock
        self._cache_size = cache_size
        self._current: OrderedDict[int, Person] = OrderedDict()

    async def seen(self, person: Person) -> None:
        """Store a person, unless this process stored exactly them recently."""
        if self._current.get(person.user_id) == person:
            self._current.move_to_end(person.user_id)
            return
        async with self._database.session() as session:
            await people.remember(
                session, person.user_id, username=person.username,
                full_name=person.full_name, now=self._clock(),
            )  # fmt: skip
        self._current[person.user_id] = person
        if len(self._current) > self._cache_size:
            self._current.popitem(last=False)

    async def by_username(self, username: str) -> Person | None:
        async with self._database.session() as session:
            row = await people.by_username(session, username)
        return None if row is None else _person(row)

    async def by_ids(self, user_ids: Collection[int]) -> dict[int, Person]:
        async with self._database.session() as session:
            rows = await people.by_ids(session, user_ids)
        return {user_id: _person(row) for user_id, row in rows.items()}
