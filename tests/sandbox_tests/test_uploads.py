"""Sending files as Telegram takes them: uploads, file_id reuse, URLs up to 20 MB (sendVideo)."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest, NetworkError

from tests.sandbox import Sandbox
from tests.sandbox.upload_book import MB

CHAT = 1001
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096


def serve(sb: Sandbox, path: str, size: int, content_type: str = "video/mp4") -> str:
    sb.station.set(path, b"\x00" * size, content_type)
    return f"{sb.station_url}{path}"


async def test_an_upload_gets_a_file_id_that_later_sends_reuse(
    bot: telegram.Bot, sb: Sandbox
) -> None:
    sb.users([CHAT, 1002])
    first = await bot.send_video(CHAT, MP4, caption="<b>Bản tin</b> tối", parse_mode="HTML")
    assert first.video is not None and first.caption == "Bản tin tối"
    assert first.video.file_size == len(MP4)
    again = await bot.send_video(1002, first.video.file_id, caption="Bản tin tối")
    assert again.video is not None and again.video.file_id == first.video.file_id
    # One upload: the second message reused the file Telegram already had.
    assert [u.size for u in sb.core.media.uploads_of("video")] == [len(MP4)]


async def test_an_unknown_file_id_fails_with_telegrams_words(
    bot: telegram.Bot, sb: Sandbox
) -> None:
    sb.user(CHAT)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/HTTP URL specified"):
        await bot.send_video(CHAT, "BAACAgIAAxkBAAIBNmVideoNeverIssued")
    photo = await bot.send_photo(CHAT, b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Photo as Video"):
        await bot.send_video(CHAT, photo.photo[-1].file_id)
    assert sb.messages(CHAT)[-1].photo is not None  # nothing else was stored


async def test_a_url_is_fetched_up_to_20_mb(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(CHAT)
    small = serve(sb, "/wp-content/uploads/nho.mp4", 2 * MB)
    sent = await bot.send_video(CHAT, small)
    assert sent.video is not None and sent.video.file_size == 2 * MB
    big = serve(sb, "/wp-content/uploads/lon.mp4", 20 * MB + 1)
    with pytest.raises(BadRequest, match=r"(?i)failed to get HTTP URL content"):
        await bot.send_video(CHAT, big)
    with pytest.raises(BadRequest, match=r"(?i)failed to get HTTP URL content"):
        await bot.send_video(CHAT, f"{sb.station_url}/wp-content/uploads/khong-co.mp4")  # 404
    with pytest.raises(BadRequest, match=r"(?i)wrong type of the web page content"):
        await bot.send_video(CHAT, f"{sb.station_url}/?p=24866")  # an HTML page
    # Without internet the sandbox cannot fetch other hosts: it fails as Telegram would.
    with pytest.raises(BadRequest, match=r"(?i)failed to get HTTP URL content"):
        await bot.send_video(CHAT, "https://kontumtv.vn/wp-content/uploads/x.mp4")
    assert sb.core.media.uploads == []  # URLs are fetched, not uploads
    assert len(sb.messages(CHAT)) == 1


async def test_uploads_over_50_mb_are_refused_with_413(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(CHAT)
    sb.core.media.upload_limit = 1 * MB  # stands in for 50 MB without a 50 MB test body
    with pytest.raises(NetworkError, match=r"(?i)Request Entity Too Large"):
        await bot.send_video(CHAT, b"\x00" * (MB + 1))
    assert sb.core.media.uploads == [] and sb.messages(CHAT) == []


async def test_cover_and_uploaded_thumbnail(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(CHAT)
    image = serve(sb, "/wp-content/uploads/anh.jpg", 20_000, "image/jpeg")
    sent = await bot.send_video(
        CHAT, MP4, cover=image, thumbnail=b"\xff\xd8\xff\xe0" + b"\x00" * 50
    )
    stored = sb.messages(CHAT)[0].video
    assert stored is not None and stored["cover"][0]["file_size"] == 20_000
    assert "thumbnail" in stored
    assert sent.video is not None and sent.video.cover is not None
    # A thumbnail is "ignored if the file is not uploaded": by file_id it is not taken.
    await bot.send_video(CHAT, sent.video.file_id, thumbnail=b"\xff\xd8" + b"\x00" * 50)
    assert "thumbnail" not in (sb.messages(CHAT)[1].video or {})
    assert [u.field for u in sb.core.media.uploads] == ["video", "thumbnail"]
