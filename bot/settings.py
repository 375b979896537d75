"""One settings object, built once at start and passed down.

Sources, strongest first: environment variables, a ``.env`` file, the YAML file (``communitybot.yaml`` or the path
given with ``--config`` / ``COMMUNITYBOT_CONFIG``), then the defaults below. Secrets come only from the environment
(or ``.env``); a secret in the YAML file is an error. Unknown keys (a ``COMMUNITYBOT_*`` environment variable
included) and bad values fail at start with the key named and, for a typo, the closest valid name.

``.env`` may also hold the variables only Docker Compose reads (:data:`DOCKER_ONLY`, such as ``POSTGRES_PASSWORD``):
the bot ignores them, so one ``.env`` serves a Docker and a non-Docker start.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from bot.errors import ConfigError
from bot.settings_files import dotenv_problems, folder_problems, invalid, parse_problem, read_yaml, validation_problems
from bot.settings_models import EscalationSettings as Escalation
from bot.settings_models import (
    KnowledgeDir,
    LeadFlowSettings,
    RoleSettings,
    StaffHours,
    WebhookSettings,
    check_channel_maps,
    starter_setting,
    time_of_day,
    unknown_platforms,
)
from bot.zones import zone_setting

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DOCKER_ONLY",
    "KnowledgeDir",
    "LeadFlowSettings",
    "RoleSettings",
    "Settings",
    "StaffHours",
    "WebhookSettings",
    "load_settings",
]

DEFAULT_CONFIG_FILE = Path("communitybot.yaml")
DOCKER_ONLY = frozenset({"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"})
"""Variables in ``.env`` that only docker-compose.yml reads; the bot ignores them."""
# COMMUNITYBOT_* variables that are not settings: the settings file's path, and the test suite's database.
_OTHER_VARIABLES = frozenset({"COMMUNITYBOT_CONFIG", "COMMUNITYBOT_TEST_POSTGRES_URL"})

# ``webhooks`` holds signing secrets (and CRM URLs often carry a token): environment only, masked whole.
_SECRETS = {"database_url", "slack_bot_token", "slack_app_token", "slack_signing_secret", "discord_token", "webhooks"}


class Settings(BaseSettings):
    """The effective configuration of one bot process."""

    model_config = SettingsConfigDict(
        env_prefix="COMMUNITYBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        validate_default=True,
        env_ignore_empty=True,  # a blank line in .env (VAR=) means "not set"
    )

    data_dir: Path = Field(Path("data"), description="Folder for the SQLite file and exports.")
    database_url: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "COMMUNITYBOT_DATABASE_URL"),
        description="SQLAlchemy URL; empty means a SQLite file in data_dir. PostgreSQL: postgresql+asyncpg://...",
    )
    database_schema: str | None = Field(None, description="PostgreSQL schema to use (search_path).")
    starter_recipes: bool | Literal["auto"] = Field(
        "auto",
        description="Load the recipes shipped with the bot: 'auto' loads them unless a docs tree (a knowledge_dirs "
        "entry with a base_url) is imported, true or false always.",
    )
    knowledge_dirs: list[KnowledgeDir] = Field(
        [], description="Extra folders of Markdown recipes: a path, or {path, base_url} for an imported docs tree."
    )
    answer_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Confidence below which the bot declines and suggests."
    )
    semantic_model: str = Field(
        "auto",
        description="Sentence vectors: 'auto' (sentence-transformers if the [semantic] extra is installed, else the "
        "built-in static vectors), 'off', or a sentence-transformers model name or path.",
    )
    community_name: str = Field("P2PU", description="The community's name, as the bot says it to users.")
    channels: dict[str, dict[str, str]] = Field(
        {}, description="Logical channels per platform: {staff: {slack: C0STAFF, discord: '1122'}, help: {...}}."
    )
    help_channel: str | None = Field(None, description="Channel id where 'Ask a human' posts (any platform).")
    escalation: Escalation = Field(
        Escalation(), description="'Ask a human': peers per question, per day, hours before staff."
    )
    drafts_dir: Path | None = Field(None, description="Review folder for recipe drafts; unset: data_dir/drafts.")
    help_channels: dict[str, list[str]] = Field(
        {},
        description="Watched help channels per platform: {slack: [C0HELP], discord: ['1122'], console: [help]}; "
        "each new thread or forum post there is answered when the bot is confident.",
    )
    help_channels_low_confidence: Literal["suggest", "silent"] = Field(
        "suggest",
        description="In a watched channel, when the bot is not confident: one quiet line with the two best "
        "matches (suggest), or nothing (silent).",
    )
    staff_channel: str | None = Field(None, description="Channel id where staff notices go (any platform).")
    lead_followup_hours: float = Field(
        48, gt=0, description="Remind staff once about a lead still 'new' after this many hours."
    )
    lead_retention_days: int = Field(365, gt=0, description="Anonymize lost/spam leads after this many days.")
    export_retention_days: int = Field(30, gt=0, description="Delete saved export files after this many days.")
    lead_flow: LeadFlowSettings = Field(
        LeadFlowSettings(), description="Response targets per status, staff names, round-robin assignment, away."
    )
    staff_hours: StaffHours | None = Field(
        None, description="When staff answer; a consult outside them says when to expect a reply. Unset: always."
    )
    digest_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = Field(
        None, description="Post the weekly pulse digest to staff_channel on this day; unset: no digest."
    )
    digest_time: str = Field("09:00", description="Digest time, HH:MM.")
    digest_timezone: str = Field("UTC", description="Time zone of digest_day/digest_time and of report weeks.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    roles: RoleSettings = RoleSettings()
    webhooks: list[WebhookSettings] = Field(
        [], description="Outgoing signed webhooks for lead events: a JSON list of {url, secret, events}."
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    slack_api_url: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_API_URL"), description="Slack Web API base URL (proxies, tests)."
    )
    slack_port: int = Field(3000, ge=0, le=65535, description="Port for Slack's HTTP mode (/slack/events).")
    slack_team_id: str | None = Field(
        None, description="The Slack workspace (team id) whose user groups grant roles; unset: any workspace."
    )
    health_port: int | None = Field(
        None, ge=0, le=65535, description="Serve /healthz and /metrics on this port, whatever the adapters."
    )
    public_url: str | None = Field(
        None,
        description="The bot's public base URL (https://bot.example.org): calendar feed links point under it.",
    )
    health_max_down_seconds: float = Field(
        120, gt=0, description="/healthz answers 503 once a configured adapter has been down this long."
    )
    delivery_lease_seconds: float = Field(
        120,
        gt=0,
        description="A scheduled message claimed by a process that died is sent again after this many seconds.",
    )
    delivery_max_attempts: int = Field(
        8, ge=1, le=50, description="Sends of a scheduled message tried (with backoff) before it is given up."
    )
    discord_token: SecretStr | None = Field(None, validation_alias=AliasChoices("DISCORD_TOKEN"))
    discord_application_id: int | None = Field(
        None, description="The Discord application's id (for `communitybot discord invite-url`)."
    )
    discord_guild_ids: list[int] = Field(
        [], description="Servers to sync slash commands to at start (instant); empty syncs them globally."
    )
    discord_message_content: bool = Field(
        False,
        description="The privileged message-content intent is enabled for the app: also answer in help channels.",
    )
    discord_help_channels: list[str] = Field(
        [], description="Discord channel ids watched as help channels (as help_channels.discord; needs the intent)."
    )
    discord_shard_count: int | None = Field(
        None, ge=1, description="Total shards across all processes; unset runs one process on one shard."
    )
    discord_shard_ids: list[int] | None = Field(
        None, description="The shards this process runs (with discord_shard_count); unset runs them all."
    )

    def watched_channels(self, platform: str) -> frozenset[str]:
        """The help channels watched on ``platform`` (``help_channels``, plus ``discord_help_channels``)."""
        extra = self.discord_help_channels if platform == "discord" else []
        return frozenset([*self.help_channels.get(platform, []), *extra])

    @model_validator(mode="after")
    def _check_shards(self) -> Settings:
        ids = self.discord_shard_ids
        if ids is None:
            return self
        if self.discord_shard_count is None:
            raise ValueError("discord_shard_ids needs discord_shard_count (the total number of shards)")
        outside = sorted({i for i in ids if not 0 <= i < self.discord_shard_count})
        if outside:
            raise ValueError(
                f"discord_shard_ids {outside} outside the {self.discord_shard_count} shards "
                f"(ids go from 0 to {self.discord_shard_count - 1})"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("discord_shard_ids lists a shard twice")
        return self

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        from sqlalchemy.engine import make_url  # imported when used: `communitybot ask` never needs SQLAlchemy

        url = value.get_secret_value()
        try:
            parsed = make_url(url)
        except Exception as exc:  # sqlalchemy raises ArgumentError; the message must not echo the password
            raise ValueError("not a database URL (expected e.g. postgresql+asyncpg://user:pw@host/db)") from exc
        if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {parsed.get_backend_name()!r}; use sqlite or postgresql")
        return value

    @field_validator("starter_recipes", mode="before")
    @classmethod
    def _check_starter(cls, value: object) -> object:
        return starter_setting(value)

    @field_validator("channels", mode="before")
    @classmethod
    def _check_channel_maps(cls, value: Any) -> Any:
        return check_channel_maps(value)

    @field_validator("help_channels")
    @classmethod
    def _check_help_platforms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        problem = unknown_platforms(value, "help_channels")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("digest_time")
    @classmethod
    def _check_time(cls, value: str) -> str:
        return time_of_day(value)

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://\S+", value):
            raise ValueError(
                "write the address that reaches the bot, starting with https://, e.g. https://bot.example.org"
            )
        return value

    @field_validator("digest_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        return zone_setting(value)

    @model_validator(mode="after")
    def _digest_needs_channel(self) -> Settings:
        if self.digest_day is not None and self.staff_channel is None and not self.channels.get("staff"):
            raise ValueError("digest_day is set but staff_channel is not: the digest needs a channel to go to")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init kwargs; the environment must beat it.
        return env_settings, _WithoutDockerOnly(settings_cls, dotenv_settings), init_settings

    @property
    def sqlalchemy_url(self) -> str:
        """The URL the engine connects to (a SQLite file in ``data_dir`` unless DATABASE_URL is set)."""
        if self.database_url is not None:
            url = self.database_url.get_secret_value()
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+asyncpg://" + url.split("://", 1)[1]
            return url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'communitybot.db').resolve()}"

    def public_view(self) -> dict[str, Any]:
        """The effective settings with every secret masked, for ``config show``."""
        data = self.model_dump(mode="json")
        for key in _SECRETS:
            if data.get(key):
                data[key] = "********"
        if self.database_url is not None:
            # Imported here: loading the settings does not load the database layer (``ask`` runs without it).
            from storage.db import mask_url

            data["database_url"] = mask_url(self.database_url.get_secret_value())
        return data


class _WithoutDockerOnly(PydanticBaseSettingsSource):
    """The ``.env`` source, minus the variables only Docker Compose reads."""

    def __init__(self, settings_cls: type[BaseSettings], inner: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._inner = inner

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._inner().items() if k.upper() not in DOCKER_ONLY}


def _variable_names() -> dict[str, str]:
    """Every environment variable naming a setting, with the setting's name."""
    names: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [f"COMMUNITYBOT_{name.upper()}"]
        names |= {str(choice).upper(): name for choice in choices}
    return names


def _unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A problem for each ``COMMUNITYBOT_*`` variable that names no setting, with the closest valid name."""
    known = _variable_names()
    nested = tuple(
        f"COMMUNITYBOT_{name.upper()}__"
        for name, info in Settings.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    )
    problems = []
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith("COMMUNITYBOT_") or upper in known or upper in _OTHER_VARIABLES:
            continue
        if upper.startswith(nested):
            continue  # checked by the nested model, which names the unknown key
        problems.append(f"unknown environment variable {variable}{_closest_variable(upper, known)}")
    return problems


def _closest_variable(upper: str, known: Mapping[str, str]) -> str:
    names = {n.removeprefix("COMMUNITYBOT_"): n for n in [*known, *_OTHER_VARIABLES] if n.startswith("COMMUNITYBOT_")}
    close = difflib.get_close_matches(upper.removeprefix("COMMUNITYBOT_"), list(names), n=1, cutoff=0.5)
    return f" (did you mean {names[close[0]]}?)" if close else ""


def _variable_hint(key: str) -> str:
    return _closest_variable(key.upper(), _variable_names())


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from the environment, ``.env`` and the YAML file.

    Args:
        config: the YAML file; default ``$COMMUNITYBOT_CONFIG`` or ``./communitybot.yaml`` if it exists.
        overrides: values that beat every source (from command-line options).

    Raises:
        ConfigError: naming the key, its source and what is wrong.
    """
    explicit = config is not None or "COMMUNITYBOT_CONFIG" in os.environ
    path = config or Path(os.environ.get("COMMUNITYBOT_CONFIG", DEFAULT_CONFIG_FILE))
    source = str(path)
    values: dict[str, Any] = {}
    if path.exists():
        values = read_yaml(path, _SECRETS)
    elif explicit:
        raise ConfigError(f"{path}: settings file not found")
    else:
        source = "the environment"
    unknown = dotenv_problems(Path(".env")) + _unknown_variables(os.environ)
    if unknown:
        raise invalid(unknown)
    try:
        settings = Settings(**values)
    except SettingsError as exc:
        raise invalid([parse_problem(exc, os.environ)]) from None
    except ValidationError as exc:
        problems = validation_problems(exc, Settings, values, (path, source), _SECRETS, variable_hint=_variable_hint)
        raise invalid(problems) from None
    missing = folder_problems(settings.knowledge_dirs, values, path, os.environ)  # else it declines every question
    if missing:
        raise invalid(missing)
    return settings.model_copy(update=overrides) if overrides else settings
