"""The webhook benchmark runs end to end: every POSTed update is accepted and answered."""

from __future__ import annotations

from benchmarks.webhook import main


async def test_every_posted_update_is_accepted_and_answered() -> None:
    result = await main(updates=20, send_rate=1000)
    assert result["updates"] == 20
    assert result["webhook_updates_per_s"] > 0 and result["webhook_accept_per_s"] > 0
