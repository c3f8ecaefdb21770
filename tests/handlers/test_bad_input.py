"""Wrong arguments to every command, typed by an owner in Vietnamese and one in English: each
gets an answer that says what went wrong or how the command is used, in that person's
language, and the bot goes on answering."""

from __future__ import annotations

from storage.db import Database
from tests.harness import running_bot
from tests.sandbox import Sandbox

HUNG, JOHN = 42, 43

# (what is typed, how the Vietnamese answer starts, how the English one starts)
BAD_INPUT = [
    ("/addadmin lan", "Cách dùng: /addadmin 123456789 (ID số)", "Usage: /addadmin 123456789"),
    ("/addmod", "Cách dùng: /addmod 123456789 (ID số)", "Usage: /addmod 123456789"),
    ("/removeadmin 1 2", "Cách dùng: /removeadmin 123456789", "Usage: /removeadmin 123456789"),
    ("/addchannel", "Cách dùng: /addchannel @tenkenh", "Usage: /addchannel @channelname"),
    ("/addchannel @x @y", "Cách dùng: /addchannel @tenkenh", "Usage: /addchannel @channelname"),
    ("/addchannel ???", "Cách dùng: /addchannel @tenkenh", "Usage: /addchannel @channelname"),
    ("/pausechannel", "Cách dùng: /pausechannel @tenkenh", "Usage: /pausechannel @channelname"),
    ("/removechannel abc", "Cách dùng: /removechannel @tenkenh",
     "Usage: /removechannel @channelname"),
    ("/addfeed", "Cách dùng: /addfeed https://…/feed", "Usage: /addfeed https://…/feed"),
    ("/addfeed not a url", "Không thêm được: cần một địa chỉ http:// hoặc https:// đầy đủ.",
     "Not added: a full http:// or https:// address is needed."),
    ("/removefeed", "Cách dùng: /removefeed số (xem /feeds)",
     "Usage: /removefeed number (see /feeds)"),
    ("/removefeed abc", "Không có nguồn tin abc. Xem /feeds.", "There is no feed abc. See /feeds."),
    ("/removefeed 999", "Không có nguồn tin 999. Xem /feeds.", "There is no feed 999. See /feeds."),
    ("/pollnow 7", "Không có nguồn tin 7. Xem /feeds.", "There is no feed 7. See /feeds."),
    ("/broadcast topic x", "Không có chuyên mục mã «x». Gõ /topics để xem các chuyên mục.",
     "There is no topic with the code “x”. Type /topics to see the topics."),
    ("/broadcast topic", "Cách dùng: /broadcast để gửi thông báo", "Usage: /broadcast to announce"),
    ("/broadcast now please", "Cách dùng: /broadcast để gửi thông báo",
     "Usage: /broadcast to announce"),
    ("/digest 25:00", "Cách dùng: /digest 7:00", "Usage: /digest 7:00"),
    ("/quiet abc", "Cách dùng: /quiet 22-6", "Usage: /quiet 22-6"),
    ("/lang xx", "Cách dùng: /lang vi – Tiếng Việt; /lang en – English.",
     "Usage: /lang vi – Vietnamese; /lang en – English."),
    ("/latest 999", "Bot chỉ hiển thị từ 1 đến 10 tin mỗi lần. Ví dụ: /latest 3.",
     "The bot shows from 1 to 10 stories at a time. For example: /latest 3."),
    ("/latest ba", "Cách dùng: /latest – 5 tin mới nhất;", "Usage: /latest – the 5 newest"),
    # One 1,000-letter word: cut to the cap and searched, not taken for an empty query.
    ("/search " + "a" * 1000, f"Không tìm thấy bài nào có «{'a' * 48}».",
     f"No stories found for «{'a' * 48}»."),
]  # fmt: skip


async def test_every_bad_argument_gets_an_answer_in_the_persons_language(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[HUNG, JOHN]):
        hung, john = sb.user(HUNG, "Hùng"), sb.user(JOHN, "John", language_code="en")
        answers: dict[str, list[tuple[str, str]]] = {"vi": [], "en": []}
        for user, lang in ((hung, "vi"), (john, "en")):
            await user.send("/start")  # /digest, /quiet and /lang need a subscription
            await sb.wait_for_message(user.chat_id)
            for typed, *_ in BAD_INPUT:
                await user.send(typed)
                answers[lang].append((typed, (await sb.wait_for_message(user.chat_id)).text or ""))
            await user.send("/help")
            assert "/stop" in ((await sb.wait_for_message(user.chat_id)).text or "")
    for (typed, vi, en), (_, said_vi), (_, said_en) in zip(
        BAD_INPUT, answers["vi"], answers["en"], strict=True
    ):
        assert said_vi.startswith(vi), (typed[:40], said_vi)
        assert said_en.startswith(en), (typed[:40], said_en)
