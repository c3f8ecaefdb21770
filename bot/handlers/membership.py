"""The bot's own membership changes: channels it is added to, readers who block it."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Update
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from bot.services import services_of
from storage.repositories import channels, chats

log = logging.getLogger(__name__)

_OUT = (ChatMember.LEFT, ChatMember.BANNED)


async def bot_membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Register a channel an admin added the bot to; stop sending where the bot was removed."""
    change = update.my_chat_member
    if change is None:
        return
    chat, actor = change.chat, change.from_user
    status = change.new_chat_member.status
    services = services_of(context.bot_data)
    async with services.database.session() as session:
        if status in _OUT:
            cancelled = await chats.mark_unreachable(session, chat.id, f"bot {status} in chat")
            log.info(
                "removed from chat %s (%s); %d deliveries cancelled", chat.id, status, cancelled
            )
            return
        if chat.type != Chat.CHANNEL or status != ChatMember.ADMINISTRATOR:
            return
        allowed = actor.id in services.settings.owner_ids or await channels.is_admin(
            session, actor.id
        )
        if not allowed:
            # Anyone can add a bot to their channel; only the station decides where news goes.
            log.warning(
                "user %s added the bot to channel %s; not an admin, ignored", actor.id, chat.id
            )
            return
        await channels.register(session, chat.id, title=chat.title, username=chat.username)
    log.info("channel %s (%s) registered by %s", chat.id, chat.title, actor.id)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
