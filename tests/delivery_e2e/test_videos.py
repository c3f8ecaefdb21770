"""Bulletins reach subscribers as playable videos: by URL up to 20 MB, by one upload and its
file_id above, and as today's text message with a link preview when neither can work.

A real Sender talks to the sandbox, which fetches URLs from its fake station (up to 20 MB),
takes multipart uploads (up to 50 MB) and counts them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.delivery.sender import SenderConfig
from bot.delivery.video import upload_limit_for
from storage.db import Database
from storage.enums import CommentMode
from storage.models import Article, Feed, VideoFile
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import (
    T0,
    FakeTime,
    add_channel,
    add_subscribers,
    assert_no_limbo,
    enqueue,
    seed_article,
    sender_on,
    settle,
)
from tests.sandbox import Sandbox
from tests.sandbox.spec import Upload
from tests.sandbox.upload_book import LOCAL_UPLOAD_LIMIT, MB
from tests.sandbox.uploads import TELEGRAM_AGENT

VIDEO_PATH = "/wp-content/uploads/2026/11/ban-tin-thoi-su-27-11.mp4"
COVER_PATH = "/wp-content/uploads/2026/11/ban-tin-thoi-su-27-11.jpg"
TITLE = "Bản tin Thời sự tối 27/11/2026"
SUMMARY = (
    "Bản tin Thời sự tối ngày 27/11 của Đài Phát thanh – Truyền hình Kon Tum. "
    "Tỉnh triển khai kế hoạch phòng chống rét cho đàn gia súc."
)


async def seed_bulletin(
    database: Database,
    sb: Sandbox,
    *,
    size: int | None,
    video_url: str | None = None,
    image: bool = True,
) -> str:
    """Article 1, a bulletin whose video (and cover) the station serves; its feed is the
    station's, so the station's host is the one a video may be downloaded from."""
    url = video_url or f"{sb.station_url}{VIDEO_PATH}"
    cover = f"{sb.station_url}{COVER_PATH}"
    sb.station.set(COVER_PATH, b"\xff\xd8\xff\xe0" + b"\x00" * 30_000, "image/jpeg")
    await seed_article(
        database, 1, title=TITLE, summary=SUMMARY, image_url=cover if image else None
    )
    async with database.session() as session:
        await session.execute(update(Feed).values(url=f"{sb.station_url}/feed"))
        await session.execute(
            update(Article).where(Article.id == 1).values(video_url=url, video_size=size)
        )
    return url


def serve_video(sb: Sandbox, size: int) -> None:
    sb.station.set(VIDEO_PATH, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12), "video/mp4")


def video_calls(sb: Sandbox) -> list[Any]:
    return [c.params["video"] for c in sb.calls if c.method == "sendVideo" and c.ok]


def downloads(sb: Sandbox, path: str = VIDEO_PATH) -> list[str]:
    """The bot's requests for the file (Telegram's own fetches by URL are not the bot's)."""
    return [
        r.method
        for r in sb.station.requests_to(path)
        if r.headers.get("User-Agent") != TELEGRAM_AGENT
    ]


async def stored_video(database: Database, url: str) -> VideoFile | None:
    async with database.session() as session:
        return await session.scalar(select(VideoFile).where(VideoFile.video_url == url))


def assert_bulletin_as_video(sb: Sandbox, chat: int) -> None:
    [message] = sb.messages(chat)
    assert message.method == "sendVideo" and message.video is not None, message
    assert message.caption is not None and message.caption.startswith(TITLE)
    assert "phòng chống rét" in message.caption
    assert message.video["cover"][0]["file_size"] == 30_004  # the article's image
    labels = [b.get("text") for b in message.buttons]
    assert "📖 Đọc bài" in labels


def assert_bulletin_as_text(sb: Sandbox, chat: int) -> None:
    [message] = sb.messages(chat)
    assert message.method == "sendPhoto" or message.method == "sendMessage", message
    assert message.video is None and TITLE in (message.content or "")


async def test_under_20_mb_plays_by_url_with_caption_and_cover(database: Database) -> None:
    fake = FakeTime()
    readers = [701, 702, 703]
    async with Sandbox() as sb:
        sb.users(readers)
        await add_subscribers(database, readers)
        serve_video(sb, 3 * MB)
        url = await seed_bulletin(database, sb, size=3 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        for chat in readers:
            assert_bulletin_as_video(sb, chat)
        # Telegram fetched it by URL once; the others got its file_id. The bot itself
        # neither downloaded nor uploaded anything.
        sent = video_calls(sb)
        assert sent[0] == url and len(set(sent[1:])) == 1 and sent[1] != url
        assert [u for u in sb.core.media.fetched if u.endswith(".mp4")] == [url]
        assert sb.core.media.uploads == [] and downloads(sb) == []
        known = await stored_video(database, url)
        assert known is not None and known.file_id and known.failure is None
    await assert_no_limbo(database)


async def test_over_20_mb_is_downloaded_once_uploaded_once_then_sent_by_file_id(
    database: Database,
) -> None:
    fake = FakeTime()
    readers = [711, 712, 713, 714, 715]
    async with Sandbox() as sb:
        sb.users(readers)
        await add_subscribers(database, readers)
        serve_video(sb, 25 * MB)
        url = await seed_bulletin(database, sb, size=25 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            assert sender.videos.downloads == 1
        for chat in readers:
            assert_bulletin_as_video(sb, chat)
        [upload] = sb.core.media.uploads_of("video")
        assert upload.size == 25 * MB
        assert downloads(sb) == ["GET"]
        sent = video_calls(sb)
        assert sum(isinstance(v, Upload) for v in sent) == 1
        assert sorted(v for v in sent if not isinstance(v, Upload)) == [upload.file_id] * 4
        known = await stored_video(database, url)
        assert known is not None and known.file_id == upload.file_id

        # A restart (a new sender, nothing in memory) and new readers: the stored file_id.
        await add_subscribers(database, [716, 717])
        sb.users([716, 717])
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake, owner="after-restart") as sender:
            await settle(sender, fake, database)
            assert sender.videos.downloads == 0
        for chat in (716, 717):
            assert_bulletin_as_video(sb, chat)
        assert len(sb.core.media.uploads_of("video")) == 1 and downloads(sb) == ["GET"]
    await assert_no_limbo(database)


async def test_a_blocked_first_recipient_does_not_cost_the_others_their_video(
    database: Database,
) -> None:
    fake = FakeTime()
    readers = [791, 792, 793]
    async with Sandbox() as sb:
        sb.users(readers)
        sb.block(791)  # the first row of the fan-out: its upload is refused with 403
        await add_subscribers(database, readers)
        serve_video(sb, 25 * MB)
        await seed_bulletin(database, sb, size=25 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        assert sb.messages(791) == []
        for chat in (792, 793):
            assert_bulletin_as_video(sb, chat)
        # The next recipient uploaded it; the last one got its file_id.
        assert len(sb.core.media.uploads_of("video")) == 1
    await assert_no_limbo(database)


async def test_size_unknown_is_asked_of_the_station_then_uploaded(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([721, 722])
        await add_subscribers(database, [721, 722])
        serve_video(sb, 21 * MB)
        await seed_bulletin(database, sb, size=None)  # the player iframe gives no size
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        for chat in (721, 722):
            assert_bulletin_as_video(sb, chat)
        assert downloads(sb) == ["HEAD", "GET"]
        assert len(sb.core.media.uploads_of("video")) == 1
    await assert_no_limbo(database)


async def test_over_50_mb_falls_back_to_the_text_message_with_its_preview(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([731, 732])
        await add_subscribers(database, [731, 732])
        url = await seed_bulletin(database, sb, size=60 * MB, image=False)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        for chat in (731, 732):
            [message] = sb.messages(chat)
            assert message.method == "sendMessage" and TITLE in (message.text or "")
            preview = message.link_preview_options or {}
            assert preview.get("url") == "https://kontumtv.vn/tin-tuc/kinh-te/bai-1"
        assert video_calls(sb) == [] and downloads(sb) == []
        # Decided from the size, not stored: a local Bot API server would take it next start.
        assert await stored_video(database, url) is None
    await assert_no_limbo(database)


async def test_a_failed_upload_falls_back_to_text_for_everyone(database: Database) -> None:
    fake = FakeTime()
    readers = [741, 742, 743]
    async with Sandbox() as sb:
        sb.users(readers)
        await add_subscribers(database, readers)
        serve_video(sb, 22 * MB)
        sb.core.media.upload_limit = 21 * MB  # Telegram answers 413 Request Entity Too Large
        url = await seed_bulletin(database, sb, size=22 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        for chat in readers:
            assert_bulletin_as_text(sb, chat)
        # One try to upload, then text for all: no second download, no second upload.
        assert downloads(sb) == ["GET"] and sb.core.media.uploads == []
        known = await stored_video(database, url)
        assert known is not None and known.failure and known.file_id is None
    await assert_no_limbo(database)


async def test_a_url_telegram_cannot_fetch_falls_back_to_text(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([751, 752])
        await add_subscribers(database, [751, 752])
        # Not served: Telegram answers "failed to get HTTP URL content".
        await seed_bulletin(database, sb, size=5 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        for chat in (751, 752):
            assert_bulletin_as_text(sb, chat)
    await assert_no_limbo(database)


async def test_a_big_video_on_another_host_is_not_downloaded(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([761])
        await add_subscribers(database, [761])
        serve_video(sb, 25 * MB)
        # The same server under another name: not the feed's host, so never fetched by the bot.
        elsewhere = sb.station_url.replace("127.0.0.1", "localhost") + VIDEO_PATH
        await seed_bulletin(database, sb, size=25 * MB, video_url=elsewhere)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            assert sender.videos.downloads == 0
        assert_bulletin_as_text(sb, 761)
        assert downloads(sb) == [] and video_calls(sb) == []
    await assert_no_limbo(database)


async def test_a_redirect_to_another_host_is_not_followed(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([771])
        await add_subscribers(database, [771])
        serve_video(sb, 25 * MB)
        moved = "/wp-content/uploads/moved.mp4"
        sb.station.redirect(
            moved, sb.station_url.replace("127.0.0.1", "localhost") + VIDEO_PATH, 302
        )
        await seed_bulletin(database, sb, size=25 * MB, video_url=f"{sb.station_url}{moved}")
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        assert_bulletin_as_text(sb, 771)
        assert downloads(sb, moved) == ["GET"] and downloads(sb) == []
    await assert_no_limbo(database)


async def test_image_less_readers_get_the_text_message(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([781])
        await add_subscribers(database, [781], wants_images=False)
        serve_video(sb, 3 * MB)
        await seed_bulletin(database, sb, size=3 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        [message] = sb.messages(781)
        assert message.method == "sendMessage" and video_calls(sb) == []
    await assert_no_limbo(database)


async def test_a_local_bot_api_server_takes_uploads_over_50_mb(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([801, 802])
        sb.core.media.upload_limit = LOCAL_UPLOAD_LIMIT  # the sandbox as a local server
        await add_subscribers(database, [801, 802])
        serve_video(sb, 51 * MB)
        await seed_bulletin(database, sb, size=51 * MB)
        await enqueue(database, 1)
        config = SenderConfig(video_upload_limit=upload_limit_for("http://127.0.0.1:8081"))
        async with sender_on(sb, database, fake=fake, config=config) as sender:
            await settle(sender, fake, database)
        for chat in (801, 802):
            assert_bulletin_as_video(sb, chat)
        assert [u.size for u in sb.core.media.uploads_of("video")] == [51 * MB]
    await assert_no_limbo(database)


async def test_a_link_less_bulletin_plays_without_a_read_button_also_in_a_native_channel(
    database: Database,
) -> None:
    """A valid feed item without a link (``articles.url`` NULL) that carries a video: readers
    get the video with only the 💬 button; a channel in native comment mode (no keyboard, so
    Telegram shows its discussion bar) with silent posts gets it bare and silent."""
    fake = FakeTime()
    channel_id = -1001555000111
    async with Sandbox() as sb:
        sb.users([721])
        channel = sb.channel(channel_id, "Kênh KRT")
        await sb.add_bot_to(channel, admin=True)
        await add_subscribers(database, [721])
        await add_channel(database, channel_id, comment_mode=CommentMode.NATIVE, silent=True)
        serve_video(sb, 3 * MB)
        await seed_bulletin(database, sb, size=3 * MB)
        async with database.session() as session:
            await session.execute(update(Article).where(Article.id == 1).values(url=None))
        assert await enqueue(database, 1) == 2
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        for chat in (721, channel_id):
            [message] = sb.messages(chat)
            assert message.method == "sendVideo" and message.video is not None, message
            assert message.caption is not None and message.caption.startswith(TITLE)
            assert "href" not in str(message.caption_entities or "") and "None" not in (
                message.caption
            )
        [reader] = sb.messages(721)
        labels = [b.get("text") for b in reader.buttons]
        assert labels and "📖 Đọc bài" not in labels
        assert reader.disable_notification is False
        [post] = sb.messages(channel_id)
        assert post.buttons == [] and post.disable_notification is True
    await assert_no_limbo(database)


async def test_a_bulletin_whose_link_changed_is_edited_to_the_new_link(
    database: Database,
) -> None:
    """A revision moved the bulletin (``articles.url`` updated): the sent video is edited in
    place (its caption, since a video has no text) to the new 📖 link, nothing sent again."""
    fake = FakeTime()
    moved = "https://kontumtv.vn/video-clip/thoi-su/ban-tin-thoi-su-toi-27-11-2026"
    async with Sandbox() as sb:
        sb.users([731])
        await add_subscribers(database, [731])
        serve_video(sb, 3 * MB)
        await seed_bulletin(database, sb, size=3 * MB)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            assert_bulletin_as_video(sb, 731)
            async with database.session() as session:
                await session.execute(
                    update(Article).where(Article.id == 1).values(url=moved, revision=2)
                )
                assert await deliveries.request_edits(session, 1, 2, now=T0, published_at=T0) == 1
            await settle(sender, fake, database)
        [message] = sb.messages(731)
        assert message.method == "sendVideo" and message.edit_count == 1
        assert message.caption is not None and message.caption.startswith(TITLE)
        assert [b.get("url") for b in message.buttons if b.get("text") == "📖 Đọc bài"] == [moved]
        assert [c.method for c in sb.calls if c.method.startswith("edit")] == ["editMessageCaption"]
    await assert_no_limbo(database)
