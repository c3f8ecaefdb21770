"""Owners manage the staff: who is an admin or a moderator, audited, with the rules that keep
the bot always owned.

Owners are configuration (``NEWSBOT_OWNER_IDS``), so no command makes or unmakes one: an owner
cannot be removed here at all, and the last owner never (the bot would have nobody to manage
it). A person is named by numeric id, by an ``@username`` the bot has seen, or by replying to
one of their messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.services.audit import Audit
from bot.services.people import People, Person
from bot.services.roles import Roles, rank
from storage.db import Database
from storage.enums import AuditAction, Role
from storage.repositories import admins

_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")  # Telegram: 4 (bots 5) to 32 chars
_USER_ID = re.compile(r"[1-9][0-9]{0,15}")  # user ids are positive, at most 52 bits


@dataclass(frozen=True, slots=True)
class ById:
    user_id: int


@dataclass(frozen=True, slots=True)
class ByUsername:
    username: str


@dataclass(frozen=True, slots=True)
class ByReply:
    person: Person


Target = ById | ByUsername | ByReply


class TargetProblem(StrEnum):
    USAGE = "usage"  # no person named, or more than one word
    BOT = "bot"  # the replied message is a bot's: bots are never staff


def parse_target(
    args: Sequence[str], replied: Person | None, *, replied_is_bot: bool = False
) -> Target | TargetProblem:
    """The person a staff command names: its one argument, else the replied message's author."""
    if len(args) > 1:
        return TargetProblem.USAGE
    if args:
        word = args[0]
        if _USER_ID.fullmatch(word):
            return ById(int(word))
        if (found := _USERNAME.fullmatch(word)) is not None:
            return ByUsername(found.group(1))
        return TargetProblem.USAGE
    if replied is None:
        return TargetProblem.USAGE
    return TargetProblem.BOT if replied_is_bot else ByReply(replied)


class Change(StrEnum):
    """What a grant or a revoke did, or why it did nothing."""

    DONE = "done"
    SWITCHED = "switched"  # had the other stored role, now has this one
    ALREADY = "already"
    NOT_IN_ROLE = "not_in_role"  # revoke: the person does not have that role
    OWNER = "owner"  # the person is an owner: configuration, not commands
    LAST_OWNER = "last_owner"  # the only owner: never removable
    OUTRANKED = "outranked"  # the actor may not change this person's role
    UNKNOWN_USERNAME = "unknown_username"  # no one the bot has seen has this @username


@dataclass(frozen=True, slots=True)
class Changed:
    outcome: Change
    person: Person
    role: Role  # the role the command is about
    previous: Role | None = None
    after: Role | None = None  # the person's role once the change is made

    @property
    def changed(self) -> bool:
        return self.outcome in (Change.DONE, Change.SWITCHED)


def grant_refusal(actor: Role | None, current: Role | None, wanted: Role) -> Change | None:
    """Why ``actor`` may not give ``wanted`` to someone who is ``current`` now (None: may)."""
    if current is Role.OWNER:
        return Change.OWNER
    if actor is not Role.OWNER and (rank(actor) <= rank(wanted) or rank(actor) <= rank(current)):
        return Change.OUTRANKED
    if current is wanted:
        return Change.ALREADY
    return None


def revoke_refusal(
    actor: Role | None, current: Role | None, role: Role, *, owners: int
) -> Change | None:
    """Why ``actor`` may not take ``role`` from someone who is ``current`` (None: may)."""
    if actor is not Role.OWNER and rank(actor) <= rank(current):
        return Change.OUTRANKED  # an admin never removes an owner (nor another admin)
    if current is Role.OWNER:
        return Change.LAST_OWNER if owners <= 1 else Change.OWNER
    if actor is not Role.OWNER and rank(actor) <= rank(role):
        return Change.OUTRANKED
    if current is not role:
        return Change.NOT_IN_ROLE
    return None


_ADDED = {Role.ADMIN: AuditAction.ADMIN_ADDED, Role.MODERATOR: AuditAction.MODERATOR_ADDED}
_REMOVED = {Role.ADMIN: AuditAction.ADMIN_REMOVED, Role.MODERATOR: AuditAction.MODERATOR_REMOVED}


@dataclass(frozen=True, slots=True)
class Member:
    person: Person
    role: Role


class Staff:
    """Grants and revokes stored roles (audited in the same transaction) and lists the staff."""

    def __init__(self, database: Database, roles: Roles, people: People, audit: Audit) -> None:
        self._database = database
        self._roles = roles
        self._people = people
        self._audit = audit

    async def _person(self, target: Target) -> Person | None:
        match target:
            case ByReply(person):
                await self._people.seen(person)
                return person
            case ByUsername(username):
                return await self._people.by_username(username)
            case ById(user_id):
                known = await self._people.by_ids([user_id])
                return known.get(user_id, Person(user_id))

    def _unknown(self, target: Target, role: Role) -> Changed:
        name = target.username if isinstance(target, ByUsername) else ""
        return Changed(Change.UNKNOWN_USERNAME, Person(0, name), role)

    async def grant(self, actor_id: int, target: Target, role: Role) -> Changed:
        """Make the named person an admin or a moderator."""
        person = await self._person(target)
        if person is None:
            return self._unknown(target, role)
        actor = await self._roles.role_of(actor_id)
        current = await self._roles.role_of(person.user_id)
        refusal = grant_refusal(actor, current, role)
        if refusal is not None:
            return Changed(refusal, person, role, current)
        async with self._database.session() as session:
            await admins.grant(session, person.user_id, role, added_by=actor_id)
            details = {"role": role.value, "previous": current.value if current else None}
            await self._audit.record_in(
                session, actor_id, _ADDED[role], f"user:{person.user_id}", details
            )
        outcome = Change.SWITCHED if current else Change.DONE
        return Changed(outcome, person, role, current, after=role)

    async def revoke(self, actor_id: int, target: Target, role: Role) -> Changed:
        """Take the named person's admin or moderator role away."""
        person = await self._person(target)
        if person is None:
            return self._unknown(target, role)
        actor = await self._roles.role_of(actor_id)
        current = await self._roles.role_of(person.user_id)
        owners = len(self._roles.owner_ids)
        refusal = revoke_refusal(actor, current, role, owners=owners)
        if refusal is not None:
            return Changed(refusal, person, role, current)
        async with self._database.session() as session:
            await admins.revoke(session, person.user_id)
            await self._audit.record_in(
                session, actor_id, _REMOVED[role], f"user:{person.user_id}", {"role": role.value}
            )
        return Changed(Change.DONE, person, role, current)

    async def members(self) -> list[Member]:
        """Owners (by id), then admins, then moderators, with their names."""
        async with self._database.session() as session:
            stored = await admins.stored_staff(session)
        owners = sorted(self._roles.owner_ids)
        roles = [(uid, Role.OWNER) for uid in owners]
        roles += [(uid, role) for uid, role in stored if uid not in self._roles.owner_ids]
        known = await self._people.by_ids([uid for uid, _ in roles])
        return [Member(known.get(uid, Person(uid)), role) for uid, role in roles]
