"""Files the way Telegram takes them (sendVideo and any InputFile field per the spec).

"Sending files" in the Bot API: a field typed ``InputFile or String`` takes

* a **file_id** of a file Telegram already has: one this server issued is reused as is, an
  unknown one fails with ``Bad Request: wrong file identifier/HTTP URL specified``, one of
  another kind with ``can't use file of type Photo as Video``;
* an **HTTP URL**, which Telegram downloads itself, up to 20 MB: the sandbox really fetches
  it (only from its own servers, e.g. the fake station: it has no internet), so a missing
  file, an HTML page or a file over 20 MB fails as Telegram fails;
* a **multipart/form-data upload** (the part itself, or ``attach://<name>`` naming a part),
  up to 50 MB for bots (2,000 MB through a local Bot API server: ``upload_limit``); a bigger
  body is refused with HTTP 413. Every upload is counted in :class:`MediaBook`.

``thumbnail`` is only taken with an uploaded file ("ignored if the file is not uploaded using
multipart/form-data") and must itself be uploaded: "thumbnails can't be reused".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .core import Core, Handler
from .errors import ApiError, bad_request
from .files import StoredFile
from .formatting import caption_of
from .methods_send import _common, _deliver
from .spec import Upload
from .upload_book import UploadRecord

WRONG_FILE = "wrong file identifier/HTTP URL specified"
URL_FAILED = "failed to get HTTP URL content"
# Telegram's fetcher names itself so; the station's log tells its requests from the bot's.
TELEGRAM_AGENT = "TelegramBot (like TwitterBot)"
_REACHABLE = frozenset({"127.0.0.1", "localhost", "::1"})
_KIND_NAMES = {"PH": "Photo", "VI": "Video", "DO": "Document", "AU": "Audio", "AN": "Animation"}


async def input_file(
    core: Core, method: str, field_name: str, kind: str, value: Any, params: dict[str, Any]
) -> StoredFile:
    """One InputFile-or-String parameter -> the stored file it names, uploads or fetches."""
    upload = _upload_of(value, params)
    if upload is not None:
        return _take_upload(core, method, field_name, kind, upload)
    if not isinstance(value, str) or not value:
        raise bad_request(WRONG_FILE)
    if value.startswith(("http://", "https://")):
        return await _fetch(core, kind, value)
    known = core.files.by_id.get(value)
    if known is None:
        raise bad_request(WRONG_FILE)
    have, want = known.file_id[:2], kind[:2].upper()
    if have != want and have in _KIND_NAMES and want in _KIND_NAMES:
        raise bad_request(f"can't use file of type {_KIND_NAMES[have]} as {_KIND_NAMES[want]}")
    return known


def _upload_of(value: Any, params: dict[str, Any]) -> Upload | None:
    if isinstance(value, Upload):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        part = params.get(value[len("attach://") :])
        if not isinstance(part, Upload):
            raise bad_request(WRONG_FILE)
        return part
    return None


def _take_upload(core: Core, method: str, field_name: str, kind: str, upload: Upload) -> StoredFile:
    book = core.media
    if len(upload.data) > book.upload_limit:
        raise ApiError(413, "Request Entity Too Large")
    if not upload.data:
        raise bad_request("file must be non-empty")
    stored = core.files._add(kind, upload.data, upload.filename, upload.content_type, None)
    book.uploads.append(
        UploadRecord(method, field_name, upload.filename, len(upload.data), stored.file_id)
    )
    return stored


async def _fetch(core: Core, kind: str, url: str) -> StoredFile:
    """Download ``url`` as Telegram would: 200, not an HTML page, at most 20 MB."""
    book = core.media
    if (urlsplit(url).hostname or "") not in _REACHABLE:
        raise bad_request(URL_FAILED)  # the sandbox has no internet
    book.fetched.append(url)
    data = bytearray()
    try:
        async with (
            aiohttp.ClientSession(headers={"User-Agent": TELEGRAM_AGENT}) as session,
            session.get(url) as response,
        ):
            if response.status != 200:
                raise bad_request(URL_FAILED)
            if response.content_type in ("text/html", "application/xhtml+xml"):
                raise bad_request("wrong type of the web page content")
            if (response.content_length or 0) > book.url_limit:
                raise bad_request(URL_FAILED)
            async for chunk in response.content.iter_chunked(256 * 1024):
                data += chunk
                if len(data) > book.url_limit:
                    raise bad_request(URL_FAILED)
            mime = response.content_type
    except aiohttp.ClientError:
        raise bad_request(URL_FAILED) from None
    name = urlsplit(url).path.rsplit("/", 1)[-1] or None
    return core.files._add(kind, bytes(data), name, mime, url)


async def send_video(core: Core, p: dict[str, Any]) -> dict[str, Any]:
    chat = core.world.writable_chat(p["chat_id"])
    caption, caption_entities = caption_of(p)
    video = await input_file(core, "sendVideo", "video", "video", p["video"], p)
    media = core.files.media_json("video", video)
    if p.get("cover"):
        cover = await input_file(core, "sendVideo", "cover", "photo", p["cover"], p)
        media["cover"] = core.files.media_json("photo", cover)
    thumbnail = _upload_of(p.get("thumbnail"), p)
    if thumbnail is not None and _upload_of(p["video"], p) is not None:
        stored = _take_upload(core, "sendVideo", "thumbnail", "photo", thumbnail)
        media["thumbnail"] = {**core.files.media_json("photo", stored)[0], "width": 320}
    fields = _common(core, chat, p, "sendVideo")
    fields.update(caption=caption, caption_entities=caption_entities, video=media)
    return _deliver(core, chat, p, fields)


HANDLERS: dict[str, Handler] = {"sendVideo": send_video}
