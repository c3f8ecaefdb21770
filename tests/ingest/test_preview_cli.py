"""`newsbot feed preview` as an admin runs it: the real CLI in a subprocess, no token."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
import unicodedata
from typing import Any

from tests.conftest import REPO
from tests.feeds.conftest import PREVIEW_KEYS
from tests.sandbox import Sandbox

FIXTURE = "tests/fixtures/station/kontumtv-feed.xml"
SENTENCE_END = re.compile(r"[.!?…][\"”’»)]?$")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
CAPTIONS = (
    "Hội nghị sơ kết 5 năm thực hiện hướng dẫn số 35 của Trung ương",
    "Nông dân xã Hà Mòn chăm sóc vườn cà phê",
    "Quang cảnh kỳ họp",
)
BYLINES = (
    "CTV Trung Kiên",
    "Thu Hà – Minh Đức",
    "Tin, ảnh: Hồng Nhung",
    "Lan Anh",
    "Quốc Việt",
    "Minh Phượng (thực hiện)",
    "Văn Tuấn",
)
EXCERPT_ONLY = (
    "https://kontumtv.vn/tin-tuc/giao-thong/sat-lo-tren-quoc-lo-24-doan-qua-huyen-kon-plong"
)
VIDEO = "https://kontumtv.vn/video-clip/thoi-su/ban-tin-thoi-su-toi-04-7-2014"
VIDEO_FILE = "https://kontumtv.vn/wp-content/uploads/2014/07/thoi-su-04-07-2014.mp4"


def cli_env(tmp: str) -> dict[str, str]:
    """A clean environment: no Telegram token, no database, nothing from the developer."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "HOME": tmp,
        "NEWSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/unused.db",
    }


def one_json_array(stdout: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    text = stdout.strip()
    items, end = decoder.raw_decode(text)
    assert end == len(text), f"more than one JSON value on stdout: {text[end:][:200]!r}"
    assert isinstance(items, list)
    return items


def check_items(items: list[dict[str, Any]]) -> None:
    assert len(items) == 10
    assert [set(item) for item in items] == [PREVIEW_KEYS] * 10
    published = [item["published"] for item in items]
    assert published == sorted(published, reverse=True), "not newest first"
    assert items[0]["title"] == "Bản tin Thời sự tối 04/7/2014"
    for item in items:
        summary: str = item["summary"]
        where = f"{item['url']}: {summary!r}"
        assert summary, where
        assert "(kontumtv.vn)" not in summary, where
        assert "[…]" not in summary and "[...]" not in summary and "[&" not in summary, where
        assert not ENTITY.search(summary) and html.unescape(summary) == summary, where
        assert "  " not in summary and summary == summary.strip(), where
        assert SENTENCE_END.search(summary), where
        assert len(summary) <= 400, where
        assert not any(caption in summary for caption in CAPTIONS), where
        assert not any(summary.endswith(byline) for byline in BYLINES), where
        assert not any(f". {byline}." in summary for byline in BYLINES), where
        for value in (summary, item["title"], *item["topics"]):
            assert unicodedata.is_normalized("NFC", value), where
        assert item["topics"] and all(isinstance(t, str) and t for t in item["topics"]), where
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["published"]), where
    by_url = {item["url"]: item for item in items}
    assert by_url[EXCERPT_ONLY]["summary"].startswith("Mưa lớn kéo dài trong đêm 2/7")
    assert by_url[EXCERPT_ONLY]["summary"].endswith("hạn chế đi lại qua khu vực này.")
    assert by_url[VIDEO]["summary"] == (
        "Bản tin Thời sự tối ngày 04/7/2014 của Đài Phát thanh – Truyền hình Kon Tum."
    )
    assert by_url[VIDEO]["topics"] == ["Video clip", "Thời sự"]
    # The bulletin is pushed as a Telegram video: the preview shows which file (the station's
    # enclosure, the same file as its player iframe); the other items have none.
    assert by_url[VIDEO]["video"] == VIDEO_FILE
    assert [item["url"] for item in items if item["video"]] == [VIDEO]


def test_preview_of_the_station_feed_file_prints_one_clean_json_array(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "feed", "preview", FIXTURE, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(str(tmp_path)),
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    items = one_json_array(result.stdout)
    check_items(items)
    assert "Traceback" not in result.stderr


def test_the_readable_preview_of_the_station_feed_names_the_bulletins_video(tmp_path: Any) -> None:
    """The station's real feed file (a copy of /work/shared/station/kontumtv-feed.xml), as an
    admin reads it without --json: the bulletin's block names its video, no other does."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "feed", "preview", FIXTURE],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(str(tmp_path)),
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 10
    assert blocks[0].startswith("1. Bản tin Thời sự tối 04/7/2014")
    assert f"Video: {VIDEO_FILE}" in [line.strip() for line in blocks[0].splitlines()]
    assert not any("Video:" in block for block in blocks[1:])


async def test_preview_of_the_sandbox_station_url_works_without_a_token(tmp_path: Any) -> None:
    async with Sandbox() as sb:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "feed",
            "preview",
            f"{sb.station_url}/feed",
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=cli_env(str(tmp_path)),
            cwd=REPO,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        check_items(one_json_array(stdout.decode("utf-8")))
        assert len(sb.station.requests_to("/feed")) == 1
        # An admin previewing a broken URL gets one line, not a traceback.
        sb.station.fail("/feed", "html")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "feed",
            "preview",
            f"{sb.station_url}/feed",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=cli_env(str(tmp_path)),
            cwd=REPO,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 2
        assert stdout == b""
        assert "not a feed" in stderr.decode() and "Traceback" not in stderr.decode()
