"""The four ways in, as a reader does them: a reply, the 💬 prompt, the deep link, a
discussion group's thread. Each ends in a stored pending comment and a moderation card."""

from __future__ import annotations

from storage.db import Database
from storage.enums import CommentSource, CommentStatus, MessageKind
from tests.comments.helpers import ADMIN_CHAT, pushed, rows, stored_comments
from tests.harness import running_bot
from tests.sandbox import Sandbox


async def test_a_reply_to_a_pushed_article_is_a_pending_comment_with_a_card(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        lan = sb.user(1001, "Lan", language_code="vi")
        push = await pushed(bot, lan.chat_id, 7)
        await lan.reply(push, "Bài viết rất hay, cảm ơn Đài!")
        answer = (await sb.wait_for_message(lan.chat_id)).text or ""
    assert answer == "Cảm ơn bạn! Bình luận đã được gửi và đang chờ ban biên tập duyệt."
    [comment] = await stored_comments(database)
    assert (comment.article_id, comment.user_id, comment.text) == (
        7,
        1001,
        "Bài viết rất hay, cảm ơn Đài!",
    )
    assert comment.status is CommentStatus.PENDING and comment.source is CommentSource.REPLY
    assert comment.author_name == "Lan"
    [card] = await rows(database, MessageKind.COMMENT_CARD)
    assert card.chat_id == ADMIN_CHAT and card.ref == f"comment-card:{comment.id}"
