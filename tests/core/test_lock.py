"""A second bot on the same database refuses to start instead of double-posting."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.lock import AlreadyRunning, InstanceLock


async def test_second_instance_is_refused_until_the_first_stops(database_url: str) -> None:
    first_db, second_db = Database(database_url), Database(database_url)
    first, second = InstanceLock(first_db), InstanceLock(second_db)
    await first.acquire()
    try:
        with pytest.raises(AlreadyRunning, match="already running"):
            await second.acquire()
    finally:
        await first.release()
    await second.acquire()  # free again once the first let go
    await second.release()
    await first_db.dispose()
    await second_db.dispose()
