"""An escalated question that a published recipe answers leaves what staff still have to do, and `kb save` run again
on it says what already exists instead of writing a draft that cannot be published."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.events import Reply, Visibility
from bot.main.wiring import BotApp
from bot.when import plain
from tests.bot.features.escalations.seed import bot_with_own_folder
from tests.bot.features.escalations.test_escalations import ODD, button
from tests.conftest import Chat, Clock, DbTarget, texts

ANSWER = "Ask each member what changed, then move the meeting to suit them."
DRAFT = "cohort-dwindling"
STAFF = {"user": "sam", "role": "staff"}


@pytest.fixture
async def app(db_target: DbTarget, tmp_path: Path, clock: Clock) -> AsyncIterator[BotApp]:
    """A bot with a recipe folder of the community's own, for `kb publish`."""
    async with bot_with_own_folder(db_target, tmp_path, clock) as bot:
        yield bot


async def _escalate(chat: Chat, channel: str | None = None) -> Reply:
    """Ann asks what no recipe answers and presses "Ask a human"; the bot's answer to her question."""
    declined = (await chat.say(f"ask {ODD}", user="ann", channel=channel))[0]
    await chat.press(*button(declined, "Ask a human"), user="ann", channel=channel)
    return declined


async def _save_and_publish(chat: Chat, number: int) -> list[Reply]:
    """`kb save N`, the answer, no title, `kb publish`: what publishing replies."""
    await chat.say(f"kb save {number}", **STAFF)
    await chat.say(ANSWER, **STAFF)
    assert (await chat.say("skip", **STAFF))[-1].text.startswith(f"Draft `{DRAFT}` saved for review.")
    return await chat.say(f"kb publish {DRAFT}", **STAFF)


async def test_a_published_recipe_takes_its_question_off_the_staff_list(chat: Chat, clock: Clock) -> None:
    """Escalated to staff, then a recipe saved from it and published: `kb escalations` no longer reads "escalated to
    staff" but "answered by a recipe", and Ann is told once."""
    declined = await _escalate(chat)  # asked in a DM: straight to staff
    number = int(button(declined, "Ask a human")[1])
    listed = texts(await chat.say("kb escalations", **STAFF)).splitlines()
    assert listed[1:] == [f"Q{number} [escalated to staff] {ODD} (peers asked: 0; 2 March 2026)"]
    clock.advance(hours=1)
    published = await _save_and_publish(chat, number)
    told = f"You asked “{ODD}” on 2 March 2026; here is the answer now.\n\n{ANSWER}"
    assert [(r.user, r.visibility, r.title, plain(r.text)) for r in published] == [
        (
            None,
            Visibility.EPHEMERAL,
            None,
            f"Published `{DRAFT}`: My cohort is dwindling. I told 1 member who asked about it.",
        ),
        ("ann", Visibility.DM, "My cohort is dwindling", told),
    ]
    listed = texts(await chat.say("kb escalations", **STAFF)).splitlines()
    assert listed[1:] == [f"Q{number} [answered by a recipe] {ODD} (peers asked: 0; 2 March 2026)"]


async def test_an_answered_question_is_not_passed_to_staff_later(chat: Chat, app: BotApp, clock: Clock) -> None:
    """A question waiting on peers that a recipe answers before their time is up is never posted to the help
    channel: it used to be, 4 hours after the press, as if nobody had answered it."""
    await chat.say("helper on cohort", user="pat")
    declined = await _escalate(chat, channel="general")  # pat is asked first; staff in 4 hours
    number = int(button(declined, "Ask a human")[1])
    clock.advance(hours=1)
    published = await _save_and_publish(chat, number)
    assert published[0].text.endswith("I told 1 member who asked about it.")
    clock.advance(hours=4)
    assert await app.scheduler.tick(clock.now) == []
    listed = texts(await chat.say("kb escalations", **STAFF)).splitlines()
    assert listed[1:] == [f"Q{number} [answered by a recipe] {ODD} (peers asked: 1; 2 March 2026)"]


async def test_saving_again_says_what_exists_and_leaves_no_draft(chat: Chat, app: BotApp, tmp_path: Path) -> None:
    """`kb save` on a question with a draft or a live recipe names it and asks nothing; `kb publish` of a live recipe
    says it is published already. Before, a second draft was written that `kb publish` refused for good."""
    number = int(button(await _escalate(chat), "Ask a human")[1])
    await chat.say(f"kb save {number}", **STAFF)
    await chat.say(ANSWER, **STAFF)
    await chat.say("skip", **STAFF)
    drafted = await chat.say(f"kb save {number}", **STAFF)
    assert [(r.text, r.form) for r in drafted] == [
        (
            f"Question {number} already has a draft, `{DRAFT}` (My cohort is dwindling): `kb publish {DRAFT}` makes "
            "it live (edit its file first to change it).",
            None,
        )
    ]
    await chat.say(f"kb publish {DRAFT}", **STAFF)
    live = await chat.say(f"kb save {number}", **STAFF)
    assert [r.text for r in live] == [
        f"Question {number} is already answered by the recipe `{DRAFT}` (My cohort is dwindling): edit its file to "
        f"change the answer (`kb show {DRAFT}` shows it)."
    ]
    again = await chat.say(f"kb publish {DRAFT}", **STAFF)
    assert [r.text for r in again] == [
        f"`{DRAFT}` is already published: no draft of that name is waiting. `kb drafts` lists drafts."
    ]
    assert texts(await chat.say("kb drafts", **STAFF)).endswith(
        "No drafts. “Save as recipe” on a solved question writes one."
    )
    assert not list((tmp_path / "drafts").glob("*.md"))


async def test_the_same_question_asked_again_in_other_words_case_names_the_draft(chat: Chat) -> None:
    """Bo asks Ann's question again in capitals and with two exclamation marks; staff pressing "Save as recipe" on his
    get the draft written for hers named, not a second draft of the same question."""
    first = int(button(await _escalate(chat), "Ask a human")[1])
    await chat.say(f"kb save {first}", **STAFF)
    await chat.say(ANSWER, **STAFF)
    await chat.say("skip", **STAFF)
    again = (await chat.say(f"ask {ODD.upper()}!!", user="bo"))[0]
    await chat.press(*button(again, "Ask a human"), user="bo")
    second = int(button(again, "Ask a human")[1])
    assert second != first
    assert [r.text for r in await chat.say(f"kb save {second}", **STAFF)] == [
        f"Question {second} already has a draft, `{DRAFT}` (My cohort is dwindling): `kb publish {DRAFT}` makes "
        "it live (edit its file first to change it)."
    ]


async def test_kb_save_refuses_a_question_whose_wording_was_erased(chat: Chat, tmp_path: Path) -> None:
    """Ann erased her data: `kb save` on her question says so, as `kb confirm` does, and writes no "(forgotten)"
    draft; a form opened before she erased it is refused the same way when sent."""
    number = int(button(await _escalate(chat), "Ask a human")[1])
    await chat.say(f"kb save {number}", **STAFF)
    await chat.say(ANSWER, **STAFF)  # the form waits for its title
    (confirm, _) = (await chat.say("mydata delete", user="ann"))[0].buttons
    await chat.press(confirm.action_id, confirm.value, user="ann")
    refused = f"The wording of question {number} was erased at its asker's request: there is nothing to save."
    assert [r.text for r in await chat.say("skip", **STAFF)] == [refused]
    assert [r.text for r in await chat.say(f"kb save {number}", **STAFF)] == [refused]
    assert not (tmp_path / "drafts").exists() or not list((tmp_path / "drafts").glob("*.md"))
