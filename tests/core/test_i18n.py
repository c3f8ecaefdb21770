"""Both catalogues carry every message, in NFC, with the same placeholders."""

from __future__ import annotations

import string
import unicodedata

from bot.i18n import catalogue, pick_locale, t


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_vietnamese_and_english_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalogue("vi"), catalogue("en")
    assert vi.keys() == en.keys()
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key


def test_catalogue_files_are_stored_in_nfc() -> None:
    from importlib import resources

    for locale in ("vi", "en"):
        raw = resources.files("bot.i18n").joinpath(f"{locale}.json").read_text("utf-8")
        assert unicodedata.is_normalized("NFC", raw), locale


def test_glossary_words_are_used_in_vietnamese() -> None:
    assert t("button.read", "vi") == "📖 Đọc bài"
    assert t("button.comment", "vi") == "💬 Bình luận"
    assert "Hủy đăng ký" in t("command.stop", "vi")


def test_locale_follows_telegram_language_with_vietnamese_fallback() -> None:
    assert pick_locale("en-GB") == "en"
    assert pick_locale("vi") == "vi"
    assert pick_locale("fr") == "vi"
    assert pick_locale(None) == "vi"
    assert t("start.welcome", "fr", name="A").startswith("Xin chào A")
