"""Who may do what: a user's role, resolved on every call, and the order between roles."""

from __future__ import annotations

from collections.abc import Collection

from storage.db import Database
from storage.enums import Role
from storage.repositories import admins


def rank(role: Role | None) -> int:
    """Owner > admin > moderator > everyone else."""
    match role:
        case Role.OWNER:
            return 3
        case Role.ADMIN:
            return 2
        case Role.MODERATOR:
            return 1
        case None:
            return 0


def allows(role: Role | None, required: Role) -> bool:
    """Whether someone with ``role`` may do what needs ``required``."""
    return rank(role) >= rank(required)


class Roles:
    """Owners from configuration (``NEWSBOT_OWNER_IDS``), admins and moderators from storage."""

    def __init__(self, database: Database, owner_ids: Collection[int]) -> None:
        self._database = database
        self._owners = frozenset(owner_ids)

    @property
    def owner_ids(self) -> frozenset[int]:
        return self._owners

    async def role_of(self, user_id: int) -> Role | None:
        """The user's role now; no cache, so a revoked right is gone at the next tap."""
        if user_id in self._owners:
            return Role.OWNER
        async with self._database.session() as session:
            return await admins.role_of(session, user_id)

    async def has(self, user_id: int, required: Role) -> bool:
        return allows(await self.role_of(user_id), required)
