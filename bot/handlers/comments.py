"""Reader comments: the 💬 prompt, the deep link, replies that are comments, /cancel, /name."""

from __future__ import annotations

import re

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.callbacks import CommentButton
from bot.comment_buttons import CommentsPage
from bot.context import BotContext
from bot.handlers import fallbacks
from bot.handlers.common import NEW_MESSAGES, command
from bot.i18n import format_number, t, t_html
from bot.services import services_of
from bot.services.comment_rules import Verdict
from bot.services.comments import (
    Incoming,
    Invitation,
    NameChange,
    Opening,
    Page,
    Received,
    Writer,
)
from storage.enums import CommentSource

DEEP_LINK = re.compile(r"^/start(?:@\w+)?\s+c_([1-9][0-9]{0,18})$")
_PRIVATE = filters.ChatType.PRIVATE & NEW_MESSAGES
RELAY_INTERVAL_S = 30.0


# In groups: automatic forwards (a channel post's thread starts) and replies (to the forward,
# or to an article the bot pushed to the group). Other talk is none of the bot's business.
_GROUP_REPLIES = (
    filters.ChatType.GROUPS & NEW_MESSAGES & ~filters.COMMAND & ~filters.StatusUpdate.ALL
) & (filters.IS_AUTOMATIC_FORWARD | filters.REPLY)


def writer_of(user: User, chat_id: int) -> Writer:
    return Writer(user.id, chat_id, user.first_name, user.last_name)


def answer_text(received: Received, locale: str) -> str:
    """The reader's answer to a comment: one message per verdict, numbers in the locale's form."""
    n = {name: format_number(value, locale) for name, value in received.params.items()}
    match received.verdict:
        case Verdict.HELD:
            return t("comments.held", locale)
        case Verdict.APPROVED:
            return t("comments.published", locale)
        case Verdict.NOT_TEXT:
            return t("comments.not_text", locale)
        case Verdict.TOO_SHORT:
            return t("comments.too_short", locale, min=n["min"])
        case Verdict.TOO_LONG:
            return t("comments.too_long", locale, length=n["length"], max=n["max"])
        case Verdict.DUPLICATE:
            return t("comments.duplicate", locale)
        case Verdict.PER_MINUTE:
            return t("comments.per_minute", locale, limit=n["limit"])
        case Verdict.PER_DAY:
            return t("comments.per_day", locale, limit=n["limit"])
        case Verdict.BANNED:
            return t("comments.banned", locale)
        case Verdict.BLOCKED:
            return t("comments.blocked", locale)
        case Verdict.PROMPT_EXPIRED:
            return t("comments.prompt_expired", locale)


def prompt_text(invitation: Invitation, locale: str) -> str:
    """The prompt naming the article (escaped)."""
    assert invitation.article is not None
    return t_html("comments.prompt", locale, title=invitation.article.title)


def page_text(page: Page, locale: str) -> str:
    """A page of the article's approved comments, every piece escaped."""
    lines = [t("comments.latest", locale, title=page.article.title, count=page.total)]
    for comment in page.comments:
        text = comment.text[:500]
        lines.append(t("comments.latest_item", locale, name=comment.author_name, text=text))
    return "\n".join(lines)


def page_buttons(page: Page, locale: str) -> InlineKeyboardMarkup | None:
    row = []
    if page.has_newer:
        data = callbacks.encode(CommentsPage(page.article.id, page.number - 1))
        row.append(InlineKeyboardButton(t("comments.newer", locale), callback_data=data))
    if page.has_older:
        data = callbacks.encode(CommentsPage(page.article.id, page.number + 1))
        row.append(InlineKeyboardButton(t("comments.older", locale), callback_data=data))
    return InlineKeyboardMarkup([row]) if row else None


async def _send_prompt(message: Message, invitation: Invitation, locale: str) -> None:
    """The article's latest comments (if any), then the ForceReply prompt."""
    page = invitation.first_page
    if page is not None:
        await message.reply_text(
            page_text(page, locale), parse_mode=ParseMode.HTML,
            reply_markup=page_buttons(page, locale),
        )  # fmt: skip
    await message.reply_text(
        prompt_text(invitation, locale),
        parse_mode=ParseMode.HTML,
        reply_markup=ForceReply(input_field_placeholder=t("comments.placeholder", locale)),
    )


async def page_tapped(update: Update, context: BotContext) -> None:
    """◀ / ▶ under a comment list: show that page in place."""
    query = update.callback_query
    if query is None:
        return
    button = callbacks.decode_as(query.data, CommentsPage)
    page = await context.services.comments.page(button.article_id, button.page)
    if page is None:
        await query.answer(t("button.article_gone", context.locale))
        return
    await query.answer()
    text, markup = page_text(page, context.locale), page_buttons(page, context.locale)
    if isinstance(query.message, Message) and query.message.text_html != text:
        await query.message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def comment_tapped(update: Update, context: BotContext) -> None:
    """💬 under an article: in a private chat, ask for the comment; elsewhere open the bot."""
    query = update.callback_query
    if query is None:
        return
    button = callbacks.decode_as(query.data, CommentButton)
    message = query.message
    private = isinstance(message, Message) and message.chat.type == ChatType.PRIVATE
    if not private:
        # A group or channel: the comment is written in the reader's private chat.
        url = f"https://t.me/{context.bot.username}?start=c_{button.article_id}"
        await query.answer(url=url)
        return
    invitation = await context.services.comments.invite(
        query.from_user.id, button.article_id, CommentSource.BUTTON
    )
    match invitation.opening:
        case Opening.ARTICLE_GONE:
            await query.answer(t("button.article_gone", context.locale))
        case Opening.PROMPT:
            await query.answer()
            assert isinstance(message, Message)
            await _send_prompt(message, invitation, context.locale)


async def deep_link(update: Update, context: BotContext) -> None:
    """/start c_<article>: the link under channel posts; ask for the comment."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    found = DEEP_LINK.match(message.text.strip())
    if found is None:
        return
    invitation = await context.services.comments.invite(
        user.id, int(found.group(1)), CommentSource.DEEP_LINK
    )
    match invitation.opening:
        case Opening.ARTICLE_GONE:
            await message.reply_text(t("button.article_gone", context.locale))
        case Opening.PROMPT:
            await _send_prompt(message, invitation, context.locale)


async def private_message(update: Update, context: BotContext) -> None:
    """A reader's message: a comment when it replies to an article or answers a prompt."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    reply = message.reply_to_message
    from_bot = (
        reply is not None and reply.from_user is not None and (reply.from_user.id == context.bot.id)
    )
    incoming = Incoming(
        writer_of(user, message.chat.id),
        message.text,
        replied_to=reply.message_id if reply is not None and from_bot else None,
    )
    received = await context.services.comments.receive(incoming)
    if received is None:
        await fallbacks.not_understood(update, context)
        return
    await message.reply_text(answer_text(received, context.locale))


async def group_message(update: Update, context: BotContext) -> None:
    """A group: remember a channel post's thread; a reply to it or to an article is a comment."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    if message.is_automatic_forward:
        origin = _channel_post(message)
        if origin is not None:
            await context.services.comments.record_forward(
                message.chat.id, message.message_id, origin
            )
        return
    reply = message.reply_to_message
    if user is None or reply is None or user.is_bot:
        return
    writer = writer_of(user, message.chat.id)
    if reply.is_automatic_forward:
        incoming = Incoming(
            writer, message.text, thread_message=reply.message_id,
            channel_post=_channel_post(reply),
        )  # fmt: skip
    elif reply.from_user is not None and reply.from_user.id == context.bot.id:
        incoming = Incoming(writer, message.text, replied_to=reply.message_id)
    else:
        return
    received = await context.services.comments.receive(incoming)
    if received is not None:
        await message.reply_text(answer_text(received, context.locale))


def _channel_post(message: Message) -> tuple[int, int] | None:
    """(channel, post id) of an automatic forward."""
    origin = message.forward_origin
    chat, post = getattr(origin, "chat", None), getattr(origin, "message_id", None)
    if chat is None or not isinstance(post, int):
        return None
    return int(chat.id), post


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: stop writing a comment."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    cancelled = await context.services.comments.cancel(user.id)
    await message.reply_text(
        t("comments.cancelled" if cancelled else "comments.nothing_to_cancel", context.locale)
    )


async def name(update: Update, context: BotContext) -> None:
    """/name [pseudonym | -]: the name comments are shown with."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    argument = " ".join(context.args or []) or None
    telegram_name = writer_of(user, message.chat.id).telegram_name
    change, shown = await context.services.comments.name(user.id, argument, telegram_name)
    await message.reply_text(name_text(change, shown, context.locale), parse_mode=ParseMode.HTML)


def name_text(change: NameChange, shown: str, locale: str) -> str:
    """The answer to /name, as Telegram HTML (the name is escaped by the message layer)."""
    match change:
        case NameChange.SET:
            return t("comments.name_set", locale, name=shown)
        case NameChange.CLEARED:
            return t("comments.name_cleared", locale, name=shown)
        case NameChange.SHOWN:
            return t("comments.name_show", locale, name=shown)
        case NameChange.INVALID:
            return t_html("comments.name_invalid", locale)


async def relay_comments(context: BotContext) -> None:
    """A job, every 30 s: approved comments to the station's website (the WordPress relay)."""
    relay = context.services.relay
    if relay is not None:
        await relay.run_once()  # an error reaches the error handler, logged; the job goes on


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Before the subscriber commands: ``/start c_<id>`` is a deep link, not a subscription.

    The relay runs on PTB's job queue until the runtime takes background work over; it is
    safe on every replica (comments are leased before they are posted).
    """
    if services_of(application.bot_data).relay is not None and application.job_queue:
        application.job_queue.run_repeating(
            relay_comments, interval=RELAY_INTERVAL_S, first=RELAY_INTERVAL_S, name="wp-relay"
        )
    application.add_handler(MessageHandler(_PRIVATE & filters.Regex(DEEP_LINK), deep_link))
    application.add_handler(command("cancel", cancel))
    application.add_handler(command("name", name))
    application.add_handler(
        CallbackQueryHandler(comment_tapped, pattern=callbacks.matches(CommentButton))
    )
    application.add_handler(
        CallbackQueryHandler(page_tapped, pattern=callbacks.matches(CommentsPage))
    )


def register_replies(application: Application) -> None:  # type: ignore[type-arg]
    """Messages that may be comments, after every other feature's handlers (a feature that
    expects free text, e.g. a broadcast being composed, takes it first) and before the
    fallbacks (what is not a comment is answered as they would)."""
    application.add_handler(
        MessageHandler(_PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, private_message)
    )
    application.add_handler(MessageHandler(_GROUP_REPLIES, group_message))
