"""Roles from Slack user groups: who is in the groups that settings map to roles, looked up now and then.

The lookup runs in the event path (before a modal submission is acknowledged, too), so it never waits long: its own
client has a short timeout and no retry handler (a 429's ``Retry-After`` would otherwise be slept through while Slack
waits for the acknowledgement). A failed lookup is remembered for a while and fails closed: until the next try,
nobody gets a role from a user group, and events are not slowed by a lookup on each one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.send import call_api
from bot.errors import DeliveryError

__all__ = ["UserGroups"]

log = logging.getLogger(__name__)

_TTL = 300.0  # seconds between refreshes of the membership
_RETRY_AFTER_FAILURE = 60.0  # seconds before a failed lookup is tried again
_TIMEOUT = 2  # seconds one lookup may take


class UserGroups:
    """Members of the mapped user groups, by user id.

    Args:
        client: a client for the bot token; only its token and base URL are used (the lookup has its own client).
        handles: the user group handles that map to roles (case-insensitive).
        team_id: the workspace whose groups count (None: any).
        clock: monotonic seconds (tests move it).
    """

    def __init__(
        self,
        client: AsyncWebClient,
        handles: frozenset[str],
        team_id: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = AsyncWebClient(token=client.token, base_url=client.base_url, timeout=_TIMEOUT, retry_handlers=[])
        self._handles = {h.casefold() for h in handles}
        self._team_id = team_id
        self._clock = clock
        self._members: dict[str, frozenset[str]] = {}
        self._next_lookup: float | None = None  # None: never looked up

    def __bool__(self) -> bool:
        return bool(self._handles)

    async def of(self, user: str) -> frozenset[str]:
        """The mapped group handles ``user`` belongs to (none while the lookup fails)."""
        if self._next_lookup is None or self._clock() >= self._next_lookup:
            try:
                self._members = await self._load()
                self._next_lookup = self._clock() + _TTL
            except DeliveryError as exc:
                # Fail closed: without the lookup nobody gets a role from a user group, and the event still runs.
                log.warning(
                    "could not list Slack user groups for roles (%s); trying again in %.0f s",
                    exc.code,
                    _RETRY_AFTER_FAILURE,
                )
                self._members = {}
                self._next_lookup = self._clock() + _RETRY_AFTER_FAILURE
        return self._members.get(user, frozenset())

    async def _load(self) -> dict[str, frozenset[str]]:
        kwargs: dict[str, Any] = {"include_users": True}
        if self._team_id is not None:
            kwargs["team_id"] = self._team_id
        listed = await call_api(self._client.usergroups_list(**kwargs))
        members: dict[str, set[str]] = {}
        groups: list[dict[str, Any]] = listed.get("usergroups") or []
        for group in groups:
            if self._team_id is not None and group.get("team_id", self._team_id) != self._team_id:
                continue
            if str(group.get("handle", "")).casefold() in self._handles:
                for user in group.get("users", []):
                    members.setdefault(user, set()).add(group["handle"])
        return {user: frozenset(handles) for user, handles in members.items()}
