"""Roles: owners from settings, admins and moderators from storage, in one order."""

from __future__ import annotations

import pytest

from bot.services.roles import Roles, allows, rank
from storage.db import Database
from storage.enums import Role
from storage.models import Admin
from storage.repositories import admins

OWNER, ADMIN, MODERATOR, READER = 42, 43, 44, 45


async def test_each_person_gets_their_role(database: Database) -> None:
    async with database.session() as session:
        await admins.grant(session, ADMIN, Role.ADMIN, added_by=OWNER)
        await admins.grant(session, MODERATOR, Role.MODERATOR, added_by=OWNER)
    roles = Roles(database, owner_ids=[OWNER])
    assert [await roles.role_of(who) for who in (OWNER, ADMIN, MODERATOR, READER)] == [
        Role.OWNER,
        Role.ADMIN,
        Role.MODERATOR,
        None,
    ]
    assert await roles.has(ADMIN, Role.MODERATOR) and not await roles.has(MODERATOR, Role.ADMIN)


async def test_a_changed_or_revoked_role_counts_at_once(database: Database) -> None:
    roles = Roles(database, owner_ids=[])
    async with database.session() as session:
        await admins.grant(session, ADMIN, Role.MODERATOR)
    assert await roles.role_of(ADMIN) is Role.MODERATOR
    async with database.session() as session:
        await admins.grant(session, ADMIN, Role.ADMIN)
    assert await roles.role_of(ADMIN) is Role.ADMIN
    async with database.session() as session:
        assert await admins.revoke(session, ADMIN)
        assert not await admins.revoke(session, ADMIN)
    assert await roles.role_of(ADMIN) is None


async def test_a_stored_owner_or_unknown_role_grants_nothing(database: Database) -> None:
    async with database.session() as session:
        session.add_all([Admin(user_id=1, role="owner"), Admin(user_id=2, role="editor")])
    roles = Roles(database, owner_ids=[])
    assert await roles.role_of(1) is None and await roles.role_of(2) is None


async def test_owners_are_never_stored(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(ValueError, match="only admin, moderator"):
            await admins.grant(session, 1, Role.OWNER)


def test_owner_outranks_admin_outranks_moderator() -> None:
    assert rank(Role.OWNER) > rank(Role.ADMIN) > rank(Role.MODERATOR) > rank(None)
    assert allows(Role.OWNER, Role.ADMIN) and allows(Role.ADMIN, Role.ADMIN)
    assert not allows(Role.MODERATOR, Role.ADMIN) and not allows(None, Role.MODERATOR)
