"""Settings from ``NEWSBOT_*`` environment variables, a ``.env`` file and an optional TOML file.

Precedence, highest first: environment, ``.env``, TOML file, defaults. The TOML file uses the
field names without the prefix (``telegram_token = "..."``, ``feeds = ["https://..."]``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

log = logging.getLogger(__name__)

ENV_PREFIX = "NEWSBOT_"
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
LOCALES = ("vi", "en")


def _split_csv(value: Any) -> Any:
    """Accept ``a,b`` from the environment as well as real lists from TOML."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


# Kon Tum TV's news sections (kontumtv.vn's WordPress categories), the picker's default.
SECTIONS = (
    "Thời sự",
    "Kinh tế",
    "Văn hóa - Xã hội",
    "Giáo dục",
    "Y tế",
    "Thể thao",
    "Nông nghiệp",
    "Giao thông",
    "Quốc phòng - An ninh",
)


class Settings(BaseSettings):
    """Everything an operator can set; names are fixed because operators rely on them."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )
    toml_file: ClassVar[Path | None] = None

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///newsbot.db"
    feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["https://kontumtv.vn/feed"]
    )
    poll_interval: int = Field(default=300, ge=1)
    # /addfeed: feeds on loopback, private or link-local addresses are refused (an admin's
    # typo must not make the bot fetch the station's internal network) unless this is true
    # (an intranet feed, or tests against a local site).
    feeds_allow_private: bool = False
    # The topic picker's sections (the station's WordPress categories; feeds also list tags).
    sections: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(SECTIONS))
    # With NEWSBOT_WORDPRESS_URL set, the picker offers the site's top-level categories
    # (cached an hour; NEWSBOT_SECTIONS is the fallback when WordPress does not answer).
    sections_from_wordpress: bool = True
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_chat_id: int | None = None
    send_rate: float = Field(default=30.0, gt=0, le=1000)
    # Telegram's paid broadcasts (allow_paid_broadcast): up to 1000 msg/s, billed in Stars.
    paid_broadcast: bool = False
    locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    summary_limit: int = Field(default=400, ge=80, le=1000)
    log_level: str = "INFO"
    # Ingest: a feed failing (or yielding nothing usable) this long is reported to the admins.
    feed_alert_after: int = Field(default=1800, ge=60)
    # Ingest: at most this many new items per feed and poll are pushed one by one; the rest of
    # a burst becomes one summary message.
    pushes_per_poll: int = Field(default=5, ge=1, le=100)
    # Delivery: transient failures are retried for as long as the news is this fresh (hours).
    freshness_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # Delivery: a send's read timeout; Telegram under load answers in several seconds.
    send_timeout: float = Field(default=30.0, ge=5, le=300)
    # Delivery: no successful send for this long while messages are due tells the admins.
    send_stall_alert_after: int = Field(default=300, ge=30)
    # Comments: at most this many per reader per minute and per day.
    comments_per_minute: int = Field(default=5, ge=1, le=100)
    comments_per_day: int = Field(default=30, ge=1, le=10_000)
    # Comments: words or phrases that refuse a comment outright (WordPress's "disallowed keys").
    comment_blocklist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Comments: a reader with this many approved comments is approved automatically; 0 = off.
    comment_auto_approve_after: int = Field(default=0, ge=0)
    # WordPress relay: approved comments go to the site's REST API when all three are set.
    wordpress_url: str | None = None
    wordpress_user: str | None = None
    wordpress_app_password: SecretStr | None = None
    # WordPress requires an author email; readers are never asked for theirs.
    wordpress_author_email: str = "telegram@kontumtv.vn"
    # Operations: the bot's web server (/healthz, /metrics, the webhook). Off in polling mode
    # unless a port is set; webhook mode listens on 8080 when no port is given.
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, ge=0, le=65535)  # 0: any free port (tests)
    # Operations: /healthz answers 503 when no feed was polled successfully for this long
    # (seconds); unset = three poll intervals (a poll may fail twice before it is news).
    health_stale_after: int | None = Field(default=None, ge=60)
    # Operations: webhook mode when set (the public https URL Telegram POSTs updates to).
    webhook_url: str | None = None
    # Operations: the X-Telegram-Bot-Api-Secret-Token Telegram sends; unset = derived from
    # the bot token (every process of one bot derives the same, none prints it).
    webhook_secret: SecretStr | None = None
    # Operations: "text" (one readable line per event) or "json" (one object per line).
    log_format: str = "text"
    # Ingest: the path of WordPress's update ping (Settings → Writing → Update Services) on
    # the web server; a ping from a configured site polls its feeds at once. Empty: off.
    ping_path: str = "/wordpress/ping"

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            # The message must not echo the value: it is a secret.
            raise ValueError("expected the token from @BotFather, shaped like 123456789:AAE…")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError(
                "expected sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db"
            )
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _feeds_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("sections", mode="before")
    @classmethod
    def _sections_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("feeds")
    @classmethod
    def _feeds_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not re.match(r"^https?://\S+$", url):
                raise ValueError(f"expected http(s) feed URLs separated by commas, got {url!r}")
        return value

    @field_validator("comment_blocklist", mode="before")
    @classmethod
    def _blocklist_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("wordpress_url")
    @classmethod
    def _wordpress_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://[^\s/]+", value.strip()):
            raise ValueError("expected the site's address, such as https://kontumtv.vn")
        return value.strip().rstrip("/")

    @property
    def wordpress_configured(self) -> bool:
        return bool(self.wordpress_url and self.wordpress_user and self.wordpress_app_password)

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _owner_csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"expected one of {', '.join(LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Ho_Chi_Minh") from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://[^\s/]+", value.strip()):
            raise ValueError("expected the public https URL Telegram should call")
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1-256 characters, A-Z a-z 0-9 _ -.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("expected 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("ping_path")
    @classmethod
    def _ping_path(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+/?", value):
            raise ValueError("expected a path such as /wordpress/ping (or empty: off)")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("expected text or json")
        return value.lower()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def token(self) -> str:
        """The bot token; callers check ``telegram_token`` is set first."""
        assert self.telegram_token is not None
        return self.telegram_token.get_secret_value().strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if cls.toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_file))
        return tuple(sources)


class SettingsError(Exception):
    """A configuration value is wrong; the message is one sentence for the operator."""


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "configuration"
    reason = str(first["msg"]).removeprefix("Value error, ")
    return f"{ENV_PREFIX}{field.upper()} is invalid: {reason}."


def load_settings(toml_file: Path | None = None, **overrides: Any) -> Settings:
    """Load settings or raise ``SettingsError`` naming the variable (never its secret value)."""
    if toml_file is not None and not toml_file.is_file():
        raise SettingsError(f"The configuration file {toml_file} does not exist.")

    class _Loaded(Settings):
        pass

    _Loaded.toml_file = toml_file
    try:
        settings: Settings = _Loaded(**overrides)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
    except ValueError as error:  # TOML syntax errors and the like
        raise SettingsError(f"The configuration could not be read: {error}.") from None
    if settings.poll_interval < 60:
        log.warning(
            "NEWSBOT_POLL_INTERVAL=%s is below 60 seconds; the station's site may throttle us",
            settings.poll_interval,
        )
    return settings
