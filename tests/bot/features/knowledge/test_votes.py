"""Votes as members use them: asking again, changing their mind, and what a vote teaches."""

from __future__ import annotations

import pytest

from bot.main.wiring import BotApp
from tests.conftest import Chat, Clock, texts

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

BIG = "ask how many people should be in a learning circle"


async def test_asking_again_and_voting_again_counts_one_members_vote_once(chat: Chat, clock: Clock) -> None:
    """Ann asks three times and presses Helpful under each answer; Bob asks once and says Not helpful. `kb stats`
    shows one helpful vote (Ann's) and Bob's, not three of Ann's."""
    for number in (1, 2, 3):
        await chat.say(BIG)
        await chat.press("kb:helpful", str(number))
        clock.advance(minutes=1)
    await chat.say(BIG, user="bob")
    await chat.press("kb:unhelpful", "4", user="bob")
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n   4 asked  1 helpful / 1 not  `groups/size`\nDeclined or not helpful: 1 (see `kb gaps`)"
    )


async def test_a_member_changes_their_vote_and_the_latest_counts(chat: Chat) -> None:
    """Helpful by mistake, then Not helpful: the vote is changed (with other answers to try), `kb stats` and
    `kb gaps` follow; the same click again is counted once; Helpful again changes it back."""
    await chat.say(BIG)
    await chat.press("kb:helpful", "1")
    (changed,) = await chat.press("kb:unhelpful", "1")
    assert changed.text == (  # the Helpful had taught it these words: undone
        "Changed: your vote on this answer is now Not helpful. I've stopped treating questions worded like this one "
        "as answered by it. Maybe one of these answers it:"
    )
    assert [b.label for b in changed.buttons] == [
        "What if learners stop showing up?",
        "Do I have to teach the group?",
        "What is the usual plan for a meeting?",
        "Ask a human",
    ]
    assert texts(await chat.press("kb:unhelpful", "1")) == (
        "\nYou have already voted on this answer; thanks, your vote is counted."
    )
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n   1 asked  0 helpful / 1 not  `groups/size`\nDeclined or not helpful: 1 (see `kb gaps`)"
    )
    assert texts(await chat.say("kb gaps", role="staff")) == (
        "Questions without a good answer\n  1 × how many people should be in a learning circle"
    )
    assert texts(await chat.press("kb:helpful", "1")) == (
        "\nChanged: your vote on this answer is now Helpful. I'll remember that it fits questions like yours."
    )
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n   1 asked  1 helpful / 0 not  `groups/size`\nDeclined or not helpful: 0 (see `kb gaps`)"
    )


SHRINKING = "our group keeps shrinking, what now"
DROP_OFF = "What if learners stop showing up?"


async def test_changing_a_teaching_helpful_to_not_helpful_unlearns_the_question(chat: Chat, clock: Clock) -> None:
    """Declined, pick "What if learners stop showing up?", Helpful: the question is answered by it next time. The same
    member then changes that vote to Not helpful: told so, and the question is declined again."""
    await chat.say(SHRINKING)
    await chat.press("kb:helpful", "1:people/drop-off")
    (taught,) = await chat.say(SHRINKING)
    assert taught.title == DROP_OFF
    clock.advance(minutes=1)
    (changed,) = await chat.press("kb:unhelpful", "1:people/drop-off")
    assert changed.text == (
        "Changed: your vote on this answer is now Not helpful. I've stopped treating questions worded like this one "
        "as answered by it. Maybe one of these answers it:"
    )
    (again,) = await chat.say(SHRINKING)
    assert (again.title, again.text) == (None, "I'm not sure I know the answer to that. Did you mean one of these?")


async def test_not_helpful_from_more_members_than_found_it_helpful_unlearns_the_question(chat: Chat) -> None:
    """Ann's Helpful taught the question; Bob's Not helpful on the answer it now gets leaves it (one each); Cara's
    makes two against one, so she is told, and Dan's same question is declined again. Staff's `kb confirm` stays."""
    await chat.say(SHRINKING)
    await chat.press("kb:helpful", "1:people/drop-off")
    (bobs,) = await chat.say(SHRINKING, user="bob")
    assert bobs.title == DROP_OFF
    (kept,) = await chat.press("kb:unhelpful", "2", user="bob")
    assert kept.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. Maybe one of these answers it:"
    )
    assert (await chat.say(SHRINKING, user="cara"))[0].title == DROP_OFF
    (outvoted,) = await chat.press("kb:unhelpful", "3", user="cara")
    assert outvoted.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. I've stopped treating questions "
        "worded like this one as answered by it. Maybe one of these answers it:"
    )
    (dans,) = await chat.say(SHRINKING, user="dan")
    assert (dans.title, dans.text) == (None, "I'm not sure I know the answer to that. Did you mean one of these?")
    await chat.say("kb confirm 4 people/drop-off", role="staff")
    await chat.press("kb:unhelpful", "4:people/drop-off", user="dan")
    assert (await chat.say(SHRINKING, user="eve"))[0].title == DROP_OFF


async def test_one_member_cannot_teach_a_question_its_recipe_was_written_for_to_another(chat: Chat) -> None:
    """Mallory calls the answer to a question groups/size lists word for word "Not helpful", picks the facilitator's
    role and presses Helpful: her vote is noted, but everyone still gets groups/size (staff can `kb confirm`)."""
    (answer,) = await chat.say(BIG, user="mallory")
    assert answer.title == "How many learners should a group have?"
    (others,) = await chat.press("kb:unhelpful", "1", user="mallory")
    assert ("Do I have to teach the group?", "kb:pick", "1:facilitating/role") in [
        (b.label, b.action_id, b.value) for b in others.buttons
    ]
    await chat.press("kb:pick", "1:facilitating/role", user="mallory")
    assert texts(await chat.press("kb:helpful", "1:facilitating/role", user="mallory")) == (
        "\nThanks! I've noted that this one helped; the team can make it the answer to questions like yours."
    )
    (again,) = await chat.say(BIG, user="victim")
    assert again.title == "How many learners should a group have?"


async def test_a_long_post_voted_helpful_is_noted_not_learned(chat: Chat, app: BotApp) -> None:
    """A 2,000-character message whose answer is voted Helpful is not kept as an example of the recipe (it would
    pull the recipe towards everything else the post says): the thanks says it is noted; a question of normal length
    is learned as before."""
    post = "how many people should be in a learning circle? " + "We are keen, curious and " * 80
    assert len(post) > 2000
    (answer,) = await chat.say(f"ask {post}")
    assert answer.title == "How many learners should a group have?"
    assert texts(await chat.press("kb:helpful", "1")) == (
        "\nThanks! I've noted that this one helped; the team can make it the answer to questions like yours."
    )
    learned = [q for r in app.kb.recipes for q in r.questions if "curious and We are" in q]
    assert learned == []
    await chat.say("ask what is a good size for a learning circle group")
    assert texts(await chat.press("kb:helpful", "2")) == (
        "\nThanks! I'll remember that this answer fits questions like yours."
    )
