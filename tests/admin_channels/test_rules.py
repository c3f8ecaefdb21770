"""The pure rules behind the admin screens, without Telegram: what names a channel, which
rights are needed, what a failed test fetch tells the admin, and the post variant a channel's
settings choose."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.delivery.messages import render_message
from bot.delivery.render import ArticleView, render
from bot.feeds.errors import FeedConnectionError, FeedHttpError, FeedTimeout, NotAFeed
from bot.i18n import deferred_n
from bot.services.channels import MemberFacts, Refusal, parse_channel_ref, rights_refusal
from bot.services.feed_admin import FeedRefusal, fetch_refusal
from bot.services.membership import BotStatus, MembershipChange, Outcome, decide
from storage.enums import MessageKind

ADMIN = MemberFacts("administrator", can_post=True)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("@krt_news", "@krt_news"),
        ("krt_news", "@krt_news"),
        ("https://t.me/krt_news", "@krt_news"),
        ("t.me/krt_news/", "@krt_news"),
        ("-1001234567890", -1001234567890),
        ("-42", None),  # a basic group's id, not a channel's
        ("@a", None),  # usernames have at least 5 characters
        ("https://example.com/krt", None),
        ("", None),
    ],
)
def test_a_channel_is_named_by_username_link_or_id(text: str, ref: int | str | None) -> None:
    assert parse_channel_ref(text) == ref


@pytest.mark.parametrize(
    ("bot", "requester", "refusal"),
    [
        (None, ADMIN, Refusal.BOT_NOT_ADMIN),  # getChatMember refused: the bot is not in it
        (MemberFacts("member"), ADMIN, Refusal.BOT_NOT_ADMIN),
        (MemberFacts("left"), ADMIN, Refusal.BOT_NOT_ADMIN),
        (MemberFacts("administrator", can_post=False), ADMIN, Refusal.BOT_CANNOT_POST),
        (ADMIN, None, Refusal.REQUESTER_NOT_ADMIN),
        (ADMIN, MemberFacts("member"), Refusal.REQUESTER_NOT_ADMIN),
        (ADMIN, MemberFacts("kicked"), Refusal.REQUESTER_NOT_ADMIN),
        (ADMIN, MemberFacts("creator", can_post=True), None),
        (ADMIN, MemberFacts("administrator", can_post=False), None),  # an editor who may not post
    ],
)
def test_both_the_bot_and_the_requester_must_administer_the_channel(
    bot: MemberFacts | None, requester: MemberFacts | None, refusal: Refusal | None
) -> None:
    assert rights_refusal(bot, requester) == refusal


def test_a_failed_test_fetch_says_why() -> None:
    assert fetch_refusal(FeedHttpError(404, "https://x/feed")) == (FeedRefusal.HTTP_ERROR, "404")
    assert fetch_refusal(FeedTimeout("slow"))[0] is FeedRefusal.TIMEOUT
    assert fetch_refusal(FeedConnectionError("refused"))[0] is FeedRefusal.UNREACHABLE
    html = NotAFeed("not a feed: the URL returned an HTML page, not RSS or Atom")
    assert fetch_refusal(html)[0] is FeedRefusal.HTML_PAGE
    assert fetch_refusal(NotAFeed("not a feed: garbage"))[0] is FeedRefusal.NOT_A_FEED


def _change(status: BotStatus, *, can_post: bool = True) -> MembershipChange:
    return MembershipChange(-1001234567890, "channel", status, actor_id=1, can_post=can_post)


def test_losing_the_post_right_stops_a_channel_like_a_removal() -> None:
    assert decide(_change(BotStatus.ADMINISTRATOR, can_post=False)) is Outcome.CANNOT_POST
    assert decide(_change(BotStatus.KICKED)) is Outcome.UNREACHABLE
    assert decide(_change(BotStatus.ADMINISTRATOR)) is None  # depends on who added the bot


ARTICLE = ArticleView(
    id=7, title="Cầu treo Kon Klor", url="https://kontumtv.vn/tin-tuc/cau-treo", summary="Tóm tắt",
    topics=(), published_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC), image_url=None, revision=1,
)  # fmt: skip


def test_the_no_buttons_variant_is_rendered_once_and_has_no_keyboard() -> None:
    with_buttons = render(ARTICLE)
    native = render(ARTICLE, buttons=False)
    assert with_buttons.reply_markup is not None and native.reply_markup is None
    assert native.text == with_buttons.text
    assert render(ARTICLE, buttons=False) is native  # shared by every channel in that mode
    notice = json.dumps(
        {**deferred_n("news.burst_more", 3, source="KRT").to_json(), "url": "https://kontumtv.vn"}
    )
    plain = render_message(MessageKind.NOTICE, notice, locale="vi", with_image=True, tz="UTC")
    bare = render_message(
        MessageKind.NOTICE, notice, locale="vi", with_image=True, tz="UTC", buttons=False
    )
    assert plain.reply_markup is not None and bare.reply_markup is None
    assert bare is render_message(
        MessageKind.NOTICE, notice, locale="vi", with_image=True, tz="UTC", buttons=False
    )


def test_a_long_feed_list_is_cut_into_messages_telegram_accepts() -> None:
    from bot.delivery.utf16 import html_visible_len
    from bot.handlers.feed_admin import pages
    from bot.services.feed_admin import FeedLine

    now = datetime(2026, 12, 1, tzinfo=UTC)
    lines = [
        FeedLine(n, f"https://kontumtv.vn/feed/{n}", "Nguồn", False, now, "lỗi " * 50, 3, 10, now)
        for n in range(1, 21)
    ]
    blocks = [(line, f"<b>{line.id}</b> " + "đ" * 600) for line in lines]
    parts = pages("<b>Nguồn tin (20)</b>", blocks)
    assert len(parts) > 1
    assert all(html_visible_len("\n\n".join(text for _, text in part)) <= 4096 for part in parts)
    assert [line.id for part in parts for line, _ in part if line] == list(range(1, 21))


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_admin_menu_entries_are_commands_telegram_accepts(locale: str) -> None:
    import re

    from bot.handlers import channel_admin, feed_admin

    entries = channel_admin.admin_menu(locale) + feed_admin.admin_menu(locale)
    assert [e.command for e in entries] == [
        "channels", "addchannel", "pausechannel", "resumechannel", "removechannel",
        "feeds", "addfeed", "removefeed", "pollnow",
    ]  # fmt: skip
    for entry in entries:  # setMyCommands: 1-32 of a-z0-9_, a description of 1-256
        assert re.fullmatch(r"[a-z0-9_]{1,32}", entry.command)
        assert 1 <= len(entry.description) <= 256 and not entry.description.startswith("command.")
