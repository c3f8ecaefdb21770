"""Staff management without Telegram: who may change whose role, naming people, the audit
log written with each change, its pages, and the error reports' rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.audit import PAGE_SIZE, Audit
from bot.services.error_reports import ErrorReports
from bot.services.people import People, Person
from bot.services.roles import Roles
from bot.services.staff import (
    ById,
    ByReply,
    ByUsername,
    Change,
    Staff,
    TargetProblem,
    grant_refusal,
    parse_target,
    revoke_refusal,
)
from storage.db import Database
from storage.enums import AuditAction, Role
from storage.models import AuditEntry, KnownUser

OWNER, SECOND_OWNER, ADMIN, MODERATOR, READER = 42, 41, 43, 44, 45


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def staff_of(database: Database, owners: list[int]) -> tuple[Staff, People, Audit]:
    clock = Clock()
    people, audit = People(database, clock=clock), Audit(database, clock=clock)
    return Staff(database, Roles(database, owners), people, audit), people, audit


async def audit_rows(database: Database) -> list[tuple[int | None, str, str | None]]:
    async with database.session() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.actor_id, r.action, r.target) for r in rows]


@pytest.mark.parametrize(
    ("args", "replied", "is_bot", "expected"),
    [
        (["123456789"], None, False, ById(123456789)),
        (["@Lan_Pham"], None, False, ByUsername("Lan_Pham")),
        ([], Person(7, "lan", "Lan"), False, ByReply(Person(7, "lan", "Lan"))),
        (["@lan_pham"], Person(7), False, ByUsername("lan_pham")),  # the argument wins
        ([], Person(8), True, TargetProblem.BOT),
        ([], None, False, TargetProblem.USAGE),
        (["12", "34"], None, False, TargetProblem.USAGE),
        (["-100123"], None, False, TargetProblem.USAGE),
        (["0"], None, False, TargetProblem.USAGE),
        (["lan"], None, False, TargetProblem.USAGE),
        (["@a"], None, False, TargetProblem.USAGE),
        (["@<b>x</b>"], None, False, TargetProblem.USAGE),
    ],
)
def test_a_command_names_one_person(
    args: list[str], replied: Person | None, is_bot: bool, expected: object
) -> None:
    assert parse_target(args, replied, replied_is_bot=is_bot) == expected


def test_only_an_outranking_actor_changes_a_role() -> None:
    assert grant_refusal(Role.OWNER, None, Role.ADMIN) is None
    assert grant_refusal(Role.OWNER, Role.MODERATOR, Role.ADMIN) is None
    assert grant_refusal(Role.OWNER, Role.ADMIN, Role.ADMIN) is Change.ALREADY
    assert grant_refusal(Role.OWNER, Role.OWNER, Role.ADMIN) is Change.OWNER
    assert grant_refusal(Role.ADMIN, None, Role.ADMIN) is Change.OUTRANKED
    assert grant_refusal(Role.ADMIN, None, Role.MODERATOR) is None
    assert grant_refusal(None, None, Role.MODERATOR) is Change.OUTRANKED


def test_an_owner_is_never_removed_and_never_by_an_admin() -> None:
    assert revoke_refusal(Role.ADMIN, Role.OWNER, Role.ADMIN, owners=2) is Change.OUTRANKED
    assert revoke_refusal(Role.ADMIN, Role.ADMIN, Role.ADMIN, owners=2) is Change.OUTRANKED
    assert revoke_refusal(Role.OWNER, Role.OWNER, Role.ADMIN, owners=1) is Change.LAST_OWNER
    assert revoke_refusal(Role.OWNER, Role.OWNER, Role.ADMIN, owners=2) is Change.OWNER
    assert revoke_refusal(Role.OWNER, Role.MODERATOR, Role.ADMIN, owners=1) is Change.NOT_IN_ROLE
    assert revoke_refusal(Role.OWNER, Role.ADMIN, Role.ADMIN, owners=1) is None
    assert revoke_refusal(Role.ADMIN, Role.MODERATOR, Role.MODERATOR, owners=1) is None


async def test_grants_and_revokes_are_audited_with_the_change(database: Database) -> None:
    staff, people, _ = staff_of(database, [OWNER])
    await people.seen(Person(ADMIN, "Hoa_KTV", "Hoa"))
    added = await staff.grant(OWNER, ByUsername("hoa_ktv"), Role.ADMIN)  # any letter case
    assert added.outcome is Change.DONE and added.person == Person(ADMIN, "Hoa_KTV", "Hoa")
    assert added.after is Role.ADMIN
    demoted = await staff.grant(OWNER, ById(ADMIN), Role.MODERATOR)
    assert (demoted.outcome, demoted.previous) == (Change.SWITCHED, Role.ADMIN)
    not_admin = await staff.revoke(OWNER, ById(ADMIN), Role.ADMIN)
    assert not_admin.outcome is Change.NOT_IN_ROLE
    removed = await staff.revoke(OWNER, ById(ADMIN), Role.MODERATOR)
    assert removed.outcome is Change.DONE and removed.after is None
    assert await audit_rows(database) == [
        (OWNER, AuditAction.ADMIN_ADDED, f"user:{ADMIN}"),
        (OWNER, AuditAction.MODERATOR_ADDED, f"user:{ADMIN}"),
        (OWNER, AuditAction.MODERATOR_REMOVED, f"user:{ADMIN}"),
    ]


async def test_the_last_owner_and_configured_owners_stay(database: Database) -> None:
    alone, _, _ = staff_of(database, [OWNER])
    assert (await alone.revoke(OWNER, ById(OWNER), Role.ADMIN)).outcome is Change.LAST_OWNER
    two, _, _ = staff_of(database, [OWNER, SECOND_OWNER])
    assert (await two.revoke(OWNER, ById(SECOND_OWNER), Role.ADMIN)).outcome is Change.OWNER
    assert (await two.grant(OWNER, ById(SECOND_OWNER), Role.MODERATOR)).outcome is Change.OWNER
    assert await audit_rows(database) == []


async def test_an_unseen_username_is_not_guessed(database: Database) -> None:
    staff, _, _ = staff_of(database, [OWNER])
    missed = await staff.grant(OWNER, ByUsername("nobody_here"), Role.ADMIN)
    assert missed.outcome is Change.UNKNOWN_USERNAME and missed.person.username == "nobody_here"
    assert await audit_rows(database) == []


async def test_a_username_moves_to_its_new_owner(database: Database) -> None:
    people = People(database)
    await people.seen(Person(1, "tin_nhanh", "An"))
    await people.seen(Person(2, "Tin_Nhanh", "Bình"))
    found = await people.by_username("TIN_NHANH")
    assert found == Person(2, "Tin_Nhanh", "Bình")
    assert (await people.by_ids([1]))[1].username is None


async def test_people_are_written_only_when_they_change(database: Database) -> None:
    people = People(database)
    await people.seen(Person(1, "lan", "Lan"))
    async with database.session() as session:
        row = await session.get(KnownUser, 1)
        assert row is not None
        row.full_name = "changed behind the cache's back"
    await people.seen(Person(1, "lan", "Lan"))  # unchanged: no write
    assert (await people.by_ids([1]))[1].full_name == "changed behind the cache's back"
    await people.seen(Person(1, "lan", "Lan Phạm"))
    assert (await people.by_ids([1]))[1].full_name == "Lan Phạm"


async def test_the_staff_list_names_everyone_by_rank(database: Database) -> None:
    staff, people, _ = staff_of(database, [OWNER])
    await people.seen(Person(OWNER, None, "Chủ"))
    await staff.grant(OWNER, ById(MODERATOR), Role.MODERATOR)
    await staff.grant(OWNER, ByReply(Person(ADMIN, "hoa", "Hoa")), Role.ADMIN)
    members = [(m.person.label, m.role) for m in await staff.members()]
    assert members == [
        ("Chủ", Role.OWNER),
        ("Hoa @hoa", Role.ADMIN),
        (str(MODERATOR), Role.MODERATOR),
    ]


async def test_the_audit_log_pages_newest_first(database: Database) -> None:
    audit = Audit(database, clock=Clock())
    await People(database).seen(Person(OWNER, None, "Chủ"))
    for n in range(PAGE_SIZE + 3):
        await audit.record(OWNER, AuditAction.REFUSED, f"command:/x{n}", {"n": n})
    first, second = await audit.page(0), await audit.page(1)
    assert (first.page, first.pages, first.total) == (0, 2, PAGE_SIZE + 3)
    assert [line.target for line in first.lines][:2] == [
        f"command:/x{PAGE_SIZE + 2}",
        f"command:/x{PAGE_SIZE + 1}",
    ]
    assert first.lines[0].actor_name == "Chủ" and first.lines[0].details == {"n": PAGE_SIZE + 2}
    assert [line.target for line in second.lines] == ["command:/x2", "command:/x1", "command:/x0"]
    assert first.has_next and not first.has_previous and second.has_previous
    assert not second.has_next
    assert (await audit.page(99)).page == 1  # past the end: the last page


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_one_report_per_error_type_per_window() -> None:
    clock = Ticks()
    reports = ErrorReports(window_s=600, per_window=5, clock=clock)
    assert reports.admit("KeyError") == 0
    assert [reports.admit("KeyError") for _ in range(50)] == [None] * 50
    assert reports.admit("ValueError") == 0  # another type has its own limit
    clock.t = 599.0
    assert reports.admit("KeyError") is None
    clock.t = 600.0
    assert reports.admit("KeyError") == 51  # the next report says how many were left out
    assert reports.admit("KeyError") is None


def test_many_error_types_cannot_flood_the_admin_chat() -> None:
    clock = Ticks()
    reports = ErrorReports(window_s=600, per_window=5, clock=clock)
    admitted = [reports.admit(f"Error{n}") for n in range(20)]
    assert admitted == [0] * 5 + [None] * 15
    clock.t = 600.0
    assert reports.admit("Error7") == 1
