"""Feed URLs as logs, alerts and admins see them: never a password, and never a crash, however
the URL is written (NEWSBOT_FEEDS takes a port out of range; only the fetch refuses it)."""

from __future__ import annotations

import pytest

from bot.feeds.errors import safe_url, shown_url


@pytest.mark.parametrize(
    ("url", "logged", "shown"),
    [
        ("https://kontumtv.vn/feed", "https://kontumtv.vn/feed", "https://kontumtv.vn/feed"),
        (
            "https://bien-tap:mat-khau@kontumtv.vn:8443/feed?cat=5",
            "https://kontumtv.vn:8443/feed?…",
            "https://bien-tap:***@kontumtv.vn:8443/feed?cat=5",
        ),
        (
            "https://bien-tap:mat-khau@kontumtv.vn:99999/feed",
            "https://kontumtv.vn:99999/feed",
            "https://bien-tap:***@kontumtv.vn:99999/feed",
        ),
    ],
)
def test_a_feed_url_is_shown_without_its_password(url: str, logged: str, shown: str) -> None:
    assert safe_url(url) == logged
    assert shown_url(url) == shown
