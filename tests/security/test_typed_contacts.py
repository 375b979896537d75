"""Emails and phone numbers members type into questions: staff lists and channel posts show them masked, a recipe
drafted from the question holds neither, and erasing the person leaves no cached index holding their words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.events import Reply
from bot.features.knowledge.gaps import gap_stubs
from bot.main.wiring import BotApp
from tests.bot.features.escalations.seed import bot_with_own_folder
from tests.conftest import Chat, Clock, DbTarget, texts

EMAIL, PHONE = "ann.smith@example.org", "+1 555 123 4567"
ASKED = f"my email is {EMAIL}, call {PHONE}: how do I recruit learners"
SHOWN = "my email is [email], call [phone]: how do I recruit learners"
STAFF = {"user": "sam", "role": "staff", "channel": "staff"}


@pytest.fixture
async def app(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot with a recipe folder of the community's own, for `kb publish`."""
    async with bot_with_own_folder(db_target, tmp_path, clock) as bot:
        yield bot


def press(reply: Reply, label: str) -> tuple[str, str]:
    found = next(b for b in reply.buttons if b.label == label)
    return found.action_id, found.value


async def test_kb_gaps_escalations_and_the_help_channel_show_contacts_masked(chat: Chat) -> None:
    """Staff read Ann's question in `kb gaps`, `kb escalations` and the help channel's post with [email] and [phone]
    in place of what she typed."""
    declined = (await chat.say(f"ask {ASKED}", user="ann"))[0]
    posted = await chat.press(*press(declined, "Ask a human"), user="ann")
    assert posted[0].channel == "help" and texts(posted[:1]) == (
        f"A question for a human\nann asked: {SHOWN}\n"
        "Asked in a direct message: message them, or teach me the answer and I'll send it to them.\n"
        "(question 1; staff can teach me the answer with `kb confirm 1 RECIPE_ID`)"
    )
    assert texts(await chat.say("kb gaps", **STAFF)) == f"Questions without a good answer\n  1 × {SHOWN}"
    listed = texts(await chat.say("kb escalations", **STAFF))
    assert listed.splitlines()[1] == f"Q1 [escalated to staff] {SHOWN} (peers asked: 0; 2 March 2026)"


async def test_kb_save_writes_no_contact_into_the_draft_and_publishing_still_tells_ann(
    chat: Chat, app: BotApp, tmp_path: Path
) -> None:
    """The title skipped, the draft's id, file name, title and example question are made of her other words; once
    published, Ann is told (in her own DM, her own words) and every member reads the recipe without her contacts."""
    await chat.say(f"ask {ASKED}", user="ann")
    await chat.say("kb save 1", **STAFF)
    await chat.say("Use flyers.", **STAFF)
    saved = await chat.say("skip", **STAFF)
    draft = "email-call-recruit-learner"
    assert saved[-1].text == (
        f"Draft `{draft}` saved for review. `kb drafts` lists drafts; `kb publish {draft}` makes it live."
    )
    assert [p.name for p in (tmp_path / "drafts").iterdir()] == [f"{draft}.md"]
    written = (tmp_path / "drafts" / f"{draft}.md").read_text()
    assert yaml.safe_load(written.split("---\n")[1]) == {
        "title": "My email is [email], call [phone]: how do I recruit learners",
        "summary": "Use flyers.",
        "questions": [SHOWN],
        "links": [],
        "updated": "2026-03-02",
    }
    published = await chat.say(f"kb publish {draft}", **STAFF)
    assert [(r.user, texts([r]).splitlines()[1]) for r in published[1:]] == [
        ("ann", f"You asked “{ASKED}” on 2 March 2026; here is the answer now.")
    ]
    recipe = texts(await chat.say(f"kb show {draft}", user="zoe", channel="general"))
    assert recipe == "My email is [email], call [phone]: how do I recruit learners\nUse flyers."


async def test_a_question_of_nothing_but_contacts_needs_a_title(chat: Chat, tmp_path: Path) -> None:
    """Nothing of it can be shown: the form asks for a title, and the draft is named after it, with no example."""
    await chat.say(f"ask {EMAIL} {PHONE}", user="ann")
    await chat.say("kb save 1", **STAFF)
    asked = await chat.say("Use flyers.", **STAFF)
    assert "The question is only an email or phone number: give the recipe a title" in texts(asked)
    refused = texts(await chat.say("skip", **STAFF))
    assert "required" in refused.lower() and not (tmp_path / "drafts").exists()
    saved = await chat.say("Finding learners", **STAFF)
    assert saved[-1].text.startswith("Draft `finding-learner` saved for review.")
    front = yaml.safe_load((tmp_path / "drafts" / "finding-learner.md").read_text().split("---\n")[1])
    assert (front["title"], front["questions"]) == ("Finding learners", [])


def test_recipe_stubs_from_gaps_hold_no_contact(tmp_path: Path) -> None:
    """`communitybot kb gaps --stubs` names and fills its stubs with the contacts masked."""
    (stub,) = gap_stubs([ASKED], tmp_path)
    assert stub.name == "email-call-recruit-learner.md"
    assert yaml.safe_load(stub.read_text().split("---\n")[1])["questions"] == [SHOWN]


@pytest.mark.test_recipes
async def test_erasing_a_person_removes_cached_indexes_built_with_her_words(chat: Chat, tmp_path: Path) -> None:
    """Ann's Helpful vote taught the index her wording, which went into the cached index; after `mydata delete` no
    file of the cache holds it."""
    cache = tmp_path / "kb-cache"
    answered = (await chat.say(f"ask how many people should be in a learning circle, mail {EMAIL}", user="ann"))[0]
    assert "Thanks! I'll remember" in texts(await chat.press(*press(answered, "Helpful"), user="ann"))
    assert any(EMAIL.encode() in p.read_bytes() for p in cache.glob("kb-*.pickle"))
    (confirm, _) = (await chat.say("mydata delete", user="ann"))[0].buttons
    done = texts(await chat.press(confirm.action_id, confirm.value, user="ann")).strip()
    assert done == "Done. Erased or anonymized: 1 vote on an answer, 1 question asked, 1 learned question phrasing."
    assert [p.name for p in cache.glob("kb-*.pickle") if EMAIL.encode() in p.read_bytes()] == []
    assert list(cache.glob("kb-*.pickle"))  # the index was built again, and cached
