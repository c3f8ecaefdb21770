"""A second bot on the same database refuses to start instead of double-posting."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.lock import AlreadyRunning, InstanceLock
from tests.e2e.tcpproxy import TcpProxy


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


async def test_releasing_a_lock_whose_server_went_away_does_not_fail(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    real = make_url(postgres_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    await proxy.start()
    database = Database(real.set(port=proxy.port, host="127.0.0.1").render_as_string(False))
    lock = InstanceLock(database)
    await lock.acquire()
    await proxy.stop()  # the lock's connection dies with the server
    await lock.release()  # the stop sequence goes on
    assert not lock.held
    assert "connection lost" in caplog.text
    await database.dispose()
