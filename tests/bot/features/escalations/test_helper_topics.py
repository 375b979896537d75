"""`helper on` topics: phrases in quotes, topics kept and added to, and limits said plainly."""

from __future__ import annotations

from tests.conftest import Chat

THANKS = (
    "Thanks! When a member presses “Ask a human” on a question like ones you helped solve or about {topics}, I may "
    "send it to you by direct message (at most 2 a day). `helper off` stops it."
)


async def test_quoted_topics_are_one_and_later_helper_on_adds(chat: Chat) -> None:
    """`helper on venues "online circles"` names two topics; `helper on` alone keeps them, with topics adds to them."""
    (on,) = await chat.say('helper on venues "online circles"', user="kim")
    assert on.text == THANKS.format(topics="venues, “online circles”")
    (again,) = await chat.say("helper on", user="kim")
    assert again.text == THANKS.format(topics="venues, “online circles”")
    (more,) = await chat.say("helper on Cohorts “study groups” venues", user="kim")
    assert more.text == THANKS.format(topics="venues, “online circles”, cohorts, “study groups”")
    (state,) = await chat.say("helper", user="kim")
    assert state.text.startswith(
        "You take questions from other members or about venues, “online circles”, cohorts, “study groups”, since "
    )


async def test_too_many_or_too_long_topics_are_refused_and_nothing_changes(chat: Chat) -> None:
    """300 topics, a 5,000-character one, or an unclosed quote: a clear error, and the topics stay as they were."""
    await chat.say("helper on venues", user="kim")
    (many,) = await chat.say("helper on " + " ".join(f"t{i}" for i in range(300)), user="kim")
    assert many.text == (
        "That would make 301 topics; a helper names at most 10, the things they know best. `helper off` and then "
        "`helper on TOPICS` starts the list again."
    )
    (long,) = await chat.say("helper on " + "x" * 5000, user="kim")
    assert long.text == (
        f"A topic is a word or a short phrase of at most 40 characters; “{'x' * 40}…” has 5000. Nothing was changed."
    )
    (unclosed,) = await chat.say('helper on "online circles', user="kim")
    assert unclosed.text == (
        'A quote is not closed: put a topic of several words in quotes, e.g. `helper on venues "online circles"`.'
    )
    (state,) = await chat.say("helper", user="kim")
    assert state.text.startswith("You take questions from other members or about venues, since ")
    (nineties,) = await chat.say("helper on '90s", user="kim")  # an apostrophe, not a quote left open
    assert "venues, '90s" in nineties.text
