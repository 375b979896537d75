"""Roles and who holds them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from bot.errors import PermissionDenied
from bot.events import Origin
from bot.settings import RoleSettings
from storage.records import Identity

__all__ = ["Role", "RoleResolver", "check_role", "only_for"]


class Role(IntEnum):
    """Core roles, each including the powers of those below it."""

    MEMBER = 0
    FACILITATOR = 1
    STAFF = 2
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        """Return the role called ``name`` (case-insensitive).

        Raises:
            ValueError: naming the known roles.
        """
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {name!r}; expected one of {known}") from None


class RoleResolver:
    """Works out a user's role from settings and the roles their platform gives them."""

    def __init__(self, settings: RoleSettings) -> None:
        self._by_user: dict[str, Role] = {}
        for role, ids in (
            (Role.FACILITATOR, settings.facilitators),
            (Role.STAFF, settings.staff),
            (Role.ADMIN, settings.admins),
        ):
            for user_id in ids:
                self._by_user[user_id.strip()] = max(role, self._by_user.get(user_id.strip(), Role.MEMBER))
        self._by_platform_role = {name.casefold(): Role.parse(role) for name, role in settings.platform_roles.items()}

    def role_of(self, origin: Origin, linked: Iterable[Identity] = ()) -> Role:
        """The highest role ``origin``'s user holds, or (roles follow the person) one of their ``linked`` identities."""
        users = [Identity(origin.platform, origin.user), *linked]
        role = max(
            max(self._by_user.get(str(who), Role.MEMBER), self._by_user.get(who.user, Role.MEMBER)) for who in users
        )
        for name in origin.platform_roles:
            role = max(role, self._by_platform_role.get(name.casefold(), Role.MEMBER))
            if origin.platform == "console" and name.upper() in Role.__members__:
                # Whoever runs the console owns the process; `chat --role staff` acts as staff.
                role = max(role, Role[name.upper()])
        return role


_ROLE_WORDS = {Role.MEMBER: "members", Role.FACILITATOR: "facilitators", Role.STAFF: "staff", Role.ADMIN: "admins"}


def check_role(held: Role, needed: Role, what: str) -> None:
    """Refuse ``what`` (a command, a button, a form) to a user holding ``held`` when it needs ``needed``.

    Raises:
        PermissionDenied: naming who may use it.
    """
    if held < needed:
        raise PermissionDenied(f"Sorry, {what} is {only_for(needed)}.")


def only_for(needed: Role) -> str:
    """Who may use what needs ``needed``, in words: "only for staff"."""
    return f"only for {_ROLE_WORDS[needed]}"
