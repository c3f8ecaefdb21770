"""Uploaded and referenced files: ids for PhotoSize/Video/Document, bytes for getFile."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

from .errors import bad_request
from .spec import Upload

_EXT = {"photo": "jpg", "video": "mp4", "document": "bin", "audio": "mp3", "animation": "mp4"}


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    source_url: str | None

    def api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FileStore:
    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def resolve(self, kind: str, value: Any, uploads: dict[str, Any]) -> StoredFile:
        """An upload, ``attach://name``, a known file_id or an HTTP URL -> a stored file."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = uploads.get(value[len("attach://") :])
            if not isinstance(value, Upload):
                raise bad_request("wrong file identifier/HTTP URL specified")
        if isinstance(value, Upload):
            return self._add(kind, value.data, value.filename, value.content_type, None)
        if isinstance(value, str):
            known = self.by_id.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                return self._add(kind, b"", value.rsplit("/", 1)[-1] or None, None, value)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _add(
        self, kind: str, data: bytes, name: str | None, mime: str | None, url: str | None
    ) -> StoredFile:
        n = next(self._counter)
        digest = hashlib.sha1(data or (url or str(n)).encode()).hexdigest()
        stored = StoredFile(
            file_id=f"{kind[:2].upper()}ACAgIAAx{n:06d}{digest[:16]}",
            file_unique_id=f"AQAD{digest[:12]}",
            file_path=f"{kind}s/file_{n}.{_EXT.get(kind, 'bin')}",
            data=data,
            file_name=name,
            mime_type=mime,
            source_url=url,
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored

    def media_json(self, kind: str, stored: StoredFile) -> Any:
        size = len(stored.data)
        base = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": size,
        }
        if kind == "photo":
            return [{**base, "width": 1280, "height": 720}]
        if kind in ("video", "animation"):
            return {**base, "width": 1280, "height": 720, "duration": 60}
        data = dict(base)
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data
