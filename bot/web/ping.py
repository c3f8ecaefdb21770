"""WordPress's update ping: ``weblogUpdates.extendedPing`` / ``weblogUpdates.ping`` over XML-RPC.

WordPress core pings every "Update Service" (Settings → Writing) when a post is published,
with no plugin: ``weblogUpdates.extendedPing(blog name, home URL, feed URL)`` and, if that
answers a fault, ``weblogUpdates.ping(blog name, home URL)`` (``weblog_ping()`` in
wp-includes/comment.php; the weblogs.com form adds a check URL before the feed URL, also
accepted). A ping only says "this site changed": the bot matches the named URLs' hosts against
its configured feeds and polls those feeds by their stored URLs. It never fetches a URL named
in a ping, so a forged ping can at most cause one early poll of a feed the station configured
(debounced, see ``bot.feeds.requested``).

The body is untrusted XML. It is read with a size cap before parsing, and a document with a
DOCTYPE (the only way to declare entities, so to build an entity bomb or an external entity)
is refused before expat sees it; ``xmlrpc.client.loads`` then parses a plain document.
"""

from __future__ import annotations

import logging
import re
import xmlrpc.client
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from storage.db import first_line

log = logging.getLogger(__name__)

DEFAULT_PATH = "/wordpress/ping"
# WordPress's ping is ~400 bytes; 64 KiB leaves room for a long blog name and stops a flood.
MAX_BODY = 64 * 1024
METHODS = ("weblogUpdates.extendedPing", "weblogUpdates.ping")
CONTENT_TYPE = "text/xml; charset=utf-8"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class PingFault(Exception):
    """A ping that is refused: answered with an XML-RPC fault, nothing fetched."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Fault codes of the XML-RPC "fault code interoperability" convention, plus one for a site
# the bot does not follow.
PARSE_ERROR = -32700
TOO_LARGE = -32600
UNKNOWN_METHOD = -32601
BAD_PARAMS = -32602
INTERNAL_ERROR = -32500
UNKNOWN_SITE = 32  # weblogs.com's habit: a positive code for "not for us"


@dataclass(frozen=True, slots=True)
class Ping:
    method: str
    name: str
    urls: tuple[str, ...]  # home URL, then (extendedPing) check URL and/or feed URL


def parse_ping(body: bytes, max_bytes: int = MAX_BODY) -> Ping:
    """The ping in an XML-RPC request body, or ``PingFault``."""
    if len(body) > max_bytes:
        raise PingFault(TOO_LARGE, f"request larger than {max_bytes} bytes")
    if _DECLARATION.search(body):
        raise PingFault(PARSE_ERROR, "document type declarations are not accepted")
    try:
        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    except Exception:  # expat errors, wrong XML-RPC shapes, bad values: all "malformed"
        raise PingFault(PARSE_ERROR, "parse error: not a well-formed XML-RPC call") from None
    if method not in METHODS:
        raise PingFault(UNKNOWN_METHOD, f"unknown method {str(method)[:100]!r}")
    texts = [p for p in params if isinstance(p, str)]
    if not 2 <= len(params) <= 4 or len(texts) != len(params):
        raise PingFault(BAD_PARAMS, "expected the site's name and URL (strings)")
    name, *urls = texts
    return Ping(str(method), name, tuple(u.strip() for u in urls if u.strip()))


def success_body(message: str) -> bytes:
    """The struct WordPress and every ping server expect: ``flerror`` false and a message."""
    answer = ({"flerror": False, "message": message},)
    return xmlrpc.client.dumps(answer, methodresponse=True, encoding="utf-8").encode()


def fault_body(fault: PingFault) -> bytes:
    answer = xmlrpc.client.Fault(fault.code, fault.message)
    return xmlrpc.client.dumps(answer, methodresponse=True, encoding="utf-8").encode()


async def read_bounded(request: web.Request, max_bytes: int) -> bytes:
    """The request body, read no further than ``max_bytes`` + 1 (``PingFault`` past it)."""
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise PingFault(TOO_LARGE, f"request larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(max_bytes + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise PingFault(TOO_LARGE, f"request larger than {max_bytes} bytes")
    return b"".join(chunks)


# The feeds a ping's URLs name (by host), polled now: returns the feeds scheduled, [] for none.
PollSite = Callable[[Sequence[str]], Awaitable[list[int]]]


class PingEndpoint:
    """The POST route on the bot's web server."""

    def __init__(self, poll_site: PollSite, *, max_bytes: int = MAX_BODY) -> None:
        self.poll_site = poll_site
        self.max_bytes = max_bytes
        self.accepted = 0
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        try:
            ping = parse_ping(await read_bounded(request, self.max_bytes), self.max_bytes)
            feed_ids = await self.poll_site(ping.urls)
            if not feed_ids:
                raise PingFault(UNKNOWN_SITE, "this bot does not follow that site")
        except PingFault as fault:
            self.refused += 1
            log.info("update ping refused: %s", fault.message, extra={"ping_fault": fault.code})
            return web.Response(body=fault_body(fault), headers={"Content-Type": CONTENT_TYPE})
        except Exception as error:  # the database is away: WordPress just pings again next post
            self.refused += 1
            log.warning("update ping not handled: %s", first_line(error))
            internal = PingFault(INTERNAL_ERROR, "internal error; polling continues as usual")
            return web.Response(body=fault_body(internal), headers={"Content-Type": CONTENT_TYPE})
        self.accepted += 1
        log.info(
            "update ping (%s) from %r: polling feeds %s now",
            ping.method,
            ping.name[:100],
            feed_ids,
            extra={"feed_ids": feed_ids},
        )
        body = success_body("Thanks for the ping.")
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
