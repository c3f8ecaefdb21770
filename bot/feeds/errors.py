"""Feed errors. Each carries a one-line message fit for an admin log or an alert.

Messages never include a response body or URL credentials/query strings: the query of a
feed URL may carry an access key, and bodies can be megabytes of HTML.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit


def safe_url(url: str) -> str:
    """The URL without user:password and query string, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    query = "?…" if parts.query else ""
    return urlunsplit((parts.scheme, _host(parts), parts.path, "", "")) + query


def shown_url(url: str) -> str:
    """The URL as admins see it in Telegram: whole (a query like ``?cat=5`` tells two feeds
    apart), but with a password replaced by ``***``; the stored URL keeps it for fetching."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{_host(parts)}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _host(parts: SplitResult) -> str:
    """``host[:port]`` of a split URL, without any user or password. A port out of range
    (``NEWSBOT_FEEDS`` accepts ``:99999``) is shown as written: ``parts.port`` raises."""
    try:
        port = parts.port
    except ValueError:
        return parts.netloc.rpartition("@")[2]
    if port is None:
        return parts.hostname or ""
    return f"{parts.hostname or ''}:{port}"


class FeedError(Exception):
    """Base of every feed failure; str(exc) is a one-line human message."""


class FeedHttpError(FeedError):
    """The server answered with an error status (>= 400, or an unusable 3xx)."""

    def __init__(self, status: int, url: str, *, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        wait = f" (retry after {retry_after:.0f} s)" if retry_after is not None else ""
        super().__init__(f"HTTP {status} from {safe_url(url)}{wait}")


class FeedTooLarge(FeedError):
    def __init__(self, url: str, limit: int) -> None:
        self.limit = limit
        super().__init__(f"response from {safe_url(url)} is larger than the {_size(limit)} limit")


class TooManyRedirects(FeedError):
    def __init__(self, url: str, limit: int) -> None:
        self.limit = limit
        super().__init__(f"more than {limit} redirects starting at {safe_url(url)}")


class FeedTimeout(FeedError):
    pass


class FeedConnectionError(FeedError):
    pass


class FeedSourceError(FeedError):
    """A preview source that is neither a readable file nor an http(s) URL."""


class NotAFeed(FeedError):
    """The bytes hold no RSS/Atom feed (an HTML page, an error page, garbage)."""


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"
