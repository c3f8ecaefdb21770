"""/topics: the configured sections with ✅, "Tất cả" and "Xong", edited in place as one taps."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.topics import Picker, toggled
from storage.db import Database
from storage.models import Subscriber, SubscriberTopic, Topic
from storage.repositories.articles import TopicRef
from tests.harness import BotHarness, running_bot
from tests.sandbox import Sandbox, SandboxUser, SentMessage

SECTIONS = "Thời sự,Kinh tế,Thể thao"


def labels(message: SentMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


def data_of(message: SentMessage, label: str) -> str:
    (data,) = [b["callback_data"] for b in message.buttons if b["text"] == label]
    return str(data)


async def tap(bot: BotHarness, user: SandboxUser, message: SentMessage, label: str) -> dict:
    edits = message.edit_count
    answer = await bot.answer(await user.tap(message, data_of(message, label)))
    await bot.sb.wait_until(lambda: message.edit_count > edits)
    return answer


async def followed(database: Database, chat_id: int) -> tuple[bool, set[str]]:
    async with database.session() as session:
        row = await session.get(Subscriber, chat_id)
        assert row is not None
        slugs = await session.scalars(
            select(Topic.slug)
            .join(SubscriberTopic, SubscriberTopic.topic_id == Topic.id)
            .where(SubscriberTopic.chat_id == chat_id)
        )
        return row.all_topics, set(slugs.all())


def test_a_tap_from_all_picks_one_and_unpicking_the_last_means_all_again() -> None:
    sections = (TopicRef("Thể thao", "the-thao"), TopicRef("Kinh tế", "kinh-te"))
    everything = Picker(sections, all_topics=True, chosen=frozenset())
    assert toggled(everything, "the-thao") == {"the-thao"}
    one = Picker(sections, all_topics=False, chosen=frozenset({"the-thao"}))
    assert toggled(one, "kinh-te") == {"the-thao", "kinh-te"}
    assert toggled(one, "the-thao") == frozenset()


async def test_the_picker_ticks_sections_in_place_and_saves_them(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS) as bot:
        lan = sb.user(1001, "Lan")
        await lan.send("/start")
        await sb.wait_for_message(lan.chat_id)
        await lan.send("/topics")
        picker = await sb.wait_for_message(lan.chat_id)
        assert (picker.text or "").startswith("Chọn các chuyên mục bạn muốn nhận tin")
        assert labels(picker) == ["Thời sự", "Kinh tế", "Thể thao", "✅ Tất cả", "Xong"]

        assert await tap(bot, lan, picker, "Thể thao") == {}
        assert labels(picker) == ["Thời sự", "Kinh tế", "✅ Thể thao", "Tất cả", "Xong"]
        assert await followed(database, lan.chat_id) == (False, {"the-thao"})
        await tap(bot, lan, picker, "Kinh tế")
        assert labels(picker) == ["Thời sự", "✅ Kinh tế", "✅ Thể thao", "Tất cả", "Xong"]
        await tap(bot, lan, picker, "✅ Thể thao")
        assert await followed(database, lan.chat_id) == (False, {"kinh-te"})

        await tap(bot, lan, picker, "Xong")
        assert picker.text == (
            "Đã lưu: bạn nhận tin của các chuyên mục Kinh tế. Gõ /topics để đổi."
        )
        assert picker.buttons == []
        assert sb.messages(lan.chat_id)[-1] is picker, "the picker is edited, never re-sent"
        assert bot.unanswered_queries() == []


async def test_all_clears_the_choice_and_stale_or_forged_taps_are_answered(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS) as bot:
        john = sb.user(1002, "John", language_code="en")
        await john.send("/start")
        await sb.wait_for_message(john.chat_id)
        await john.send("/topics")
        picker = await sb.wait_for_message(john.chat_id)
        await tap(bot, john, picker, "Thời sự")
        await tap(bot, john, picker, "All")
        assert labels(picker) == ["Thời sự", "Kinh tế", "Thể thao", "✅ All", "Done"]
        assert await followed(database, john.chat_id) == (True, set())

        gone = await bot.answer(await bot.tap_data(john, picker, "tp:giai-tri"))
        forged = await bot.answer(await bot.tap_data(john, picker, "tp:Thể thao"))
        assert gone == {
            "text": "This topic no longer exists. Type /topics to open the list again.",
            "show_alert": True,
        }
        assert forged == {"text": "This button no longer works. Type /help to see the commands."}
        assert bot.unanswered_queries() == []
    assert await followed(database, john.chat_id) == (True, set())


async def test_only_subscribers_get_the_picker(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS):
        lan = sb.user(1001, "Lan")
        await lan.send("/topics")
        answer = await sb.wait_for_message(lan.chat_id)
    assert (answer.text or "").startswith("Bạn chưa đăng ký nhận tin. Gõ /start")
    assert answer.buttons == []
