"""What Discord refuses of guild scheduled events, as the strict stand-in enforces it (see discord_rules.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tests.adapters.discord_rules import Problem, _max_length, _raise

# https://discord.com/developers/docs/resources/guild-scheduled-event#create-guild-scheduled-event
EVENT_NAME_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
EVENT_LOCATION_MAX = 100
GUILD_ONLY = 2  # privacy_level: the only one there is
EXTERNAL = 3  # entity_type: needs entity_metadata.location and scheduled_end_time, and no channel_id
EVENT_STATUSES = {1: "SCHEDULED", 2: "ACTIVE", 3: "COMPLETED", 4: "CANCELED"}
# #guild-scheduled-event-status: SCHEDULED -> ACTIVE or CANCELED; ACTIVE -> COMPLETED; the others are final.
EVENT_TRANSITIONS = {1: {1, 2, 4}, 2: {2, 3}, 3: set(), 4: set()}


def _instant(path: tuple[str | int, ...], value: Any) -> tuple[datetime | None, list[Problem]]:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None, [(path, "DATE_TIME_TYPE_PARSE", "Could not interpret the value as a date.")]
    if parsed.tzinfo is None:
        return None, [(path, "DATE_TIME_TYPE_PARSE", "Could not interpret the value as a date.")]
    return parsed, []


def check_scheduled_event(body: Mapping[str, Any], now: datetime, existing: Mapping[str, Any] | None = None) -> None:
    """A scheduled event to create (``existing`` None) or to change: what Discord refuses with 50035."""
    merged = {**(existing or {}), **body}
    problems: list[Problem] = []
    for key in ("name", "privacy_level", "scheduled_start_time", "entity_type") if existing is None else ():
        if key not in body:
            problems.append(((key,), "BASE_TYPE_REQUIRED", "This field is required"))
    name = merged.get("name")
    if "name" in body and (not isinstance(name, str) or not 1 <= len(name) <= EVENT_NAME_MAX):
        problems.append((("name",), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {EVENT_NAME_MAX} in length."))
    problems += _max_length(("description",), body.get("description"), EVENT_DESCRIPTION_MAX)
    if "privacy_level" in body and body["privacy_level"] != GUILD_ONLY:
        problems.append((("privacy_level",), "ENUM_TYPE_COERCE", "Value is not a valid enum value."))
    start, found = _instant(("scheduled_start_time",), merged.get("scheduled_start_time"))
    problems += found if "scheduled_start_time" in merged else []
    if start is not None and "scheduled_start_time" in body and start < now:
        problems.append(
            (("scheduled_start_time",), "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past.")
        )
    if merged.get("entity_type") == EXTERNAL:
        location = (merged.get("entity_metadata") or {}).get("location")
        if not isinstance(location, str) or not 1 <= len(location) <= EVENT_LOCATION_MAX:
            problems.append(
                (("entity_metadata", "location"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            )
        if merged.get("channel_id") is not None:
            problems.append((("channel_id",), "BASE_TYPE_CHOICES", "channel_id must be null for external events."))
        end, found = _instant(("scheduled_end_time",), merged.get("scheduled_end_time"))
        if merged.get("scheduled_end_time") is None:
            problems.append((("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required"))
        else:
            problems += found
        if start is not None and end is not None and end <= start:
            problems.append(
                (("scheduled_end_time",), "GUILD_SCHEDULED_EVENT_END_BEFORE_START", "End time is before start time.")
            )
    elif merged.get("entity_type") not in (1, 2):
        problems.append((("entity_type",), "ENUM_TYPE_COERCE", "Value is not a valid enum value."))
    if "status" in body and (existing is None or body["status"] not in EVENT_TRANSITIONS[int(existing["status"])]):
        problems.append((("status",), "GUILD_SCHEDULED_EVENT_INVALID_STATUS", "Invalid status transition."))
    _raise(problems)
