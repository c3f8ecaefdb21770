"""WordPress REST comments endpoint (POST /wp-json/wp/v2/comments) with WordPress's codes."""

from __future__ import annotations

import base64
import binascii
import html
import itertools
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def _wp_error(status: int, code: str, message: str) -> web.Response:
    body = {"code": code, "message": message, "data": {"status": status}}
    return web.json_response(body, status=status)


class CommentsEndpoint:
    """Application Passwords over Basic auth, as a bot's low-privilege WordPress user uses."""

    def __init__(self) -> None:
        self.wp_users: dict[str, str] = {}
        self.allow_anonymous = False  # WordPress's default for REST comments
        self.status = "hold"  # what a new comment gets: "hold" or "approved"
        self.comments: list[dict[str, Any]] = []
        self.posts: set[int] = set()
        # WordPress's 15-second flood check, switched by hand (tests do not wait real time).
        self.flooding = False
        self._ids = itertools.count(1001)

    def _user(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        header = request.headers.get("Authorization")
        if header is None:
            return None, None
        scheme, _, token = header.partition(" ")
        try:
            name, _, password = base64.b64decode(token).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            name, password = "", ""
        if scheme.lower() != "basic" or name not in self.wp_users:
            return None, _wp_error(
                401, "invalid_username", "Unknown username. Check again or try your email address."
            )
        # WordPress shows Application Passwords in groups of four; spaces are optional.
        if password.replace(" ", "") != self.wp_users[name].replace(" ", ""):
            return None, _wp_error(
                401,
                "incorrect_password",
                "The provided password is an invalid application password.",
            )
        return name, None

    async def _fields(self, request: web.Request) -> dict[str, Any] | None:
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
        return dict(await request.post())

    async def handle(self, request: web.Request, site_url: str) -> web.Response:
        user, auth_error = self._user(request)
        if auth_error is not None:
            return auth_error
        if user is None and not self.allow_anonymous:
            return _wp_error(
                401, "rest_comment_login_required", "Sorry, you must be logged in to comment."
            )
        fields = await self._fields(request)
        if fields is None:
            return _wp_error(400, "rest_invalid_json", "Invalid JSON body passed.")
        try:
            post = int(fields.get("post", 0))
        except (TypeError, ValueError):
            return _wp_error(400, "rest_invalid_param", "Invalid parameter(s): post")
        if post not in self.posts:
            return _wp_error(
                403,
                "rest_comment_invalid_post_id",
                "Sorry, you are not allowed to create this comment without a post.",
            )
        content = str(fields.get("content", "")).strip()
        if not content:
            return _wp_error(400, "rest_comment_content_invalid", "Invalid comment content.")
        name = str(fields.get("author_name", "") or (user or "")).strip()
        email = str(
            fields.get("author_email", "") or (f"{user}@kontumtv.vn" if user else "")
        ).strip()
        if not name or "@" not in email:
            return _wp_error(
                400,
                "rest_comment_author_data_required",
                "Creating a comment requires valid author name and email values.",
            )
        if self.flooding:
            return _wp_error(
                400, "comment_flood", "You are posting comments too quickly. Slow down."
            )
        for earlier in self.comments:
            same_author = earlier["author_name"] == name or earlier["author_email"] == email
            if earlier["post"] == post and same_author and earlier["raw"] == content:
                return _wp_error(
                    409,
                    "comment_duplicate",
                    "Duplicate comment detected; it looks as though you’ve already said that!",
                )
        comment_id = next(self._ids)
        now = datetime.now(UTC).replace(microsecond=0).isoformat().removesuffix("+00:00")
        comment = {
            "id": comment_id,
            "post": post,
            "parent": int(fields.get("parent", 0) or 0),
            "author": 0 if user is None else 2,
            "author_name": name,
            "author_email": email,
            "date": now,
            "date_gmt": now,
            "content": {"rendered": f"<p>{html.escape(content)}</p>\n"},
            "link": f"{site_url}/?p={post}#comment-{comment_id}",
            "status": self.status,
            "type": "comment",
            "raw": content,
            "user": user,
        }
        self.comments.append(comment)
        public = {k: v for k, v in comment.items() if k not in ("raw", "user", "author_email")}
        return web.Response(
            status=201,
            text=json.dumps(public, ensure_ascii=False),
            content_type="application/json",
            headers={"Location": f"{site_url}/wp-json/wp/v2/comments/{comment_id}"},
        )
