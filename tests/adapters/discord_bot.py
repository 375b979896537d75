"""The wire-level harness for Discord adapter tests: a started bot, the adapter under discord.py, the strict stand-in.

Every test that uses the ``bot`` fixture fails if Discord (the stand-in) refused anything the bot sent, unless the
test says it provokes refusals (``bot.standin.allow_refusals = True``).
"""

from __future__ import annotations

import asyncio
import copy
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl

from adapters.discord.app import DiscordAdapter
from bot.main.adapters import discord_adapter
from bot.main.wiring import BotApp
from tests.adapters.discord_standin import Call, DiscordStandIn, fixture
from tests.conftest import DbTarget, make_settings
from tests.fixtures import RECIPES

READY_AFTER = 0.1  # seconds discord.py waits after the stand-in's last server (the default 2 s suits Discord)
LONG_RECIPE_QUESTION = "how do I write the semester marathon syllabus"
LONG_RECIPE_BODY = "\n\n".join(f"Week {n}: " + "read, discuss and reflect together. " * 8 for n in range(1, 36))


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'discord.db'}", None)


SELECTS = frozenset({"help_kind", "consent", "consent_offers"})  # the consult form's choice and consent fields


class Bot:
    def __init__(self, app: BotApp, adapter: DiscordAdapter, standin: DiscordStandIn) -> None:
        self.app, self.adapter, self.standin = app, adapter, standin
        self._ids = iter(range(1, 10_000))

    async def interact(self, kind: str, **changes: Any) -> Call:
        """Push an INTERACTION_CREATE built from a fixture; return the callback Discord would get."""
        payload = copy.deepcopy(fixture(kind))
        n = next(self._ids)
        payload["id"] = str(1610000000000000000 + n)
        payload["token"] = f"token-{n}"
        for key, value in changes.items():
            payload[key] = value
        await self.standin.dispatch("INTERACTION_CREATE", payload)
        return await self.standin.wait_for(lambda c: c.path == f"/interactions/{payload['id']}/token-{n}/callback")

    async def ask(self, question: str, **changes: Any) -> Call:
        data = {"id": "1", "name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": question}]}
        return await self.interact("interaction_command", data=data, **changes)

    async def command(self, name: str, sub: str | None = None, args: str | None = None, **changes: Any) -> Call:
        options: list[dict[str, Any]] = []
        if sub is not None:
            inner = [{"name": "args", "type": 3, "value": args}] if args else []
            options = [{"type": 1, "name": sub, "options": inner}]
        return await self.interact("interaction_command", data={"id": "1", "name": name, "type": 1, "options": options})

    async def press(self, custom_id: str) -> Call:
        return await self.interact("interaction_component", data={"custom_id": custom_id, "component_type": 2})

    async def submit(self, custom_id: str, values: dict[str, str], selects: frozenset[str] = SELECTS) -> Call:
        """Submit a modal of labels: text inputs carry ``value``, selects ``values``."""
        rows = [
            {"type": 18, "component": {"type": 3, "custom_id": k, "values": [v] if v else []}}
            if k in selects
            else {"type": 18, "component": {"type": 4, "custom_id": k, "value": v}}
            for k, v in values.items()
        ]
        return await self.interact("interaction_modal", data={"custom_id": custom_id, "components": rows})


@pytest.fixture
async def bot(db_target: DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    async with running_bot(db_target, tmp_path, monkeypatch) as started:
        yield started


@asynccontextmanager
async def running_bot(
    db_target: DbTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    intent: bool = False,
    test_recipes: bool = False,
    **extra: Any,
) -> AsyncIterator[Bot]:
    """A started bot on the stand-in (``intent``: the message-content intent granted and used; ``test_recipes``:
    answering from tests/fixtures/recipes instead of the starter recipes; ``extra``: more settings); fails if
    Discord would have refused anything it sent, unless the test allows refusals."""
    standin = DiscordStandIn()
    if intent:
        standin.privileged.add("message_content")
    await standin.start()
    monkeypatch.setattr(discord.http.Route, "BASE", standin.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(standin.gateway_url))
    if test_recipes:
        shutil.copytree(RECIPES, tmp_path / "recipes")
        extra["starter_recipes"] = False
    _write_long_recipe(tmp_path / "recipes")
    settings = make_settings(
        db_target,
        tmp_path,
        discord_guild_ids=[1200000000000000001],
        roles={"platform_roles": {"Staff": "staff"}},
        knowledge_dirs=[tmp_path / "recipes"],
        discord_message_content=intent,
        **extra,
    ).model_copy(update={"staff_channel": "1500000000000000002"})
    app = BotApp(settings)
    try:
        await app.start()
        adapter = discord_adapter(app, settings, token="test-token", guild_ready_timeout=READY_AFTER)
        runner = asyncio.create_task(adapter.run())
        try:
            await asyncio.wait_for(adapter.ready.wait(), 10)
            yield Bot(app, adapter, standin)
            if not standin.allow_refusals:
                assert not standin.refused, f"Discord would refuse: {[(c.path, c.answer) for c in standin.refused]}"
        finally:
            await adapter.stop()
            await asyncio.wait_for(runner, 10)
    finally:
        await app.close()
        await standin.stop()


def embed_titles(call: Call) -> list[str]:
    return [e.get("title", "") for e in call.body.get("data", call.body).get("embeds", [])]


def custom_ids(call: Call) -> list[str]:
    """Custom ids of buttons (in action rows) or modal inputs (in labels), in order."""
    data = call.body.get("data", call.body)
    items = [c for row in data.get("components", []) for c in row.get("components", [row.get("component", {})])]
    return [c["custom_id"] for c in items if "custom_id" in c]


def buttons(call: Call) -> list[tuple[str, str]]:
    """Every button of a message as (label, custom_id), row by row."""
    data = call.body.get("data", call.body)
    return [(c["label"], c["custom_id"]) for row in data.get("components", []) for c in row.get("components", [])]


def modal_defaults(call: Call) -> dict[str, str]:
    """What a reopened modal shows already filled in."""
    out = {}
    for row in call.body["data"]["components"]:
        item = row["component"]
        if "options" in item:
            out[item["custom_id"]] = next((o["value"] for o in item["options"] if o.get("default")), "")
        else:
            out[item["custom_id"]] = item.get("value", "")
    return out


def _write_long_recipe(folder: Path) -> None:
    """A recipe of about 10,000 characters (longer than any one Discord message) in an extra recipe folder."""
    folder.mkdir(parents=True, exist_ok=True)
    front = f'---\ntitle: "The semester marathon syllabus"\nquestions:\n  - "{LONG_RECIPE_QUESTION}"\n---\n\n'
    (folder / "marathon.md").write_text(front + LONG_RECIPE_BODY + "\n", encoding="utf-8")
