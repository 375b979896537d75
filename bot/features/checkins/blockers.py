"""Blockers meet the knowledge base: a member who reports a blocker in a check-in is pointed, privately, at the
recipe that answers it when the bot is confident; otherwise told that the group's facilitator will see it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.events import Button, Reply, Visibility
from bot.features.checkins import text
from bot.features.checkins.blocking import blockers_in
from bot.usertext import quote
from knowledge import KnowledgeBase
from knowledge.docs import readable

__all__ = ["BlockerHelp", "blocker_help"]

BlockerHelp = Callable[[Sequence[tuple[str, str]]], list[Reply]]
"""What the answer form calls with the (question, answer) pairs of a saved check-in."""

_SHOWN = 80  # characters of the blocker quoted back


def blocker_help(kb: Callable[[], KnowledgeBase], answered: Sequence[tuple[str, str]]) -> list[Reply]:
    """One private reply per blocker in ``answered``: its recipe when the answer is confident, else a note."""
    replies = []
    for said in blockers_in([question for question, _ in answered], [said for _, said in answered]):
        shown = quote(said if len(said) <= _SHOWN else said[: _SHOWN - 1].rstrip() + "…")
        best = kb().answer(said).best
        if best is None:
            replies.append(Reply(text.BLOCKER_LISTED.format(blocker=shown), visibility=Visibility.EPHEMERAL))
            continue
        recipe = best.recipe
        replies.append(
            Reply(
                f"{text.BLOCKER_RECIPE.format(blocker=shown)}\n\n{readable(best.passage or recipe.body, recipe.title)}",
                title=recipe.title,
                link=None if best.passage else recipe.link,  # "Read more" once: the button's whole section has it
                buttons=(Button(text.BLOCKER_READ, "kb:show", recipe.id),) if best.passage else (),
                visibility=Visibility.EPHEMERAL,
            )
        )
    return replies
