"""``ChatLookup`` on the Bot API: getChat and getChatMember, as the channel service needs them.

A chat or member Telegram will not show us (chat not found, the bot not in the channel, a
user who never joined) is ``None``; a network failure or a timeout is ``LookupUnavailable``
(nothing can be concluded from it, so the admin is asked to try again).
"""

from __future__ import annotations

import logging

from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.services.channels import ChatFacts, LookupUnavailable, MemberFacts

log = logging.getLogger(__name__)


def member_facts(member: ChatMember) -> MemberFacts:
    if isinstance(member, ChatMemberOwner):
        return MemberFacts(member.status, can_post=True)
    if isinstance(member, ChatMemberAdministrator):
        return MemberFacts(member.status, can_post=bool(member.can_post_messages))
    return MemberFacts(member.status)


class TelegramChats:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def chat(self, ref: int | str) -> ChatFacts | None:
        try:
            chat = await self._bot.get_chat(ref)
        except (BadRequest, Forbidden) as error:
            log.info("getChat %s: %s", ref, error.message)
            return None
        except TelegramError as error:
            raise LookupUnavailable(str(error)) from error
        return ChatFacts(chat.id, chat.type, chat.title, chat.username)

    async def member(self, chat_id: int, user_id: int) -> MemberFacts | None:
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except (BadRequest, Forbidden) as error:
            log.info("getChatMember %s %s: %s", chat_id, user_id, error.message)
            return None
        except TelegramError as error:
            raise LookupUnavailable(str(error)) from error
        return member_facts(member)

    async def bot_member(self, chat_id: int) -> MemberFacts | None:
        return await self.member(chat_id, self._bot.id)
