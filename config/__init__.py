"""Configuration: ``NEWSBOT_*`` environment variables, ``.env`` and an optional TOML file."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
