"""States stored in the database, as enums: one spelling, checked by mypy, matched exhaustively.

StrEnum members compare equal to their stored strings, so rows written before a member existed
read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who may do what. Owners come from configuration; admins and moderators are stored."""

    OWNER = "owner"
    ADMIN = "admin"
    MODERATOR = "moderator"
