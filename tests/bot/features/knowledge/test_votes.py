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


async def test_a_member_changes_their_vote_and_the_latest_counts(chat: Chat) -> None:
    """Helpful by mistake, then Not helpful: the vote is changed (with other answers to try), `kb stats` and
    `kb gaps` follow; the same click again is counted once; Helpful again changes it back."""
    await chat.say(BIG)
    await chat.press("kb:helpful", "1")
    (changed,) = await chat.press("kb:unhelpful", "1")
    assert changed.text == "Changed: your vote on this answer is now Not helpful. Maybe one of these answers it:"
    assert [b.label for b in changed.buttons] == [
        "How long and how often should a learning circle meet?",
        "What is a learning circle?",
        "What does a facilitator do?",
        "Ask a human",
    ]
    assert texts(await chat.press("kb:unhelpful", "1")) == (
        "\nYou have already voted on this answer; thanks, your vote is counted."
    )
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n"
        "   1 asked  0 helpful / 1 not  `circles/group-size`\n"
        "Declined or not helpful: 1 (see `kb gaps`)"
    )
    assert texts(await chat.say("kb gaps", role="staff")) == (
        "Questions without a good answer\n  1 × how many people should be in a learning circle"
    )
    assert texts(await chat.press("kb:helpful", "1")) == (
        "\nChanged: your vote on this answer is now Helpful. I'll remember that it fits questions like yours."
    )
    assert texts(await chat.say("kb stats", role="staff")) == (
        "Most asked recipes\n"
        "   1 asked  1 helpful / 0 not  `circles/group-size`\n"
        "Declined or not helpful: 0 (see `kb gaps`)"
    )
