"""Recipe drafts: the file written, what publishing refuses, and the doctor's check of the review folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.errors import NotFound, UsageError
from bot.features.escalations.drafts import list_drafts, publish, write_draft
from bot.main.doctor import run_checks
from bot.settings import Settings
from knowledge.loader import load_folder


def test_a_draft_is_a_recipe_file_in_the_projects_format(tmp_path: Path) -> None:
    """Title from the question, the answer as body, the thread's link, the question and similar ones as examples."""
    link = "https://p2pu.slack.com/archives/C0GENERAL/p1710000000000100"
    draft = write_draft(
        tmp_path, "how do we keep people coming?", "Call them.", "", link, ["keeping members"], date(2026, 3, 2)
    )
    text = draft.path.read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front == {
        "title": "How do we keep people coming?",
        "summary": "Call them.",
        "questions": ["how do we keep people coming?", "keeping members"],
        "links": [link],
        "updated": "2026-03-02",
    }
    assert text.endswith("---\n\nCall them.\n")
    (recipe,) = load_folder(tmp_path).recipes
    assert (recipe.id, recipe.title, recipe.link, recipe.body) == (draft.id, draft.title, link, "Call them.")
    again = write_draft(tmp_path, "how do we keep people coming?", "Text them.", "", None, [], date(2026, 3, 3))
    assert (draft.id, again.id) == ("keep-people-coming", "keep-people-coming-2")  # never over an existing draft
    assert [d.id for d in list_drafts(tmp_path)] == ["keep-people-coming", "keep-people-coming-2"]
    other = write_draft(tmp_path, "как найти помещение?", "В библиотеке.", "", None, [], date(2026, 3, 3))
    assert other.id == "question" and publish(tmp_path, tmp_path / "live", other.id, []).id == "question"


def test_publish_refuses_paths_unknown_drafts_taken_ids_and_no_folder(tmp_path: Path) -> None:
    """Only a draft's own id publishes; into a configured folder; never over a recipe that exists."""
    drafts, live = tmp_path / "drafts", tmp_path / "live"
    draft = write_draft(drafts, "venue wifi", "Ask the library.", "", None, [], date(2026, 3, 2))
    for bad in ("../drafts/venue-wifi", "nope", "Venue-Wifi"):
        with pytest.raises(NotFound):
            publish(drafts, live, bad, [])
    with pytest.raises(UsageError, match="knowledge_dirs"):
        publish(drafts, None, draft.id, [])
    with pytest.raises(UsageError, match="already exists"):
        publish(drafts, live, draft.id, [draft.id])
    assert publish(drafts, live, draft.id, []).id == "venue-wifi"
    assert (live / "venue-wifi.md").exists() and not draft.path.exists()


async def test_doctor_refuses_a_review_folder_inside_a_recipe_folder(tmp_path: Path) -> None:
    """Drafts inside a live recipe folder would answer members: `communitybot doctor` fails that check."""
    (tmp_path / "ours").mkdir()
    bad = Settings(data_dir=tmp_path, knowledge_dirs=[str(tmp_path / "ours")], drafts_dir=tmp_path / "ours" / "d")
    (check,) = [c for c in await run_checks(bad) if c.name == "recipe drafts"]
    assert not check.ok and "move drafts_dir out" in check.detail
    good = Settings(data_dir=tmp_path, knowledge_dirs=[str(tmp_path / "ours")])
    (check,) = [c for c in await run_checks(good) if c.name == "recipe drafts"]
    assert check.ok and check.detail == f"{tmp_path / 'drafts'}; kb publish moves them into {tmp_path / 'ours'}"


async def test_doctor_warns_when_only_a_docs_tree_could_take_published_drafts(tmp_path: Path) -> None:
    """With a docs tree as the only knowledge folder, doctor said PASS, then `kb publish` refused every draft."""
    (tmp_path / "handbook").mkdir()
    docs = [{"path": str(tmp_path / "handbook"), "base_url": "https://docs.example.org/"}]
    settings = Settings(data_dir=tmp_path, knowledge_dirs=docs)  # type: ignore[arg-type]
    (check,) = [c for c in await run_checks(settings) if c.name == "recipe drafts"]
    assert (check.ok, check.warn, check.detail) == (
        True,
        True,
        f"{tmp_path / 'drafts'}; kb publish needs a folder of your own recipes in knowledge_dirs (one without a "
        "base_url)",
    )
