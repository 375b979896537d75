"""The nested parts of :class:`bot.settings.Settings` (import them from :mod:`bot.settings`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

__all__ = ["WEBHOOK_EVENTS", "KnowledgeDir", "RoleSettings", "WebhookSettings"]

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


class WebhookSettings(BaseModel):
    """One outgoing webhook: where lead events are POSTed, the ``whsec_`` secret they are signed with, and which.

    ``communitybot doctor`` checks the URL (https, or http only to localhost) and the secret's shape.
    """

    model_config = ConfigDict(extra="forbid")

    url: str
    secret: SecretStr
    events: list[WebhookEvent] = list(WEBHOOK_EVENTS)
