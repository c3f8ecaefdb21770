"""A small client for WordPress's REST comments endpoint, with HTTP Basic auth and an
Application Password. It answers with what WordPress said; deciding is ``bot.wordpress.relay``.

The password is a ``SecretStr`` until the request is built and never appears in a log line or
an exception message (it travels in the Authorization header only, never in the URL).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr

# A post's id in its guid (posts saved as drafts first: ``https://site/?p=24866``).
_GUID_ID = re.compile(r"[?&]p=([0-9]+)(?:&|#|$)")
TIMEOUT = aiohttp.ClientTimeout(total=20)


@dataclass(frozen=True, slots=True)
class Answer:
    """WordPress's answer: ``status`` 0 when no HTTP answer came (network error)."""

    status: int
    code: str | None = None
    message: str | None = None
    comment_id: int | None = None
    comment_status: str | None = None


def post_id_from_guid(guid: str) -> int | None:
    found = _GUID_ID.search(guid)
    return int(found.group(1)) if found else None


def slug_of(url: str) -> str | None:
    """The last path segment of a permalink (``/tin-tuc/bai-viet/`` -> ``bai-viet``)."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[-1] if parts else None


def comment_body(post_id: int, author: str, text: str, email: str) -> dict[str, Any]:
    """The JSON WordPress gets. Reader text is always escaped: an account with
    ``unfiltered_html`` would store it as live markup on the site."""
    return {
        "post": post_id,
        "author_name": html.escape(f"{author} (Telegram)", quote=False),
        "author_email": email,
        "content": html.escape(text, quote=False),
    }


class WordPressClient:
    def __init__(self, site_url: str, user: str, password: SecretStr) -> None:
        self._site = site_url.rstrip("/")
        self._user = user
        self._password = password

    def _auth(self) -> dict[str, str]:
        """The Basic auth header, built per request (the password is not kept in the clear)."""
        pair = f"{self._user}:{self._password.get_secret_value()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    async def find_post(self, session: aiohttp.ClientSession, slug: str) -> int | None:
        """A published post's id by its slug (posts created published carry a permalink as
        guid, not ``?p=ID``); None when the site does not know it."""
        url = f"{self._site}/wp-json/wp/v2/posts"
        try:
            async with session.get(
                url, params={"slug": slug, "_fields": "id"}, headers=self._auth(), timeout=TIMEOUT
            ) as response:
                if response.status != 200:
                    return None
                found = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        if isinstance(found, list) and found and isinstance(found[0], dict):
            post = found[0].get("id")
            return post if isinstance(post, int) else None
        return None

    async def post_comment(self, session: aiohttp.ClientSession, body: dict[str, Any]) -> Answer:
        url = f"{self._site}/wp-json/wp/v2/comments"
        try:
            async with session.post(
                url, json=body, headers=self._auth(), timeout=TIMEOUT
            ) as response:
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = None
                return _answer(response.status, data)
        except (aiohttp.ClientError, TimeoutError) as error:
            return Answer(0, "network", type(error).__name__)


def _answer(status: int, data: object) -> Answer:
    if not isinstance(data, dict):
        return Answer(status, None, "no JSON in the answer")
    comment_id = data.get("id")
    return Answer(
        status,
        code=data.get("code") if isinstance(data.get("code"), str) else None,
        message=str(data.get("message"))[:500] if data.get("message") is not None else None,
        comment_id=comment_id if isinstance(comment_id, int) else None,
        comment_status=data.get("status") if isinstance(data.get("status"), str) else None,
    )
