"""The gettext catalogues: complete in both languages, current when compiled, used correctly.

Every message a ``t``/``tn`` call in ``bot/`` names must exist, translated, in Vietnamese and
English; HTML messages escape their parameters; dates and numbers follow the locale.
"""

from __future__ import annotations

import json
import logging
import shutil
import tomllib
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

import bot
import bot.i18n.translate
from bot.i18n import (
    Deferred,
    Markup,
    UnknownMessage,
    catalogue,
    deferred,
    deferred_n,
    format_date,
    format_datetime,
    format_number,
    format_time,
    lint,
    pick_locale,
    pofiles,
    render,
    t,
    t_html,
    tn,
)
from bot.i18n import __main__ as cli
from bot.i18n.loader import SOURCE_ROOT, Catalogue, catalogue_path, read_compiled
from tests.sandbox.errors import ApiError
from tests.sandbox.text_html import parse_html

REPO = Path(__file__).resolve().parents[2]
BOT = Path(bot.__file__).resolve().parent
LOCALES = ("vi", "en")


def sources() -> dict[str, Catalog]:
    return {locale: pofiles.read_source(locale) for locale in LOCALES}


def build(tmp_path: Path, messages: dict[str, dict[str, object]]) -> dict[str, Catalogue]:
    """Catalogues written as .po with the project's headers, compiled, and read back."""
    loaded = {}
    for locale, entries in messages.items():
        catalog = pofiles.new_catalog(locale)
        for key, text in entries.items():
            html = key.startswith("html.")
            if isinstance(text, tuple):
                catalog.add((key, key), text, context="html" if html else None)
            else:
                catalog.add(key, text, context="html" if html else None)
        pofiles.write_source(catalog, locale, tmp_path)
        mo = pofiles.compile_locale(locale, tmp_path)
        loaded[locale] = read_compiled(mo.read_bytes(), locale)
    return loaded


@pytest.fixture
def use_catalogues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, dict[str, object]]], None]:
    """Make t()/tn() answer from catalogues built for one test."""

    def install(messages: dict[str, dict[str, object]]) -> None:
        loaded = build(tmp_path, messages)
        monkeypatch.setattr(bot.i18n.translate, "load", loaded.__getitem__)

    return install


# --- the shipped catalogues ---------------------------------------------------------------


def test_vietnamese_and_english_have_the_same_keys_and_placeholders() -> None:
    vi, en = catalogue("vi"), catalogue("en")
    assert vi.entries.keys() == en.entries.keys()
    for key in vi.entries:
        vi_names = set().union(*(lint.placeholders(f) for f in vi.entries[key].forms))
        en_names = set().union(*(lint.placeholders(f) for f in en.entries[key].forms))
        assert vi_names == en_names, key
        assert vi.entries[key].html == en.entries[key].html, key
    assert lint.catalogue_problems(sources()) == []


def test_every_html_message_is_html_telegram_accepts() -> None:
    """A stray ``<mã>`` in a /help line made Telegram refuse the whole reply (400 "can't parse
    entities"): every HTML message, each plural form, its placeholders filled, must parse."""
    bad = []
    for locale in LOCALES:
        for key, entry in catalogue(locale).entries.items():
            if not entry.html:
                continue
            for form in entry.forms:
                filled = form
                for name in lint.placeholders(form):
                    filled = filled.replace("{" + name + "}", "x")
                try:
                    parse_html(filled)
                except ApiError as error:
                    bad.append((locale, key, error.description))
    assert bad == []


def test_catalogue_files_are_stored_in_nfc() -> None:
    for locale in LOCALES:
        raw = catalogue_path(locale, ".po").read_text("utf-8")
        assert unicodedata.is_normalized("NFC", raw), locale


def test_compiled_catalogues_match_their_sources() -> None:
    """The shipped .mo files are what `python -m bot.i18n compile` makes of the .po files."""
    assert cli.stale_locales(SOURCE_ROOT) == [], "run: python -m bot.i18n compile"


def test_an_edited_source_makes_its_compiled_catalogue_stale(tmp_path: Path) -> None:
    shutil.copytree(SOURCE_ROOT, tmp_path, dirs_exist_ok=True)
    po = catalogue_path("en", ".po", tmp_path)
    po.write_text(po.read_text("utf-8").replace("Unsubscribe", "Leave"), "utf-8")
    assert cli.stale_locales(tmp_path) == ["en"]
    assert cli.main(["--root", str(tmp_path), "compile", "--check"]) == 1
    assert cli.main(["--root", str(tmp_path), "compile"]) == 0
    assert cli.stale_locales(tmp_path) == []


def test_packaging_ships_every_compiled_catalogue() -> None:
    """pyproject's package data covers each .mo, so `pip install .` carries the catalogues."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot.i18n"]
    assert any(dep.lower().startswith("babel") for dep in config["project"]["dependencies"])
    for locale in LOCALES:
        relative = catalogue_path(locale, ".mo").relative_to(BOT / "i18n").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative


def test_every_message_used_in_code_is_in_both_catalogues() -> None:
    usages, problems = lint.scan([BOT], relative_to=REPO)
    assert problems == []
    assert lint.usage_problems(usages, sources()) == []
    used = {key for usage in usages for key in usage.keys}
    assert {"start.welcome", "start.welcome_group", "command.help", "button.read"} <= used


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


def test_plural_rules_come_from_the_catalogue_headers() -> None:
    en, vi = catalogue("en"), catalogue("vi")
    assert en.nplurals == 2
    assert [en.plural_index(n) for n in (0, 1, 2, 21)] == [1, 0, 1, 1]
    assert vi.nplurals == 1
    assert {vi.plural_index(n) for n in (0, 1, 2, 21)} == {0}


# --- escaping -----------------------------------------------------------------------------


def test_html_messages_escape_the_readers_name() -> None:
    text = t("start.welcome", "vi", name='<Tí & "Tèo">')
    assert text.startswith("Xin chào &lt;Tí &amp; &quot;Tèo&quot;&gt;! 👋")
    assert "<b>Đài Phát thanh – Truyền hình Kon Tum</b>" in text  # the message's own markup
    assert isinstance(text, Markup)
    assert t_html("start.welcome", "vi", name='<Tí & "Tèo">') == text  # HTML already


def test_safe_markup_is_placed_as_it_is() -> None:
    text = t("start.welcome_back", "en", name=Markup("<i>An</i>"))
    assert text.startswith("Welcome back, <i>An</i>! 👋")


def test_plain_messages_are_not_escaped(use_catalogues: Callable[..., None]) -> None:
    use_catalogues(
        {
            "vi": {"alert.down": "Nguồn tin {url} lỗi", "html.link": "<b>{title}</b> {body}"},
            "en": {"alert.down": "Feed {url} failed", "html.link": "<b>{title}</b> {body}"},
        }
    )
    assert t("alert.down", "en", url="https://a.vn/?a=1&b=<2>") == (
        "Feed https://a.vn/?a=1&b=<2> failed"
    )
    assert not isinstance(t("alert.down", "en", url="x"), Markup)
    # An HTML message's result is Markup, so it nests into another without double escaping.
    inner = t("html.link", "vi", title="A&B", body="")
    assert t("html.link", "vi", title="x", body=inner) == "<b>x</b> <b>A&amp;B</b> "
    # Numbers keep their format specs; other values are escaped as text.
    assert t("html.link", "vi", title=3, body=[1, "<"]) == "<b>3</b> [1, '&lt;']"


# --- plurals, fallbacks -------------------------------------------------------------------


def test_english_plural_forms(use_catalogues: Callable[..., None]) -> None:
    use_catalogues(
        {
            "vi": {"digest.count": ("{n} bài mới trong chuyên mục {topic}",)},
            "en": {
                "digest.count": ("{n} new story in {topic}", "{n} new stories in {topic}"),
            },
        }
    )
    assert tn("digest.count", 1, "en", topic="Sport") == "1 new story in Sport"
    assert tn("digest.count", 0, "en", topic="Sport") == "0 new stories in Sport"
    assert tn("digest.count", 2, "en", topic="Sport") == "2 new stories in Sport"
    assert tn("digest.count", 1234, "en", topic="Sport") == "1,234 new stories in Sport"
    assert tn("digest.count", 1, "vi", topic="Thể thao") == "1 bài mới trong chuyên mục Thể thao"
    assert tn("digest.count", 1234, "vi", topic="Thể thao") == (
        "1.234 bài mới trong chuyên mục Thể thao"
    )


def test_a_message_missing_in_english_falls_back_to_vietnamese_and_is_logged(
    use_catalogues: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    use_catalogues({"vi": {"only.vi": "Chỉ tiếng Việt", "both": "Cả hai"}, "en": {"both": "Both"}})
    with caplog.at_level(logging.ERROR, logger="bot.i18n"):
        assert t("only.vi", "en") == "Chỉ tiếng Việt"
        assert t("both", "en") == "Both"
        assert t("nowhere", "en") == "nowhere"  # shown rather than crashing a reply
        assert t("both", "en", extra="ignored") == "Both"
    assert [r.getMessage() for r in caplog.records] == [
        "message only.vi missing in en; answering in vi",
        "message nowhere missing from every catalogue",
    ]


def test_a_forgotten_parameter_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.i18n"):
        assert t("start.welcome", "en").startswith("Hello {name}! 👋")
    assert "message parameter name not given" in caplog.text


# --- messages stored now, sent later -----------------------------------------------------


def test_deferred_messages_survive_json_and_render_in_each_readers_language(
    use_catalogues: Callable[..., None],
) -> None:
    use_catalogues(
        {
            "vi": {"html.burst": ("… và {n} bài khác từ <b>{source}</b>",), "plain": "{url} < 2"},
            "en": {
                "html.burst": (
                    "… and {n} more story from <b>{source}</b>",
                    "… and {n} more stories from <b>{source}</b>",
                ),
                "plain": "{url} < 2",
            },
        }
    )
    stored = json.loads(json.dumps(deferred_n("html.burst", 1, source="Đài A & B").to_json()))
    message = Deferred.from_json({**stored, "url": "https://x.vn"})  # other fields ignored
    assert message == deferred_n("html.burst", 1, source="Đài A & B")
    assert render(message, "en") == "… and 1 more story from <b>Đài A &amp; B</b>"
    assert render(message, "vi") == "… và 1 bài khác từ <b>Đài A &amp; B</b>"
    assert render(deferred_n("html.burst", 1200, source="x"), "vi").startswith("… và 1.200 bài")
    # A plain message is escaped whole, so a renderer can always send HTML.
    assert render(deferred("plain", url="a<b"), "en") == "a&lt;b &lt; 2"
    assert t_html("plain", "en", url="a<b") == "a&lt;b &lt; 2"
    assert t("plain", "en", url="a<b") == "a<b < 2"


def test_a_stored_message_the_catalogues_lost_is_refused() -> None:
    with pytest.raises(UnknownMessage):
        render(deferred("removed.since.queued"), "vi")
    assert issubclass(UnknownMessage, KeyError)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"params": {}},
        {"key": 3},
        {"key": "a", "params": ["x"]},
        {"key": "a", "params": {"x": True}},
        {"key": "a", "params": {"x": {"y": 1}}},
        {"key": "a", "n": "2"},
    ],
)
def test_bad_stored_messages_are_rejected(data: object) -> None:
    with pytest.raises(ValueError):
        Deferred.from_json(data)


# --- the checks themselves fail when they should ------------------------------------------


def test_scanner_rejects_keys_it_cannot_read() -> None:
    source = """
from bot.i18n import t, tn as plural
import bot.i18n as i18n
t(f"command.{name}", locale)
t(key, locale)
t("a." + b)
i18n.t(prefix)
plural(variable, 2)
t("ok.literal", locale, name=x)
t("yes.a" if cond else "yes.b", locale)
plural("count.n", n, locale, **params)
"""
    usages, problems = lint.scan_source(source, "m.py")
    assert [p.split(":")[1] for p in problems] == ["4", "5", "6", "7", "8"]
    assert [u.keys for u in usages] == [("ok.literal",), ("yes.a", "yes.b"), ("count.n",)]
    assert usages[0].keywords == {"name"} and usages[2].splat and usages[2].function == "tn"


def test_scanner_ignores_functions_named_t_that_are_not_ours() -> None:
    usages, problems = lint.scan_source("from x import t\nt(a)\nt('b')\n", "m.py")
    assert usages == [] and problems == []


def test_scanner_sees_every_function_that_names_a_message() -> None:
    usages, problems = lint.scan_source(
        "from bot.i18n import t_html, deferred\n"
        "from bot.i18n.deferred import deferred_n\n"
        "t_html('a', locale)\n"
        "deferred('b', url=u)\n"
        "deferred_n('c', count, source=s)\n"
        "deferred(BURST_KEY)\n",
        "m.py",
    )
    assert [(u.function, u.keys) for u in usages] == [
        ("t_html", ("a",)),
        ("deferred", ("b",)),
        ("deferred_n", ("c",)),
    ]
    assert problems == ["m.py:6: deferred() needs a literal message id, not an expression"]


def test_usage_check_reports_missing_messages_and_parameters() -> None:
    usages, _ = lint.scan_source(
        "from bot.i18n import t, tn\n"
        "t('start.welcome', locale)\n"  # {name} not passed
        "t('no.such.key', locale)\n"
        "tn('stop.done', 3, locale)\n",  # not a plural message
        "m.py",
    )
    assert lint.usage_problems(usages, sources()) == [
        "m.py:2: 'start.welcome' (en) needs ['name'] not passed",
        "m.py:2: 'start.welcome' (vi) needs ['name'] not passed",
        "m.py:3: 'no.such.key' missing from the en catalogue",
        "m.py:3: 'no.such.key' missing from the vi catalogue",
        "m.py:4: 'stop.done' is not plural: tn() is not for it",
    ]


def test_catalogue_check_reports_every_kind_of_bad_entry() -> None:
    vi, en = pofiles.new_catalog("vi"), pofiles.new_catalog("en")
    vi.add("empty", "")
    en.add("empty", "Empty?")
    vi.add("nfd", unicodedata.normalize("NFD", "Tiếng Việt"))
    en.add("nfd", "Vietnamese")
    vi.add("names", "Chào {name}")
    en.add("names", "Hello {first_name}")
    vi.add("html.flag", "<b>x</b>", context="html")
    en.add("html.flag", "<b>x</b>")
    vi.add("positional", "{} bài")
    en.add("positional", "{0} stories")
    vi.add("only.vi", "Chỉ")
    en.add("fuzzy", "Maybe", flags=["fuzzy"])
    en.add(("plural.one", "plural.one"), ("{n} story",))
    vi.add(("plural.one", "plural.one"), ("{n} bài",))
    assert lint.catalogue_problems({"vi": vi, "en": en}) == [
        "vi: empty: empty translation",
        "vi: nfd: not in NFC",
        "vi: positional: bad template: positional placeholder {} (name it)",
        "en: fuzzy: marked fuzzy (not translated yet)",
        "en: plural.one: 1 plural forms, en has 2",
        "en: positional: bad template: positional placeholder {} (name it)",
        "en: only.vi: missing (present in vi)",
        "en: fuzzy: not in vi",
        "en: html.flag: msgctxt html differs from vi",
        "en: names: placeholders ['first_name'] but vi has ['name']",
    ]


# --- the maintenance command --------------------------------------------------------------


def test_import_json_merges_new_and_changed_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(SOURCE_ROOT, tmp_path / "locales")
    root = tmp_path / "locales"
    incoming = tmp_path / "vi.json"
    incoming.write_text(
        '{"button.read": "📖 Đọc bài", "stop.done": "Đã hủy.", '
        '"alert.disk_full": "⚠️ Nguồn tin {url} lỗi", '
        '"notice.digest": "' + unicodedata.normalize("NFD", "<b>Bản tin</b> {title}") + '"}',
        "utf-8",
    )
    assert cli.main(["--root", str(root), "import-json", str(incoming), "vi"]) == 0
    out = capsys.readouterr().out
    assert "vi: 2 added, 1 changed, 1 unchanged" in out
    assert "notice.digest" in out.splitlines()[-2]  # listed among the HTML messages

    loaded = read_compiled(catalogue_path("vi", ".mo", root).read_bytes(), "vi")
    assert loaded.entries["stop.done"].forms == ("Đã hủy.",)
    assert loaded.entries["notice.digest"].html
    assert loaded.entries["notice.digest"].forms == ("<b>Bản tin</b> {title}",)  # NFC now
    assert not loaded.entries["alert.disk_full"].html
    assert loaded.entries["start.welcome"] == catalogue("vi").entries["start.welcome"]
    assert cli.stale_locales(root) == []
    # Until English has the new keys, the check names them.
    problems = lint.catalogue_problems(
        {locale: pofiles.read_source(locale, root) for locale in LOCALES}
    )
    assert "en: alert.disk_full: missing (present in vi)" in problems


def test_import_json_flags_can_be_overridden(tmp_path: Path) -> None:
    incoming = tmp_path / "en.json"
    incoming.write_text('{"a": "x < y", "b": "<b>bold</b>"}', "utf-8")
    report = pofiles.import_json(
        incoming, "en", root=tmp_path, html=frozenset({"a"}), plain=frozenset({"b"})
    )
    assert report.added == ["a", "b"] and report.html == ["a"]


def test_check_command_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check"]) == 0
    assert capsys.readouterr().out.strip().endswith(", 0 problems")


# --- dates and numbers --------------------------------------------------------------------

MOMENT = datetime(2014, 7, 4, 9, 15, tzinfo=UTC)  # 16:15 in Kon Tum


def test_vietnamese_dates_and_times() -> None:
    assert format_datetime(MOMENT, "vi") == "16:15, 04/07/2014"
    assert format_time(MOMENT, "vi") == "16:15"
    assert format_date(MOMENT, "vi") == "04/07/2014"
    assert format_datetime(MOMENT.replace(tzinfo=None), "vi") == "16:15, 04/07/2014"  # naive: UTC
    assert format_datetime(MOMENT, "vi", tz="UTC") == "09:15, 04/07/2014"


def test_english_dates_and_unknown_locales() -> None:
    assert format_datetime(MOMENT, "en") == "16:15, 4 Jul 2014"
    assert format_date(MOMENT, "en") == "4 Jul 2014"
    assert format_datetime(MOMENT, "fr") == "16:15, 04/07/2014"


def test_numbers_follow_the_locale() -> None:
    assert format_number(1234, "vi") == "1.234"
    assert format_number(1234.5, "vi") == "1.234,5"
    assert format_number(1234, "en") == "1,234"
    assert format_number(7, "vi") == "7"
