"""The comment and relay settings an operator sets (defaults, lists, the relay's secret)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("NEWSBOT_") and not key.startswith("NEWSBOT_TEST"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_comment_defaults() -> None:
    settings = load_settings()
    assert (settings.comments_per_minute, settings.comments_per_day) == (5, 30)
    assert settings.comment_blocklist == [] and settings.comment_auto_approve_after == 0
    assert not settings.wordpress_configured


def test_block_list_and_relay_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_COMMENT_BLOCKLIST", "cờ bạc, xổ số lậu")
    monkeypatch.setenv("NEWSBOT_WORDPRESS_URL", "https://kontumtv.vn/")
    monkeypatch.setenv("NEWSBOT_WORDPRESS_USER", "telegram-relay")
    monkeypatch.setenv("NEWSBOT_WORDPRESS_APP_PASSWORD", "abcd efgh ijkl mnop")
    settings = load_settings()
    assert settings.comment_blocklist == ["cờ bạc", "xổ số lậu"]
    assert settings.wordpress_configured and settings.wordpress_url == "https://kontumtv.vn"
    assert "abcd" not in repr(settings) and "abcd" not in str(settings.model_dump())


def test_a_bad_site_address_is_refused_in_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_WORDPRESS_URL", "kontumtv.vn")
    with pytest.raises(SettingsError, match="NEWSBOT_WORDPRESS_URL is invalid"):
        load_settings()
