"""``kb reload``: staff read what was loaded and what was left out, with the file and line, in the reply (on Slack
or Discord they never see the bot's log)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.main.wiring import BotApp
from tests.conftest import Chat, Clock, DbTarget, make_settings
from tests.fixtures import RECIPES

STAFF = {"user": "sam", "role": "staff"}


async def test_reload_names_the_files_it_left_out(db_target: DbTarget, tmp_path: Path, clock: Clock) -> None:
    """A recipe whose summary is still a TODO stub is left out: `kb reload` said only "Reloaded: 12 recipes."."""
    ours = tmp_path / "ours"
    shutil.copytree(RECIPES, ours)
    settings = make_settings(db_target, tmp_path, knowledge_dirs=[str(ours)], starter_recipes=False)
    app = BotApp(settings, clock=clock)
    await app.start()
    try:
        chat = Chat(app)
        (fine,) = await chat.say("kb reload", **STAFF)
        loaded = fine.text
        assert loaded.startswith("Reloaded: ") and "\n" not in loaded
        (ours / "broken.md").write_text("---\ntitle: Broken\nsummary: TODO fill this in\n---\nSome body.\n")
        (reply,) = await chat.say("kb reload", **STAFF)
        assert reply.text.splitlines() == [
            loaded,
            "Left out, 1 problem (fix the file; it loads at the next reload):",
            f"• {ours / 'broken.md'} line 3: the summary is still a stub: write it in place of the TODO",
        ]
    finally:
        await app.close()
