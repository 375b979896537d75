"""``kb search TERM``: only recipes with some match are listed, and a term nothing matches says so."""

from __future__ import annotations

import pytest

from bot.events import Visibility
from tests.conftest import Chat

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes


async def test_a_term_nothing_matches_says_so_instead_of_zero_scores(chat: Chat) -> None:
    """`kb search zzzzqqq` used to list five recipes scored 0.00; now it says no recipe matches, as for an emoji."""
    for term in ("zzzzqqq", "😀"):
        (reply,) = await chat.say(f"kb search {term}")
        assert (reply.title, reply.text, reply.visibility) == (
            None,
            f"No recipe matches '{term}'.",
            Visibility.EPHEMERAL,
        )


async def test_results_are_not_padded_with_zero_scores(chat: Chat) -> None:
    """`kb search online` lists the recipes that use the word or are plausible answers to it: not the signup recipe
    it scored 0.01 (it says nothing of being online), nor anything at 0.00."""
    (reply,) = await chat.say("kb search online")
    assert reply.title == "Matching recipes"
    assert reply.text == (
        "0.91  `hosting/online`  How do we meet online?\n0.07  `courses/picking`  How do I pick a course?"
    )


async def test_a_term_no_recipe_uses_lists_only_plausible_answers(chat: Chat) -> None:
    """`kb search projector` listed five recipes at 0.01-0.02, none about projectors: a recipe is listed when it
    uses a word of the term or is at least 0.2 sure to answer it."""
    (reply,) = await chat.say("kb search projector")
    assert reply.text == "No recipe matches 'projector'."
    (reply,) = await chat.say("kb search venu")  # a typo: the venue recipe is sure enough without the word
    assert reply.text == "0.93  `hosting/venue`  Where can an in-person group meet?"


async def test_rows_are_listed_by_the_score_they_show(chat: Chat) -> None:
    """`kb search meeting` ranked the last-meeting recipe (0.35) above the agenda one (0.51): rows now go by the
    confidence they show, the most confident first, whatever the ranking's own order."""
    (reply,) = await chat.say("kb search meeting")
    assert reply.text == (
        "0.51  `meetings/agenda`  What is the usual plan for a meeting?\n"
        "0.35  `meetings/last`  What happens at the final meeting?\n"
        "0.34  `meetings/length`  How long is each meeting, and for how many weeks?\n"
        "0.16  `meetings/moving`  How do I move or cancel a meeting?\n"
        "0.01  `hosting/online`  How do we meet online?"
    )
