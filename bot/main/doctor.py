"""``communitybot doctor``: check a deployment offline and say what to fix. Secrets are never printed."""

from __future__ import annotations

import base64
import binascii
import importlib.util
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import ConfigError, StorageError
from bot.features.escalations.drafts import drafts_dir, live_dir
from bot.main.commands.argtypes import url_problem
from bot.main.wiring import load_knowledge
from bot.plural import counted
from bot.routing import HELP, STAFF, Channels
from bot.settings import Settings, WebhookSettings
from knowledge import Recipe, starter_recipes_dir
from knowledge.sources import sources_of
from knowledge.vectors import make_encoder
from storage import Database
from storage.db import folder_problem, sqlite_file
from storage.outbox import count_by_status

__all__ = ["Check", "run_checks"]

_SHAPES = {
    "SLACK_BOT_TOKEN": re.compile(r"^xoxb-[0-9A-Za-z-]+$"),
    "SLACK_APP_TOKEN": re.compile(r"^xapp-[0-9A-Za-z-]+$"),
    "SLACK_SIGNING_SECRET": re.compile(r"^[0-9a-f]{32}$"),
    "DISCORD_TOKEN": re.compile(r"^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$"),
}


# What a token that does not look right should look like (never the token itself).
_EXPECTED = {
    "SLACK_BOT_TOKEN": "a bot token starts with xoxb- (OAuth & Permissions → Bot User OAuth Token)",
    "SLACK_APP_TOKEN": "an app-level token starts with xapp- (Basic Information → App-Level Tokens)",
    "SLACK_SIGNING_SECRET": "a signing secret is 32 hexadecimal characters (Basic Information → App Credentials)",
    "DISCORD_TOKEN": "a bot token is three dot-separated parts (Bot → Reset Token)",
}
_SWAPPED = {"SLACK_BOT_TOKEN": "SLACK_APP_TOKEN", "SLACK_APP_TOKEN": "SLACK_BOT_TOKEN"}
# The modules each platform's adapter needs, and the extra that installs them.
_ADAPTER_MODULES = {"Slack": (("slack_bolt", "aiohttp"), "slack"), "Discord": (("discord",), "discord")}


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    warn: bool = False  # passes, but something will not work as a user may expect


def _tokens(settings: Settings) -> list[Check]:
    values = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_APP_TOKEN": settings.slack_app_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "DISCORD_TOKEN": settings.discord_token,
    }
    present = {name for name, value in values.items() if value is not None}
    checks = []
    if not present:
        checks.append(Check("chat tokens", True, "none set: only the console works (see README, Slack)"))
    for name in sorted(present):
        secret = values[name]
        assert secret is not None
        value = secret.get_secret_value()
        shaped = bool(_SHAPES[name].match(value))
        hint = "looks right" if shaped else f"does not look like one: {_EXPECTED[name]}"
        other = _SWAPPED.get(name)
        if not shaped and other and _SHAPES[other].match(value):
            hint += f"; it looks like a {other}: the two may be swapped"
        checks.append(Check(name, shaped, f"set, {hint}"))
    if "SLACK_BOT_TOKEN" in present and not present & {"SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"}:
        checks.append(Check("Slack mode", False, "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)"))
    platforms = {"Slack": "SLACK_BOT_TOKEN" in present, "Discord": "DISCORD_TOKEN" in present}
    return checks + [_adapter_installed(platform) for platform, wanted in platforms.items() if wanted]


def _adapter_installed(platform: str) -> Check:
    """Whether the packages ``platform``'s adapter needs are installed (a plain ``pip install .`` has neither)."""
    modules, extra = _ADAPTER_MODULES[platform]
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        detail = f"not installed ({', '.join(missing)} missing): pip install 'communitybot[{extra}]'"
        return Check(f"{platform} adapter", False, detail)
    return Check(f"{platform} adapter", True, "installed")


def _webhook_secret(secret: str) -> str | None:
    """What is wrong with a webhook secret (None: nothing); the secret is never repeated."""
    if not secret.startswith("whsec_"):
        return "secret must start with whsec_"
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        return "secret after whsec_ is not base64"
    if not 24 <= len(key) <= 64:
        return f"secret is {len(key)} bytes; the spec wants 24 to 64 (e.g. whsec_ + base64 of 32 random bytes)"
    return None


def _webhooks(hooks: list[WebhookSettings]) -> list[Check]:
    if not hooks:
        return [Check("webhooks", True, "none configured")]
    checks = []
    for n, hook in enumerate(hooks, 1):
        problems = [p for p in (url_problem(hook.url), _webhook_secret(hook.secret.get_secret_value())) if p]
        detail = "; ".join(problems) or "URL and secret look right"
        checks.append(Check(f"webhook {n}", not problems, f"{detail} (events: {', '.join(hook.events) or 'none'})"))
    return checks


async def _deliveries(db: Database) -> Check:
    counts = await count_by_status(db)
    waiting, failed = counts.get("pending", 0), counts.get("failed", 0)
    detail = f"{waiting} waiting to be sent, {failed} given up in the last 30 days"
    return Check("scheduled messages", failed == 0, detail + ("; the log says why ('given up')" if failed else ""))


def _drafts(settings: Settings) -> Check:
    """The review folder must not be a live recipe folder (its drafts would answer members); where publish goes."""
    folder = drafts_dir(settings).resolve()
    live = [d.path.resolve() for d in settings.knowledge_dirs]
    inside = next((p for p in live if folder == p or p in folder.parents), None)
    if inside is not None:
        return Check("recipe drafts", False, f"{folder} is inside the recipe folder {inside}: move drafts_dir out")
    target = live_dir(settings)
    if target is None and settings.knowledge_dirs:  # docs trees only: `kb publish` would refuse every draft
        where = "kb publish needs a folder of your own recipes in knowledge_dirs (one without a base_url)"
        return Check("recipe drafts", True, f"{folder}; {where}", warn=True)
    if target is None:
        return Check("recipe drafts", True, f"{folder}; kb publish needs a knowledge_dirs folder")
    return Check("recipe drafts", True, f"{folder}; kb publish moves them into {target}")


def _help_channel(settings: Settings) -> Check:
    """Peers-first "Ask a human" passes unanswered questions to the help channel: without one they stop there."""
    channels = Channels.of(settings.channels, settings.staff_channel, settings.help_channel)
    if channels.configured(HELP):
        return Check("help channel", True, "set: questions peers leave unanswered go to staff there")
    if settings.escalation.peers_per_question == 0:
        return Check("help channel", True, "not set: 'Ask a human' tells members nobody is available")
    hours = f"{settings.escalation.staff_after_hours:g}"
    return Check(
        "help channel",
        True,
        f"not set: 'Ask a human' reaches only members signed up with `helper on` (with none, members are told "
        f"nobody is available), and what they leave unanswered after {hours} hours never reaches staff; "
        "set COMMUNITYBOT_HELP_CHANNEL (or channels.help)",
        warn=True,
    )


def _staff_channel(settings: Settings) -> Check:
    """New leads, their reminders and the weekly digest all go to the staff channel: without one, nowhere."""
    channels = Channels.of(settings.channels, settings.staff_channel, settings.help_channel)
    if channels.configured(STAFF):
        return Check("staff channel", True, "set: new consulting requests, reminders and the digest go there")
    return Check(
        "staff channel",
        True,
        "not set: consulting requests are not announced to staff (they see them only with `leads list`), "
        "no reminders about requests left waiting, and no weekly digest; "
        "set COMMUNITYBOT_STAFF_CHANNEL (or channels.staff)",
        warn=True,
    )


_FOLDER_ADVICE = "set data_dir (COMMUNITYBOT_DATA_DIR) to a folder this user can write"
_AT_START = "`communitybot run`, `chat` or `scheduler tick` {does} at start (or run `communitybot db upgrade`)"


def _data_folder(settings: Settings) -> Check:
    """The data folder holds the SQLite file (unless DATABASE_URL says otherwise), exports and the index cache."""
    folder = settings.data_dir.resolve()
    problem = folder_problem(folder)
    if problem is None:
        state = "writable" if folder.is_dir() else "not created yet; the bot creates it when it first writes there"
        return Check("data folder", True, f"{folder}: {state}")
    sqlite = sqlite_file(settings.sqlalchemy_url)
    if sqlite is not None and folder in sqlite.parents:
        return Check("data folder", False, f"{folder}: {problem}; {_FOLDER_ADVICE}")
    detail = f"{folder}: {problem}; exports and the index cache cannot be written: {_FOLDER_ADVICE}"
    return Check("data folder", True, detail, warn=True)


async def _database(settings: Settings) -> list[Check]:
    """Reachable and migrated, or not created yet; never creates the database (start-up does)."""
    file = sqlite_file(settings.sqlalchemy_url)
    if file is not None and not file.exists():
        problem = folder_problem(file.parent)
        if problem is not None and file.parent == settings.data_dir.resolve():
            return [Check("database", False, f"{file} cannot be created until the data folder is fixed (above)")]
        if problem is not None:
            return [Check("database", False, f"{file} cannot be created ({problem}); check DATABASE_URL")]
        creates = _AT_START.format(does="creates it")
        detail = f"{file} not created yet: {creates}; if the bot ran before, this is not the file it used"
        return [Check("database", True, detail, warn=True)]
    db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
    try:
        await db.check()
        current, head = await db.current_revision(), Database.head_revision()
        if current == head:
            return [Check("database", True, f"{db.safe_url} reachable, at revision {current}"), await _deliveries(db)]
        if current is None:
            creates = _AT_START.format(does="creates them")
            return [Check("database", True, f"{db.safe_url} has no tables yet: {creates}", warn=True)]
        if Database.knows_revision(current):
            migrates = _AT_START.format(does="migrates it")
            detail = f"{db.safe_url} is at {current}, code needs {head}: {migrates}; back it up first"
            return [Check("database", True, detail, warn=True)]
        detail = f"{db.safe_url} is at {current}, which this version does not know: a newer version migrated it"
        return [Check("database", False, detail + "; run that version (or `communitybot db downgrade` with it)")]
    except StorageError as exc:
        return [Check("database", False, f"{exc}; check DATABASE_URL and that the server is running")]
    finally:
        await db.close()


def _starter_with_docs(settings: Settings, recipes: list[Recipe]) -> list[Check]:
    """With a docs tree configured, whether the starter recipes are answered from too (what the loader did, whatever
    the default): a community may expect answers from its own docs only."""
    docs = [d.base_url for d in settings.knowledge_dirs if d.base_url]
    if not docs:
        return []
    shipped = starter_recipes_dir()
    if not any(source.path == shipped for source in sources_of(settings)):
        return [
            Check(
                "starter recipes",
                True,
                f"not loaded: answers come from knowledge_dirs only (the docs tree at {docs[0]}); "
                "set starter_recipes: true to keep them beside it",
            )
        ]
    kept = sum(1 for r in recipes if r.path is not None and r.path.is_relative_to(shipped))
    return [
        Check(
            "starter recipes",
            True,
            f"also loaded ({kept} alongside the docs tree at {docs[0]}); "
            "set starter_recipes: false (COMMUNITYBOT_STARTER_RECIPES=false) to answer from your own folders only",
        )
    ]


def _vectors(settings: Settings) -> Check:
    """The same check ``chat`` and ``run`` make at start (a model that cannot load stops them)."""
    try:
        encoder = make_encoder(settings.semantic_model)
    except ConfigError as exc:
        return Check("sentence vectors", False, str(exc))
    what = "the built-in static vectors" if encoder.name == "static" else "a sentence-transformers model"
    return Check("sentence vectors", True, f"semantic_model {settings.semantic_model!r}: {what}")


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; the settings themselves already loaded if this runs."""
    checks = [Check("settings", True, "loaded")]
    checks += _tokens(settings)
    checks += _webhooks(settings.webhooks)
    checks.append(_data_folder(settings))
    checks += await _database(settings)
    recipes, errors = load_knowledge(settings)
    detail = f"{counted(len(recipes), 'recipe')} loaded" + (
        f"; {len(errors)} skipped, first: {errors[0]}" if errors else ""
    )
    checks.append(Check("knowledge", not errors and bool(recipes), detail + ("" if recipes else "; none loaded")))
    checks += _starter_with_docs(settings, recipes)
    checks.append(_vectors(settings))
    checks.append(_drafts(settings))
    checks.append(_staff_channel(settings))
    checks.append(_help_channel(settings))
    try:
        ZoneInfo("Europe/Berlin")
        zones = len(available_timezones())
        checks.append(Check("time zones", zones > 300, f"{zones} IANA zones available"))
    except ZoneInfoNotFoundError:
        checks.append(Check("time zones", False, "no time zone data: `pip install tzdata`"))
    return checks
