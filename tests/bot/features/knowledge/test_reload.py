"""``kb reload`` and what the bot says it knows: staff read what was loaded and what was left out, with file and line,
in the reply (on Slack or Discord they never see the bot's log); small talk suggests only a question it can answer."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.features.knowledge.render import example_question, small_talk_reply
from bot.main.wiring import BotApp
from knowledge import KnowledgeBase, load_folder
from knowledge.vectors import make_encoder
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


async def test_small_talk_suggests_only_a_question_the_bot_can_answer(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """ "hi" suggested asking "how long should a meeting be?" to a garden club whose handbook has no such page; the
    example now comes from what is loaded (a title phrased as a question), or is left out."""
    garden = tmp_path / "garden"
    garden.mkdir()
    words = "Members meet in the community hall and bring seeds to swap with each other. " * 2
    (garden / "seeds.md").write_text(f"# Swapping seeds\n\n{words}\n")
    (garden / "tools.md").write_text(f"# Can we borrow the shed's tools?\n\n{words}\n")
    docs = [{"path": str(garden), "base_url": "https://garden.example.org/"}]
    app = BotApp(make_settings(db_target, tmp_path, knowledge_dirs=docs), clock=clock)
    await app.start()
    try:
        (hi,) = await Chat(app).say("hi")
        assert hi.text.startswith(
            "Hi! I answer questions from this community's handbook and recipes: ask me something like “Can we borrow "
            "the shed's tools?”."
        )
    finally:
        await app.close()
    (garden / "tools.md").unlink()  # a handbook of headings alone: no example rather than a foreign one
    headings = KnowledgeBase(load_folder(garden, "https://garden.example.org/").recipes, encoder=make_encoder("off"))
    assert example_question(headings) is None
    assert small_talk_reply("greeting", True, None).text.endswith(
        "ask me in your own words. To reach a person, press “Ask a human” under any of my answers."
    )
