"""The handlers' context type (python-telegram-bot ``ContextTypes``)."""

from __future__ import annotations

from telegram.ext import ContextTypes

CONTEXT_TYPES = ContextTypes()
