"""What reached the sandbox as files: uploads (counted per field) and URLs it fetched."""

from __future__ import annotations

from dataclasses import dataclass, field

MB = 1024 * 1024
URL_LIMIT = 20 * MB  # Telegram downloads a file by URL up to 20 MB
UPLOAD_LIMIT = 50 * MB  # a bot uploads up to 50 MB
LOCAL_UPLOAD_LIMIT = 2000 * MB  # through a local Bot API server


@dataclass(frozen=True, slots=True)
class UploadRecord:
    method: str
    field: str
    filename: str
    size: int
    file_id: str


@dataclass(slots=True)
class MediaBook:
    """What reached the sandbox as files: uploads (counted) and URLs it fetched."""

    uploads: list[UploadRecord] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    upload_limit: int = UPLOAD_LIMIT
    url_limit: int = URL_LIMIT

    def uploads_of(self, field_name: str = "video") -> list[UploadRecord]:
        return [u for u in self.uploads if u.field == field_name]
