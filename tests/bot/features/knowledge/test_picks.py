"""A recipe picked from a question's suggestions ("Did you mean", "More results", "Not helpful") can be voted on,
and "Helpful" there teaches it the question as under a direct answer."""

from __future__ import annotations

import pytest

from bot.events import Reply
from bot.features.knowledge.render import show_buttons
from knowledge import Hit, Recipe
from tests.conftest import Chat, texts

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

SHRINKING = "our group keeps shrinking, what now"
STOP_COMING = (
    "Numbers often fall after the first weeks. What helps:\n"
    "- send a short, friendly note to anyone who missed a meeting;\n"
    "- make each meeting worth coming to on its own;\n"
    "- remember that a small group that stays is a success."
)


def shown(reply: Reply) -> tuple[str | None, str, str | None, list[tuple[str, str, str]]]:
    """What the user sees of a reply: title, text, link and buttons (label, action, value)."""
    return reply.title, reply.text, reply.link, [(b.label, b.action_id, b.value) for b in reply.buttons]


async def test_a_did_you_mean_pick_carries_votes_and_helpful_answers_the_question_next_time(chat: Chat) -> None:
    """Declined, pick "What if learners stop showing up?", press Helpful: the same question is then answered directly,
    and it is no longer a gap."""
    (declined,) = await chat.say(SHRINKING)
    assert shown(declined) == (
        None,
        "I'm not sure I know the answer to that. Did you mean one of these?",
        None,
        [
            ("What if learners stop showing up?", "kb:pick", "1:people/drop-off"),
            ("How many learners should a group have?", "kb:pick", "1:groups/size"),
            ("Ask a human", "kb:human", "1"),
        ],
    )
    (recipe,) = await chat.press("kb:pick", "1:people/drop-off")
    assert shown(recipe) == (
        "What if learners stop showing up?",
        STOP_COMING,
        "https://example.org/people/drop-off",
        [
            ("Helpful", "kb:helpful", "1:people/drop-off"),
            ("Not helpful", "kb:unhelpful", "1:people/drop-off"),
            ("Ask a human", "kb:human", "1"),
        ],
    )
    (thanks,) = await chat.press("kb:helpful", "1:people/drop-off")
    assert thanks.text == "Thanks! I'll remember that this answer fits questions like yours."
    (again,) = await chat.say(SHRINKING)
    assert shown(again) == (
        "What if learners stop showing up?",
        STOP_COMING,
        "https://example.org/people/drop-off",
        [
            ("Helpful", "kb:helpful", "2"),
            ("Not helpful", "kb:unhelpful", "2"),
            ("More results", "kb:more", "2"),
            ("Ask a human", "kb:human", "2"),
        ],
    )
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "   2 asked  1 helpful / 0 not  `people/drop-off`" in stats
    assert "No gaps: every question so far was answered" in texts(await chat.say("kb gaps", role="staff"))


async def test_a_more_results_pick_carries_votes_but_teaches_only_after_not_helpful_on_the_answer(chat: Chat) -> None:
    """Answered with one recipe, "More results", pick another, Helpful: the vote is the picked one's, but one click
    does not change everyone's answer. Once that user calls the answer "Not helpful", Helpful on a pick teaches it."""
    (answer,) = await chat.say("ask how do I end a meeting well?")
    assert answer.title == "How do I move or cancel a meeting?"
    (more,) = await chat.press("kb:more", "1")
    assert [(b.label, b.action_id, b.value) for b in more.buttons] == [
        ("What is the usual plan for a meeting?", "kb:pick", "1:meetings/agenda"),
        ("What happens at the final meeting?", "kb:pick", "1:meetings/last"),
        ("How long is each meeting, and for how many weeks?", "kb:pick", "1:meetings/length"),
        ("How do I pick a course?", "kb:pick", "1:courses/picking"),
        ("Do I have to teach the group?", "kb:pick", "1:facilitating/role"),
    ]
    (recipe,) = await chat.press("kb:pick", "1:meetings/agenda")
    assert recipe.title == "What is the usual plan for a meeting?"
    assert [(b.label, b.action_id, b.value) for b in recipe.buttons] == [
        ("Helpful", "kb:helpful", "1:meetings/agenda"),
        ("Not helpful", "kb:unhelpful", "1:meetings/agenda"),
        ("Ask a human", "kb:human", "1"),
    ]
    assert texts(await chat.press("kb:helpful", "1:meetings/agenda")) == (
        "\nThanks! I've noted that this one helped; the team can make it the answer to questions like yours."
    )
    (again,) = await chat.say("ask how do I end a meeting well?")
    assert again.title == "How do I move or cancel a meeting?"
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "   0 asked  1 helpful / 0 not  `meetings/agenda`" in stats  # the vote: on the picked recipe
    assert "   2 asked  0 helpful / 0 not  `meetings/moving`" in stats  # given, not voted on

    await chat.press("kb:unhelpful", "2")
    assert texts(await chat.press("kb:helpful", "2:meetings/agenda")) == (
        "\nThanks! I'll remember that this answer fits questions like yours."
    )
    (taught,) = await chat.say("ask how do I end a meeting well?")
    assert taught.title == "What is the usual plan for a meeting?"


async def test_not_helpful_on_a_pick_offers_others_and_is_a_gap(chat: Chat) -> None:
    """ "Not helpful" under a picked recipe offers the others (never that one), each pickable, and the question stays
    a gap for staff."""
    await chat.say(SHRINKING)
    (offer,) = await chat.press("kb:unhelpful", "1:people/drop-off")
    assert offer.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. Maybe one of these answers it:"
    )
    assert [(b.label, b.action_id, b.value) for b in offer.buttons] == [
        ("How many learners should a group have?", "kb:pick", "1:groups/size"),
        ("Do I have to teach the group?", "kb:pick", "1:facilitating/role"),
        ("How do I move or cancel a meeting?", "kb:pick", "1:meetings/moving"),
        ("Ask a human", "kb:human", "1"),
    ]
    assert f"1 × {SHRINKING}" in texts(await chat.say("kb gaps", role="staff"))


async def test_read_more_and_also_asked_show_no_second_votes(chat: Chat) -> None:
    """The recipe behind an answer's own buttons ("You also asked", "Read more") has no votes: the answer's
    Helpful and Not helpful are just above, and the question was not about it alone."""
    reply = (await chat.say("ask how big should a group be and how long is each meeting?"))[0]
    also = next(b for b in reply.buttons if b.label == "How many learners should a group have?")
    assert (also.action_id, also.value) == ("kb:show", "groups/size")
    (recipe,) = await chat.press(also.action_id, also.value)
    assert (recipe.title, recipe.buttons) == ("How many learners should a group have?", ())


async def test_a_stale_pick_or_vote_says_so(chat: Chat) -> None:
    """A pick or vote for a recipe that is gone, or with no question number, says what happened."""
    await chat.say(SHRINKING)
    assert "no recipe with id 'gone/recipe'" in texts(await chat.press("kb:pick", "1:gone/recipe"))
    assert "no recipe with id 'gone/recipe'" in texts(await chat.press("kb:helpful", "1:gone/recipe"))
    assert "That button no longer does anything." in texts(await chat.press("kb:pick", "x:people/drop-off"))
    assert "I no longer have that question." in texts(await chat.press("kb:helpful", "9:people/drop-off"))


def test_a_pick_too_long_for_discord_still_shows_the_recipe() -> None:
    """A recipe id so long that question and recipe would pass Discord's 100-character custom_id is offered as a
    plain "show" (the recipe, without votes), not as a button Discord would leave out."""
    short = Hit(Recipe("circles/group-size", "How big?", "Body"), 0.5)
    long_id = "handbook/" + "a-very-long-section-name-" * 2 + "#a-long-heading-after"
    long = Hit(Recipe(long_id, "Long", "Body"), 0.5)
    assert [(b.action_id, b.value) for b in show_buttons([short, long], 12345)] == [
        ("kb:pick", "12345:circles/group-size"),
        ("kb:show", long_id),
    ]
    assert len(f"cb|kb:show|{long_id}") <= 100


async def test_a_vote_on_a_pick_and_one_on_the_answer_are_two_votes_and_the_same_vote_again_is_refused(
    chat: Chat,
) -> None:
    """Helpful on the answer, then Not helpful on a recipe from "More results": both count, the question is no gap,
    and the same user casting the same vote again on either is told the vote is counted (another member's vote still
    counts)."""
    await chat.say("ask how do I end a meeting well?")
    (thanks,) = await chat.press("kb:helpful", "1")
    assert thanks.text == "Thanks! I'll remember that this answer fits questions like yours."
    await chat.press("kb:more", "1")
    await chat.press("kb:pick", "1:meetings/agenda")
    (offer,) = await chat.press("kb:unhelpful", "1:meetings/agenda")
    assert offer.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. Maybe one of these answers it:"
    )
    for action_id, value in [("kb:helpful", "1"), ("kb:unhelpful", "1:meetings/agenda")]:
        assert texts(await chat.press(action_id, value)) == (
            "\nYou have already voted on this answer; thanks, your vote is counted."
        )
    assert texts(await chat.press("kb:helpful", "1", user="bob")) == (
        "\nThanks! I'll remember that this answer fits questions like yours."
    )
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n"
        "   1 asked  2 helpful / 0 not  `meetings/moving`\n"
        "   0 asked  0 helpful / 1 not  `meetings/agenda`\n"
        "Declined or not helpful: 0 (see `kb gaps`)"
    )
    assert texts(await chat.say("kb gaps", role="staff")) == (
        "\nNo gaps: every question so far was answered and nobody said it didn't help."
    )


async def test_a_vote_under_the_answer_after_a_helpful_pick_is_on_the_answer(chat: Chat) -> None:
    """A recipe picked from "More results" and found helpful does not take over the answer's own buttons: the same
    user's "Not helpful" under the answer is their first vote on it, and another member's vote there counts for it."""
    await chat.say("ask how do I end a meeting well?")
    await chat.press("kb:more", "1")
    await chat.press("kb:pick", "1:meetings/agenda")
    await chat.press("kb:helpful", "1:meetings/agenda")
    (offer,) = await chat.press("kb:unhelpful", "1")
    assert offer.text.startswith("Thanks for telling me; I've noted it")
    await chat.press("kb:unhelpful", "1", user="bob")
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "0 helpful / 2 not  `meetings/moving`" in stats
    assert "1 helpful / 0 not  `meetings/agenda`" in stats
