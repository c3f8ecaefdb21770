"""The bot's own membership changes: channels it is added to, readers who block it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ChatMemberHandler

from bot.context import BotContext
from bot.services.membership import BotStatus, MembershipChange


async def bot_membership_changed(update: Update, context: BotContext) -> None:
    """Register a channel an admin added the bot to; stop sending where the bot was removed."""
    change = update.my_chat_member
    if change is None:
        return
    await context.services.membership.bot_status_changed(
        MembershipChange(
            chat_id=change.chat.id,
            chat_type=change.chat.type,
            status=BotStatus(change.new_chat_member.status),
            actor_id=change.from_user.id,
            title=change.chat.title,
            username=change.chat.username,
            # Only an administrator's status carries the right; absent (a group) means no limit.
            can_post=getattr(change.new_chat_member, "can_post_messages", None) is not False,
            at=change.date,
        )
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
