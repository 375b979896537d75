"""Votes as members use them: asking again, changing their mind, and what a vote teaches."""

from __future__ import annotations

from tests.conftest import Chat, Clock, texts

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
        "Most asked recipes\n"
        "   4 asked  1 helpful / 1 not  `circles/group-size`\n"
        "Declined or not helpful: 1 (see `kb gaps`)"
    )
