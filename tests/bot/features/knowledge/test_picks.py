"""A recipe picked from a question's suggestions ("Did you mean", "More results", "Not helpful") can be voted on,
and "Helpful" there teaches it the question as under a direct answer."""

from __future__ import annotations

from bot.events import Reply
from bot.features.knowledge.render import show_buttons
from knowledge import Hit, Recipe
from tests.conftest import Chat, texts

DWINDLING = "our cohort keeps dwindling after week three, what do we do"
STOP_COMING = (
    "Expect turnout to vary: it can be a bit above sign-ups or under half, and numbers often fall after the first "
    "weeks. What helps:\n"
    "- send a friendly note to people who missed a meeting, with a short recap;\n"
    "- make each meeting useful on its own so people can rejoin;\n"
    "- ask the group at the reflection what would make it easier to come;\n"
    "- don't take it personally: a small committed group is a success."
)


def shown(reply: Reply) -> tuple[str | None, str, str | None, list[tuple[str, str, str]]]:
    """What the user sees of a reply: title, text, link and buttons (label, action, value)."""
    return reply.title, reply.text, reply.link, [(b.label, b.action_id, b.value) for b in reply.buttons]


async def test_a_did_you_mean_pick_carries_votes_and_helpful_answers_the_question_next_time(chat: Chat) -> None:
    """Declined, pick "What if people stop coming?", press Helpful: the same question is then answered directly,
    and it is no longer a gap."""
    (declined,) = await chat.say(DWINDLING)
    assert shown(declined) == (
        None,
        "I'm not sure I know the answer to that. Did you mean one of these?",
        None,
        [
            ("How long and how often should a learning circle meet?", "kb:pick", "1:circles/meeting-length"),
            ("What if people stop coming?", "kb:pick", "1:facilitation/attendance"),
            ("How much time does facilitating take?", "kb:pick", "1:circles/time-commitment"),
            ("Ask a human", "kb:human", "1"),
        ],
    )
    (recipe,) = await chat.press("kb:pick", "1:facilitation/attendance")
    assert shown(recipe) == (
        "What if people stop coming?",
        STOP_COMING,
        "https://docs.p2pu.org/facilitation/facilitation-basics",
        [
            ("Helpful", "kb:helpful", "1:facilitation/attendance"),
            ("Not helpful", "kb:unhelpful", "1:facilitation/attendance"),
            ("Ask a human", "kb:human", "1"),
        ],
    )
    (thanks,) = await chat.press("kb:helpful", "1:facilitation/attendance")
    assert thanks.text == "Thanks! I'll remember that this answer fits questions like yours."
    (again,) = await chat.say(DWINDLING)
    assert shown(again) == (
        "What if people stop coming?",
        STOP_COMING,
        "https://docs.p2pu.org/facilitation/facilitation-basics",
        [
            ("Helpful", "kb:helpful", "2"),
            ("Not helpful", "kb:unhelpful", "2"),
            ("More results", "kb:more", "2"),
            ("Ask a human", "kb:human", "2"),
        ],
    )
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "   2 asked  1 helpful / 0 not  `facilitation/attendance`" in stats
    assert "No gaps: every question so far was answered" in texts(await chat.say("kb gaps", role="staff"))


async def test_a_more_results_pick_carries_votes_but_teaches_only_after_not_helpful_on_the_answer(chat: Chat) -> None:
    """Answered with one recipe, "More results", pick another, Helpful: the vote is the picked one's, but one click
    does not change everyone's answer. Once that user calls the answer "Not helpful", Helpful on a pick teaches it."""
    (answer,) = await chat.say("ask how do I end a meeting well?")
    assert answer.title == "How do I reschedule or cancel a meeting?"
    (more,) = await chat.press("kb:more", "1")
    assert [(b.label, b.action_id, b.value) for b in more.buttons] == [
        ("What should happen at the last meeting?", "kb:pick", "1:platform/final-meeting"),
        ("How do I keep an online meeting safe?", "kb:pick", "1:space/online-safety"),
        ("How do I choose a course for my learning circle?", "kb:pick", "1:courses/choosing-a-course"),
        ("Where can I find check-in, energizer and reflection ideas?", "kb:pick", "1:facilitation/activity-ideas"),
        ("What if people stop coming?", "kb:pick", "1:facilitation/attendance"),
    ]
    (recipe,) = await chat.press("kb:pick", "1:platform/final-meeting")
    assert recipe.title == "What should happen at the last meeting?"
    assert [(b.label, b.action_id, b.value) for b in recipe.buttons] == [
        ("Helpful", "kb:helpful", "1:platform/final-meeting"),
        ("Not helpful", "kb:unhelpful", "1:platform/final-meeting"),
        ("Ask a human", "kb:human", "1"),
    ]
    assert texts(await chat.press("kb:helpful", "1:platform/final-meeting")) == (
        "\nThanks! I've noted that this one helped; the team can make it the answer to questions like yours."
    )
    (again,) = await chat.say("ask how do I end a meeting well?")
    assert again.title == "How do I reschedule or cancel a meeting?"
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "   0 asked  1 helpful / 0 not  `platform/final-meeting`" in stats  # the vote: on the picked recipe
    assert "   2 asked  0 helpful / 0 not  `platform/changing-meetings`" in stats  # given, not voted on

    await chat.press("kb:unhelpful", "2")
    assert texts(await chat.press("kb:helpful", "2:platform/final-meeting")) == (
        "\nThanks! I'll remember that this answer fits questions like yours."
    )
    (taught,) = await chat.say("ask how do I end a meeting well?")
    assert taught.title == "What should happen at the last meeting?"


async def test_not_helpful_on_a_pick_offers_others_and_is_a_gap(chat: Chat) -> None:
    """ "Not helpful" under a picked recipe offers the others (never that one), each pickable, and the question stays
    a gap for staff."""
    await chat.say(DWINDLING)
    (offer,) = await chat.press("kb:unhelpful", "1:facilitation/attendance")
    assert offer.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. Maybe one of these answers it:"
    )
    assert [(b.label, b.action_id, b.value) for b in offer.buttons] == [
        ("How long and how often should a learning circle meet?", "kb:pick", "1:circles/meeting-length"),
        ("How much time does facilitating take?", "kb:pick", "1:circles/time-commitment"),
        ("What surveys are there and what happens to the answers?", "kb:pick", "1:community/surveys-and-insights"),
        ("Ask a human", "kb:human", "1"),
    ]
    assert f"1 × {DWINDLING}" in texts(await chat.say("kb gaps", role="staff"))


async def test_read_more_and_also_asked_show_no_second_votes(chat: Chat) -> None:
    """The recipe behind an answer's own buttons ("You also asked", "Read more") has no votes: the answer's
    Helpful and Not helpful are just above, and the question was not about it alone."""
    reply = (await chat.say("ask how big should a circle be and how long should each meeting last?"))[0]
    also = next(b for b in reply.buttons if b.label == "How big should a learning circle be?")
    assert (also.action_id, also.value) == ("kb:show", "circles/group-size")
    (recipe,) = await chat.press(also.action_id, also.value)
    assert (recipe.title, recipe.buttons) == ("How big should a learning circle be?", ())


async def test_a_stale_pick_or_vote_says_so(chat: Chat) -> None:
    """A pick or vote for a recipe that is gone, or with no question number, says what happened."""
    await chat.say(DWINDLING)
    assert "no recipe with id 'gone/recipe'" in texts(await chat.press("kb:pick", "1:gone/recipe"))
    assert "no recipe with id 'gone/recipe'" in texts(await chat.press("kb:helpful", "1:gone/recipe"))
    assert "That button no longer does anything." in texts(await chat.press("kb:pick", "x:facilitation/attendance"))
    assert "I no longer have that question." in texts(await chat.press("kb:helpful", "9:facilitation/attendance"))


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
    await chat.press("kb:pick", "1:platform/final-meeting")
    (offer,) = await chat.press("kb:unhelpful", "1:platform/final-meeting")
    assert offer.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. Maybe one of these answers it:"
    )
    for action_id, value in [("kb:helpful", "1"), ("kb:unhelpful", "1:platform/final-meeting")]:
        assert texts(await chat.press(action_id, value)) == (
            "\nYou have already voted on this answer; thanks, your vote is counted."
        )
    assert texts(await chat.press("kb:helpful", "1", user="bob")) == (
        "\nThanks! I'll remember that this answer fits questions like yours."
    )
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n"
        "   1 asked  2 helpful / 0 not  `platform/changing-meetings`\n"
        "   0 asked  0 helpful / 1 not  `platform/final-meeting`\n"
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
    await chat.press("kb:pick", "1:platform/final-meeting")
    await chat.press("kb:helpful", "1:platform/final-meeting")
    (offer,) = await chat.press("kb:unhelpful", "1")
    assert offer.text.startswith("Thanks for telling me; I've noted it")
    await chat.press("kb:unhelpful", "1", user="bob")
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "0 helpful / 2 not  `platform/changing-meetings`" in stats
    assert "1 helpful / 0 not  `platform/final-meeting`" in stats
