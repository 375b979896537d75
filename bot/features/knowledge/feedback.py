"""The buttons under an answer: "Helpful", "Not helpful", "More results" and "Ask a human".

Each button carries the logged question's number; a vote is stored with the question, and "Helpful" also
teaches the index the user's phrasing.
"""

from __future__ import annotations

from bot.errors import NotFound, UsageError
from bot.events import Action, Button, Origin, Reply, Visibility
from bot.feature import Context, Replies
from bot.features.knowledge import text
from bot.features.knowledge.render import show_buttons
from bot.routing import HELP
from bot.usertext import member, quote
from knowledge import KnowledgeBase
from storage.questions import AskedQuestion, add_learned_example, get_question, set_feedback

__all__ = ["escalate", "more_results", "recall", "runners_up", "thanks"]

_VOTES = {"kb:helpful": "helpful", "kb:unhelpful": "not_helpful"}


async def recall(ctx: Context, action: Action) -> tuple[AskedQuestion, bool]:
    """The question a button is about, with its vote stored if the button is one.

    Returns the question and whether a "Helpful" vote taught the index a new example (so it needs rebuilding).

    Raises:
        UsageError: the button carries no question number.
        NotFound: the question is no longer in the database.
    """
    if not action.value.isdigit():
        raise UsageError(text.STALE_BUTTON)
    learned = False
    async with ctx.db.session() as session:
        asked = await get_question(session, int(action.value))
        if asked is None:
            raise NotFound(text.QUESTION_GONE)
        vote = _VOTES.get(action.action_id)
        if vote is not None:
            await set_feedback(session, asked.id, vote)
            learned = (
                vote == "helpful"
                and asked.recipe_id is not None
                and await add_learned_example(session, asked.recipe_id, asked.question, "helpful", ctx.now)
            )
    return asked, learned


def thanks() -> Reply:
    """The reply to "Helpful"."""
    return Reply(text.THANKS_HELPFUL, visibility=Visibility.EPHEMERAL)


def runners_up(kb: KnowledgeBase, asked: AskedQuestion, question_id: str) -> Reply:
    """The reply to "Not helpful": thanks, and up to three other recipes (not from the same page) to try."""
    # The answer given often has the right one just behind it.
    page = (asked.recipe_id or "").split("#", 1)[0]
    others = [h for h in kb.search(asked.question, limit=4) if h.recipe.id.split("#", 1)[0] != page][:3]
    return Reply(
        f"{text.THANKS_UNHELPFUL} {text.RUNNERS_UP}" if others else text.THANKS_UNHELPFUL,
        buttons=(*show_buttons(others), Button(text.ASK_HUMAN, "kb:human", question_id)),
        visibility=Visibility.EPHEMERAL,
    )


def more_results(kb: KnowledgeBase, asked: AskedQuestion) -> Reply:
    """The reply to "More results": the next five recipes for the question, as buttons."""
    hits = kb.search(asked.question, limit=6)[1:]
    return Reply(text.MORE_TEXT, buttons=show_buttons(hits), visibility=Visibility.EPHEMERAL)


def escalate(origin: Origin, asked: AskedQuestion, humans: bool, away: str = "") -> Replies:
    """The replies to "Ask a human": the question posted to the help channel, and word to the user.

    ``humans`` says whether a help channel is set up; without one the user is sent to the forum. ``away`` says
    when staff are back, outside staff hours.
    """
    if not humans:
        return [Reply(text.NO_HUMANS, visibility=Visibility.EPHEMERAL)]
    who = member(origin.platform, origin.user, origin.user_name)
    return [
        Reply(
            text.FOR_A_HUMAN.format(who=who, question=quote(asked.question), id=asked.id),
            title=text.FOR_A_HUMAN_TITLE,
            channel=HELP,
            platform=origin.platform,
        ),
        Reply(" ".join(filter(None, (text.PASSED_ON, away))), visibility=Visibility.EPHEMERAL),
    ]
