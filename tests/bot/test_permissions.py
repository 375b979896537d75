"""Who holds which role."""

from __future__ import annotations

from bot.events import Origin
from bot.permissions import Role, RoleResolver
from bot.settings import RoleSettings


def test_role_resolver_uses_settings_and_platform_roles() -> None:
    """Roles come from configured ids (with or without platform) and from mapped platform role names."""
    resolver = RoleResolver(
        RoleSettings(staff=["slack:U1"], admins=["U9"], platform_roles={"Circle Leads": "facilitator"})
    )
    assert resolver.role_of(Origin("slack", "C", "U1")) is Role.STAFF
    assert resolver.role_of(Origin("discord", "C", "U1")) is Role.MEMBER
    assert resolver.role_of(Origin("discord", "C", "U9")) is Role.ADMIN
    assert (
        resolver.role_of(Origin("discord", "C", "U5", platform_roles=frozenset({"circle leads"}))) is Role.FACILITATOR
    )
    # Only the console trusts a role name given directly; a Discord role called "admin" means nothing unmapped.
    assert resolver.role_of(Origin("discord", "C", "U5", platform_roles=frozenset({"admin"}))) is Role.MEMBER
    assert resolver.role_of(Origin("console", "C", "U5", platform_roles=frozenset({"admin"}))) is Role.ADMIN
