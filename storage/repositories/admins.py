"""People with rights beyond a reader's: admins and moderators (owners come from settings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Role
from storage.models import Admin, utcnow

STORED_ROLES = (Role.ADMIN, Role.MODERATOR)


async def role_of(session: AsyncSession, user_id: int) -> Role | None:
    """The stored role of a user, or None; an unknown stored value counts as no role."""
    stored = await session.scalar(select(Admin.role).where(Admin.user_id == user_id))
    if stored is None:
        return None
    try:
        role = Role(stored)
    except ValueError:
        return None
    # Owners are configuration, never rows: a row saying "owner" grants nothing.
    return role if role in STORED_ROLES else None


async def grant(
    session: AsyncSession,
    user_id: int,
    role: Role,
    *,
    added_by: int | None = None,
    now: datetime | None = None,
) -> None:
    """Make a user an admin or a moderator (replacing any role they had)."""
    if role not in STORED_ROLES:
        raise ValueError(f"only {', '.join(STORED_ROLES)} are stored, not {role}")
    admin = await session.get(Admin, user_id)
    if admin is None:
        session.add(
            Admin(user_id=user_id, role=role.value, added_by=added_by, created_at=now or utcnow())
        )
    else:
        admin.role, admin.added_by = role.value, added_by
    await session.flush()


async def revoke(session: AsyncSession, user_id: int) -> bool:
    """Take a user's stored role away; returns whether they had one."""
    result = await session.execute(delete(Admin).where(Admin.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))


async def stored_staff(session: AsyncSession) -> list[tuple[int, Role]]:
    """Every stored admin and moderator, admins first, each by the order they were added."""
    rows = await session.execute(select(Admin.user_id, Admin.role).order_by(Admin.created_at))
    staff = []
    for user_id, stored in rows:
        try:
            role = Role(stored)
        except ValueError:
            continue
        if role in STORED_ROLES:
            staff.append((user_id, role))
    staff.sort(key=lambda member: STORED_ROLES.index(member[1]))
    return staff
