"""`newsbot feed preview` on every odd feed: one JSON array or one line of error, never a
traceback or a hang. Every feed through the CLI's `main` in-process; the most hostile ones
through the real command in subprocesses as well (a hang or a crash of the interpreter)."""

from __future__ import annotations

import asyncio
import logging
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.conftest import REPO
from tests.feeds.conftest import PREVIEW_KEYS
from tests.feeds.odd_feeds import ODD_FEEDS, OddFeed
from tests.ingest.test_preview_cli import cli_env, one_json_array

# Generous: the machine running the suite is shared; a hang is minutes, not seconds.
TIMEOUT_S = 90


async def _preview(path: Path, home: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "feed",
        "preview",
        str(path),
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=cli_env(home),
        cwd=REPO,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"{path.name}: no answer in {TIMEOUT_S} s") from None
    assert process.returncode is not None
    return process.returncode, stdout.decode("utf-8"), stderr.decode("utf-8")


def _check(feed: OddFeed, code: int, stdout: str, stderr: str) -> None:
    where = f"{feed.name}: exit {code}, stderr {stderr!r}"
    assert "Traceback" not in stderr, where
    if code != 0:
        assert code == 2 and stdout == "", where
        assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("newsbot: "), where
        assert feed.items is None, where
        return
    items = one_json_array(stdout)
    assert all(set(item) == PREVIEW_KEYS for item in items), where
    assert all(line.startswith("newsbot: skipped ") for line in stderr.splitlines()), where
    if feed.items is not None:
        assert len(items) == feed.items, where
        assert set(feed.titles) <= {item["title"] for item in items}, where
    for item in items:
        assert item["title"] and unicodedata.is_normalized("NFC", item["title"]), where
        assert item["url"] is None or item["url"].startswith(("http://", "https://")), where


HOSTILE = ("garbage-5mb", "billion-laughs", "ill-formed")


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`main` sets up logging for a process; give the test process its own back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("feed", ODD_FEEDS, ids=[f.name for f in ODD_FEEDS])
def test_every_odd_feed_ends_in_json_or_one_line(
    feed: OddFeed,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    root_logging: None,
) -> None:
    for name, value in cli_env(str(tmp_path)).items():
        if name.startswith("NEWSBOT_"):
            monkeypatch.setenv(name, value)
    path = tmp_path / f"{feed.name}.xml"
    path.write_bytes(feed.body)
    code = main(["feed", "preview", str(path), "--json"])
    out = capsys.readouterr()
    _check(feed, code, out.out.rstrip("\n") if code else out.out, out.err)


async def test_hostile_feeds_through_the_real_command(tmp_path: Path) -> None:
    feeds = [feed for feed in ODD_FEEDS if feed.name in HOSTILE]

    async def run(feed: OddFeed) -> None:
        path = tmp_path / f"{feed.name}.xml"
        path.write_bytes(feed.body)
        _check(feed, *await _preview(path, str(tmp_path)))

    await asyncio.gather(*(run(feed) for feed in feeds))
