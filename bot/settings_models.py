"""The nested parts of :class:`bot.settings.Settings` (import them from :mod:`bot.settings`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bot.routing import ANY_PLATFORM
from bot.zones import zone_setting

__all__ = [
    "PLATFORMS",
    "WEBHOOK_EVENTS",
    "EscalationSettings",
    "KnowledgeDir",
    "LeadFlowSettings",
    "RoleSettings",
    "StaffHours",
    "WebhookSettings",
    "check_channel_maps",
    "starter_setting",
    "time_of_day",
    "unknown_platforms",
]

_HHMM = r"^([01]?\d|2[0-3]):[0-5]\d$"

PLATFORMS = ("console", "discord", "slack")
"""The platforms a setting may name a channel on."""


def unknown_platforms(names: Iterable[str], where: str, also: Iterable[str] = ()) -> str | None:
    """What is wrong with ``names`` as platform names, in the setting ``where``; None when each is a platform (or
    one of ``also``)."""
    allowed = {*PLATFORMS, *also}
    for name in names:
        if name not in allowed:
            close = difflib.get_close_matches(name.lower(), PLATFORMS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"unknown platform {name!r} in {where} (platforms: {', '.join(PLATFORMS)}){hint}"
    return None


WebhookEvent = Literal["lead.created", "lead.updated", "lead.status_changed", "lead.forgotten"]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = ("lead.created", "lead.updated", "lead.status_changed", "lead.forgotten")
"""The events a webhook can subscribe to."""


class RoleSettings(BaseModel):
    """Who holds which role.

    ``admins``, ``staff`` and ``facilitators`` list user ids as ``platform:id`` (``slack:U024BE7LH``) or a bare id
    that matches on any platform. ``platform_roles`` maps a platform role or group name (a Discord role, a Slack user
    group handle) to a core role.
    """

    model_config = ConfigDict(extra="forbid")

    admins: list[str] = []
    staff: list[str] = []
    facilitators: list[str] = []
    platform_roles: dict[str, Literal["member", "facilitator", "staff", "admin"]] = {}


class KnowledgeDir(BaseModel):
    """A folder of recipes; with ``base_url`` it is an imported docs tree published at that address."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    base_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_path(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str | Path) else value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        problem = docs_url_problem(value) if value is not None else None
        if problem is not None:
            raise ValueError(problem)
        return value


def docs_url_problem(url: str) -> str | None:
    """What is wrong with the address a docs tree is published at (None: nothing). Answers link to pages under it:
    a relative or ftp:// address would give users links that go nowhere."""
    if re.match(r"^https?://[^\s/]+", url):
        return None
    return f"{url!r} is not an http(s) address: give where the docs are published, e.g. https://docs.example.org/"


class WebhookSettings(BaseModel):
    """One outgoing webhook: where lead events are POSTed, the ``whsec_`` secret they are signed with, and which.

    ``communitybot doctor`` checks the URL (https, or http only to localhost) and the secret's shape.
    """

    model_config = ConfigDict(extra="forbid")

    url: str
    secret: SecretStr
    events: list[WebhookEvent] = list(WEBHOOK_EVENTS)


class EscalationSettings(BaseModel):
    """Peers before staff: how "Ask a human" asks helpers first, then staff.

    At most ``peers_per_question`` helpers are asked by DM about one question, and none more than
    ``peer_daily_limit`` times in 24 hours. If nobody has answered in the question's thread after
    ``staff_after_hours``, it is posted to the help channel. Who asked a question is kept ``asker_days`` at most,
    to tell them once a recipe answers it.
    """

    model_config = ConfigDict(extra="forbid")

    peers_per_question: Annotated[int, Field(ge=0, le=20)] = 3
    peer_daily_limit: Annotated[int, Field(ge=1)] = 2
    staff_after_hours: Annotated[float, Field(gt=0)] = 4
    asker_days: Annotated[int, Field(gt=0)] = 60


class LeadFlowSettings(BaseModel):
    """How consulting leads are timed and handed out.

    ``response_hours`` maps a lead status to its response target: a lead in that status for longer is "missed",
    and its assignee gets a direct message, then the staff channel a notice (once each). ``staff`` names staff
    members and the platform identities (``slack:U024BE7LH``, ``discord:1122``, ``console:sam``) each uses, so
    ``sam``, ``@sam``, a mention of one of those identities and "assign to me" all mean the same person.
    ``round_robin`` lists the names new leads are handed to in turn (empty: no automatic assignment), skipping
    those in ``away`` (``leads away on|off`` changes it at run time).
    """

    model_config = ConfigDict(extra="forbid")

    response_hours: dict[str, float] = {"new": 24}
    staff: dict[str, list[str]] = {}
    round_robin: list[str] = []
    away: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> LeadFlowSettings:
        if any(hours <= 0 for hours in self.response_hours.values()):
            raise ValueError("lead_flow.response_hours: every target must be more than 0 hours")
        self.staff = {name.casefold(): ids for name, ids in self.staff.items()}
        self.round_robin = [name.casefold() for name in self.round_robin]
        self.away = [name.casefold() for name in self.away]
        return self


class StaffHours(BaseModel):
    """When staff answer: ``days`` (``mon`` ... ``sun``) from ``start`` to ``end`` (``HH:MM``) in ``timezone``."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = ["mon", "tue", "wed", "thu", "fri"]
    start: str = "09:00"
    end: str = "17:00"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        return time_of_day(value)

    @model_validator(mode="after")
    def _check(self) -> StaffHours:
        try:
            self.timezone = zone_setting(self.timezone)
        except ValueError as exc:
            raise ValueError(f"staff_hours.timezone: {exc}") from None
        if not self.days:
            raise ValueError("staff_hours.days: name at least one day")
        if _minutes(self.end) <= _minutes(self.start):
            raise ValueError("staff_hours: end must be after start")
        return self


def time_of_day(value: str) -> str:
    """``value`` if it is a time of day as settings take it (``HH:MM``, 24-hour clock).

    Raises:
        ValueError: saying how to write one (not the pattern it is checked with).
    """
    if not re.match(_HHMM, value):
        raise ValueError(f"{value!r} is not a time of day; write HH:MM on a 24-hour clock, such as 09:00 or 17:30")
    return value


def _minutes(hhmm: str) -> int:
    """``"09:30"`` as 570."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


# What starter_recipes accepts from a YAML string or an environment variable.
_STARTER_WORDS: dict[str, bool | str] = {
    "auto": "auto",
    **dict.fromkeys(("true", "1", "yes", "on"), True),
    **dict.fromkeys(("false", "0", "no", "off"), False),
}


def starter_setting(value: object) -> object:
    """``starter_recipes`` from a YAML string or an environment variable: true, false or auto, else an error."""
    text = str(value).strip().lower() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is None:
        return value
    if text in _STARTER_WORDS:
        return _STARTER_WORDS[text]
    raise ValueError(f"{value!r} is not one of true, false, auto")


def check_channel_maps(value: Any) -> Any:
    """``channels``: each entry maps known platforms (or ``*``) to a non-empty channel id."""
    if isinstance(value, Mapping):
        for name, places in value.items():
            if not isinstance(places, Mapping):
                raise ValueError(
                    f"channels.{name} should map platforms to channel ids, e.g. {{slack: C0STAFF, discord: '1122'}}"
                )
            problem = unknown_platforms(places, f"channels.{name}", also=[ANY_PLATFORM])
            if problem:
                raise ValueError(problem)
            empty = [platform for platform, channel in places.items() if not str(channel or "").strip()]
            if empty:
                raise ValueError(f"channels.{name}.{empty[0]} is empty: give the channel's id")
    return value
