"""Answers the bot gives in a thread: the knowledge base's answer, logged, with a "Solved" button when it answers.

A follow-up in a thread is searched together with the thread's first question, so "that didn't work" or "what about
online circles?" is read as being about what was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.events import Button, Reply
from bot.feature import Context
from bot.features.knowledge import render_answer
from bot.features.knowledge.render import show_buttons
from bot.features.threads import text
from bot.metrics import Metrics
from knowledge import Answer, KnowledgeBase
from storage.questions import log_question

__all__ = ["Answering", "solved_button"]

_SUGGESTED = 2  # a watched channel's quiet line names this many matches


def solved_button(thread_id: int) -> Button:
    """The "Solved" button of a thread answer (the thread's row id: it fits every platform's button value)."""
    return Button(text.SOLVED_BUTTON, "threads:solved", str(thread_id))


def query_for(question: str, context: str | None) -> str:
    """What is searched: the question, after the thread's first question when it is a follow-up."""
    return f"{context}\n{question}" if context and context.strip() != question.strip() else question


class Answering:
    """Looks questions up in the current knowledge base and logs them, as ``ask`` does."""

    def __init__(self, kb: Callable[[], KnowledgeBase], metrics: Metrics, declined: str) -> None:
        self._kb = kb
        self._metrics = metrics
        self._declined = declined  # what a decline says (:func:`bot.features.knowledge.render.no_idea`)

    def look_up(self, question: str, context: str | None = None, previous: str | None = None) -> Answer:
        """The knowledge base's answer to ``question``; a follow-up is read with the thread's first question.

        A follow-up clear on its own about something new ("what about online circles?") is answered as it is; one
        that needs the thread ("does it need wifi?") is searched with ``context`` before it. ``previous`` is the
        recipe the thread was answered with: found again, it shows only its sentences about the follow-up, with
        "Read more" for the whole, rather than the same recipe again.
        """
        kb = self._kb()
        alone = kb.answer(question)
        if context is None or (alone.best is not None and alone.best.recipe.id != previous):
            return alone
        found = kb.answer(query_for(question, context))
        best = found.best
        if best is not None and best.recipe.id == previous:  # shown whole already: only what the follow-up asks
            best = kb.focused(best, question)
        return Answer(question, best, found.suggestions)

    async def log(self, ctx: Context, answer: Answer) -> int:
        """Log the question and what was answered (None when declined); returns the question's number."""
        best = answer.best
        self._metrics.answers.labels("given" if best else "declined").inc()
        score = best.score if best else (answer.suggestions[0].score if answer.suggestions else 0.0)
        async with ctx.db.session() as session:
            return await log_question(
                session,
                ctx.origin.platform,
                answer.question,
                best.recipe.id if best else None,
                score,
                ctx.now,
                asker=ctx.origin.user,  # to tell them once a recipe answers it (escalations)
            )

    def reply(self, answer: Answer, question_id: int, thread_id: int | None) -> Reply:
        """The answer in the thread; one that answers carries "Solved" (in a channel thread the bot knows)."""
        reply = render_answer(answer, question_id, self._declined)
        if answer.best is None or thread_id is None:
            return reply
        return replace(reply, buttons=(*reply.buttons, solved_button(thread_id)))

    @staticmethod
    def suggestion(answer: Answer) -> Reply:
        """The one quiet line a watched channel gets when the bot is not confident: the two best matches, or that no
        recipe matches (the question is a gap: someone here may answer it)."""
        hits = answer.suggestions[:_SUGGESTED]
        titles = ", ".join(f"“{h.recipe.title}”" for h in hits)
        return Reply(
            text.MIGHT_HELP.format(titles=titles) if hits else text.NOTHING_MATCHES,
            buttons=show_buttons(hits),
            in_thread=True,
            tags=(text.TAG_NEEDS_HUMAN,),
        )
