"""The ``newsbot`` command line: run the bot, manage the database, preview feeds."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.logsetup import redact, setup_logging
from config import Settings, SettingsError, load_settings

log = logging.getLogger("newsbot")

EXIT_CONFIG = 2

TOKEN_MISSING = (
    "NEWSBOT_TELEGRAM_TOKEN must be set: create a bot with @BotFather in Telegram "
    "(/newbot), then run `export NEWSBOT_TELEGRAM_TOKEN=<the token it gives you>`."
)

WEBHOOK_URL_MISSING = (
    "newsbot run --webhook needs NEWSBOT_WEBHOOK_URL: the public https URL Telegram should "
    "send updates to (the web server listens on NEWSBOT_HTTP_HOST:NEWSBOT_HTTP_PORT)."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Telegram news bot of Đài Phát thanh – Truyền hình Kon Tum.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="run the bot (long polling or webhook); waits for Telegram and the database"
    )
    run.add_argument("--config", type=Path, help="optional TOML settings file")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates through the webhook at NEWSBOT_WEBHOOK_URL (required with it)",
    )
    run.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="one readable line or one JSON object per event (NEWSBOT_LOG_FORMAT)",
    )

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    for name, text in (("upgrade", "apply migrations (idempotent)"), ("current", "show revision")):
        action = db_commands.add_parser(name, help=text)
        action.add_argument("--config", type=Path, help="optional TOML settings file")

    feed = commands.add_parser("feed", help="feeds")
    feed_commands = feed.add_subparsers(dest="feed_command", metavar="ACTION", required=True)
    preview = feed_commands.add_parser(
        "preview", help="fetch, parse and summarise a feed (URL or file) without storing it"
    )
    preview.add_argument("source", help="feed URL or local file")
    preview.add_argument("--json", action="store_true", help="print one JSON array")
    preview.add_argument(
        "--fetch-pages",
        action="store_true",
        help="complete entries without text from their article pages, as the bot does",
    )
    preview.add_argument("--config", type=Path, help="optional TOML settings file")
    return parser


def _fail(message: str) -> int:
    print(f"newsbot: {redact(message)}", file=sys.stderr)
    return EXIT_CONFIG


async def _db(settings: Settings, action: str) -> None:
    from storage.db import Database

    database = Database(settings.database_url)
    try:
        await database.check()
        if action == "upgrade":
            await database.upgrade()
        print(f"schema revision: {await database.current_revision() or 'none'}")
    finally:
        await database.dispose()


async def _preview(settings: Settings, source: str, as_json: bool, fetch_pages: bool) -> str:
    from bot.feeds.preview import preview_feed, preview_json, preview_text

    parsed = await preview_feed(
        source,
        summary_limit=settings.summary_limit,
        fetch_pages=fetch_pages,
        locale=settings.locale,
    )
    if parsed.skipped:
        # stderr: stdout stays exactly one JSON array (or the text listing).
        print(
            f"newsbot: skipped {parsed.skipped} entries without a title or text",
            file=sys.stderr,
        )
    return preview_json(parsed.entries) if as_json else preview_text(parsed.entries)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {}
    if getattr(args, "log_format", None):
        overrides["log_format"] = args.log_format
    # Loading the settings may warn already: in the format asked for, not Python's fallback.
    early = overrides.get("log_format") or os.environ.get("NEWSBOT_LOG_FORMAT", "").lower()
    setup_logging("WARNING", "json" if early == "json" else "text")
    try:
        settings = load_settings(getattr(args, "config", None), **overrides)
    except SettingsError as error:
        return _fail(str(error))
    setup_logging(settings.log_level, settings.log_format)

    from bot.feeds.errors import FeedError
    from bot.retry import StartupError
    from storage.db import DatabaseUnavailable
    from storage.lock import AlreadyRunning

    try:
        if args.command == "run":
            if settings.telegram_token is None:
                return _fail(TOKEN_MISSING)
            if args.webhook and settings.webhook_url is None:
                return _fail(WEBHOOK_URL_MISSING)
            from bot.runner import run

            asyncio.run(run(settings))
        elif args.command == "db":
            asyncio.run(_db(settings, args.db_command))
        elif args.command == "feed":
            output = asyncio.run(_preview(settings, args.source, args.json, args.fetch_pages))
            sys.stdout.write(output + "\n")
    except (DatabaseUnavailable, AlreadyRunning, StartupError, FeedError) as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
