"""The command menu, in Vietnamese by default and in English for English clients."""

from __future__ import annotations

from bot.handlers.menu import set_command_menu
from storage.db import Database
from tests.harness import running_bot
from tests.sandbox import Sandbox


async def test_the_menu_is_set_in_both_languages(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        await set_command_menu(bot.application.bot)
        default, vi, en = (
            sb.commands(),
            sb.commands(language_code="vi"),
            sb.commands(language_code="en"),
        )
    assert default == vi
    assert [(c["command"], c["description"]) for c in vi] == [
        ("start", "Đăng ký nhận tin mới"),
        ("latest", "Tin mới nhất"),
        ("search", "Tìm kiếm tin"),
        ("topics", "Chọn chuyên mục"),
        ("settings", "Cài đặt"),
        ("quiet", "Giờ yên tĩnh"),
        ("digest", "Bản tin tổng hợp hằng ngày"),
        ("lang", "Đổi ngôn ngữ"),
        ("name", "Bút danh khi bình luận"),
        ("stop", "Hủy đăng ký"),
        ("help", "Hướng dẫn sử dụng"),
    ]
    assert [c["description"] for c in en] == [
        "Subscribe to news",
        "Latest news",
        "Search the news",
        "Choose topics",
        "Settings",
        "Quiet hours",
        "Daily digest",
        "Change the language",
        "Your name on comments",
        "Unsubscribe",
        "How to use the bot",
    ]
