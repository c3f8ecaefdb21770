"""The station publishing a post the way WordPress does: the post appears in its feed, then
WordPress core pings each Update Service (Settings → Writing) over XML-RPC.

The request is built as WordPress's ``weblog_ping()`` sends it (wp-includes/comment.php, via
``WP_HTTP_IXR_Client``): ``weblogUpdates.extendedPing(blogname, trailingslashit(home_url()),
get_bloginfo('rss2_url'))`` as ``text/xml`` from "The Incutio XML-RPC PHP Library --
WordPress/x.y"; when that answers a fault, ``weblogUpdates.ping(blogname, home)`` follows.
"""

from __future__ import annotations

import html
import xmlrpc.client
from dataclasses import dataclass
from typing import Any

import aiohttp

from .station import Station

USER_AGENT = "The Incutio XML-RPC PHP Library -- WordPress/6.7.1"
BLOG_NAME = "Đài Phát thanh - Truyền hình Kon Tum"


def ixr_request(method: str, *args: str) -> bytes:
    """The XML of ``IXR_Request``: one line per param, strings through htmlspecialchars."""
    xml = f'<?xml version="1.0"?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n'
    for arg in args:
        xml += f"<param><value><string>{html.escape(arg)}</string></value></param>\n"
    return (xml + "</params></methodCall>").encode("utf-8")


@dataclass
class PingAnswer:
    method: str  # the last method called (extendedPing, or ping after a fault)
    status: int
    result: Any = None  # the success struct
    fault: xmlrpc.client.Fault | None = None


async def post_xmlrpc(url: str, body: bytes) -> tuple[int, bytes]:
    headers = {"Content-Type": "text/xml", "User-Agent": USER_AGENT}
    timeout = aiohttp.ClientTimeout(total=3)  # WordPress gives an update service 3 s
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.post(url, data=body, headers=headers) as answer,
    ):
        return answer.status, await answer.read()


def read_answer(method: str, status: int, body: bytes) -> PingAnswer:
    try:
        (result,), _ = xmlrpc.client.loads(body)
    except xmlrpc.client.Fault as fault:
        return PingAnswer(method, status, fault=fault)
    return PingAnswer(method, status, result=result)


async def weblog_ping(url: str, name: str, home: str, feed_url: str) -> PingAnswer:
    """WordPress's ``weblog_ping($server)``: the extended ping, then the plain one on a fault."""
    method = "weblogUpdates.extendedPing"
    answer = read_answer(method, *await post_xmlrpc(url, ixr_request(method, name, home, feed_url)))
    if answer.fault is None and answer.status == 200:
        return answer
    method = "weblogUpdates.ping"
    return read_answer(method, *await post_xmlrpc(url, ixr_request(method, name, home)))


def publish(station: Station, item: str, path: str = "/feed") -> None:
    """Put a new ``<item>`` first in the station's feed, as publishing a post does."""
    current = station.pages.get(path)
    feed = (current.body if current is not None else station.feed_bytes()).decode("utf-8")
    at = feed.find("<item>")
    if at < 0:
        at = feed.rindex("</channel>")
    station.set(path, feed[:at] + item + feed[at:])


async def publish_and_ping(station: Station, item: str, ping_url: str) -> PingAnswer:
    """Publish a post, then ping the update service at ``ping_url`` as WordPress does."""
    publish(station, item)
    return await weblog_ping(ping_url, BLOG_NAME, station.url + "/", station.url + "/feed/")
