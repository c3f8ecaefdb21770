"""Operators configure the bot with NEWSBOT_* variables, .env or TOML; bad values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import SettingsError, load_settings

TOKEN = "123456789:AAEfakefakefakefakefakefake_123"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("NEWSBOT_") and not key.startswith("NEWSBOT_TEST"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_need_nothing_but_a_token_to_run() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///newsbot.db"
    assert settings.feeds == ["https://kontumtv.vn/feed"]
    assert settings.poll_interval == 300 and settings.send_rate == 30
    assert settings.locale == "vi" and settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.owner_ids == [] and settings.admin_chat_id is None


def test_comma_separated_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_FEEDS", "https://a.vn/feed, https://b.vn/category/x/feed")
    monkeypatch.setenv("NEWSBOT_OWNER_IDS", "11,22")
    monkeypatch.setenv("NEWSBOT_TELEGRAM_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.feeds == ["https://a.vn/feed", "https://b.vn/category/x/feed"]
    assert settings.owner_ids == [11, 22]
    assert settings.token == TOKEN


def test_environment_beats_dotenv_beats_toml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    toml = tmp_path / "newsbot.toml"
    toml.write_text('poll_interval = 120\nlocale = "en"\nfeeds = ["https://c.vn/feed"]\n')
    (tmp_path / ".env").write_text("NEWSBOT_POLL_INTERVAL=90\n")
    monkeypatch.setenv("NEWSBOT_LOCALE", "vi")
    settings = load_settings(toml)
    assert settings.poll_interval == 90  # .env over TOML
    assert settings.locale == "vi"  # environment over TOML
    assert settings.feeds == ["https://c.vn/feed"]  # TOML over the default


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NEWSBOT_TELEGRAM_TOKEN", "not-a-token", "NEWSBOT_TELEGRAM_TOKEN"),
        ("NEWSBOT_LOCALE", "fr", "NEWSBOT_LOCALE"),
        ("NEWSBOT_POLL_INTERVAL", "0", "NEWSBOT_POLL_INTERVAL"),
        ("NEWSBOT_DATABASE_URL", "mysql://x", "NEWSBOT_DATABASE_URL"),
        ("NEWSBOT_TIMEZONE", "Mars/Base", "NEWSBOT_TIMEZONE"),
        ("NEWSBOT_FEEDS", "ftp://x", "NEWSBOT_FEEDS"),
        ("NEWSBOT_SEND_RATE", "fast", "NEWSBOT_SEND_RATE"),
    ],
)
def test_a_wrong_value_is_named_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(expected) and "\n" not in message


def test_a_bad_token_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "123:short-secret-value"
    monkeypatch.setenv("NEWSBOT_TELEGRAM_TOKEN", secret)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert secret not in str(caught.value) and "short-secret" not in str(caught.value)


def test_low_poll_interval_is_allowed_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NEWSBOT_POLL_INTERVAL", "5")
    assert load_settings().poll_interval == 5
    assert "below 60" in caplog.text


def test_missing_toml_file_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
