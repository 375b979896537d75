""" "Ask a human", peers first: the opted-in members who solved similar questions are asked by DM, staff later.

A question asked in a channel (its help thread, or where the button was pressed) goes to at most
``escalation.peers_per_question`` helpers, none asked more than ``escalation.peer_daily_limit`` times in 24 hours,
each by a direct message with a link to the thread. The help channel hears of it ``escalation.staff_after_hours``
later unless someone has answered in the thread by then (:mod:`.jobs`). A question asked in a direct message, or
one no helper fits, goes to the help channel at once, as before. Either way one escalation record is kept.

A helper fits when they solved a similar question (a solved help thread whose question maps to the same recipe,
or reads nearly the same) or named a topic the question or its likely recipe is about; solving counts double.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Origin, Reply, Visibility
from bot.feature import Context, Deps, Replies
from bot.features.escalations import text
from bot.features.escalations.links import link_to_thread, thread_link
from bot.features.knowledge import text as kb_text
from bot.features.knowledge.feedback import escalate
from bot.plural import counted
from bot.routing import HELP
from bot.settings_models import EscalationSettings
from bot.staff_hours import back_at, when_back
from bot.usertext import for_others, member, quote
from knowledge.topics import tokens
from storage.escalations import (
    Escalation,
    Helper,
    add_peer,
    claim_escalated,
    get_escalation,
    list_helpers,
    open_escalation,
    peer_asks_since,
    set_staff_due,
    thread_of_question,
)
from storage.questions import AskedQuestion
from storage.threads import HelpThread, open_thread, solved_threads

if TYPE_CHECKING:
    from knowledge import KnowledgeBase

__all__ = ["PeersFirst", "Place"]

_SIMILAR = 75  # as kb gaps groups questions
_RECIPE_SCORE = 0.3  # a search hit this good says what the question is about
_HISTORY = timedelta(days=365)  # solved threads older than a year do not make someone an expert
_HISTORY_THREADS = 500  # the most recent solved threads searched per press (each costs a knowledge-base search)


@dataclass(frozen=True)
class Place:
    """Where a question can be answered by someone else: a channel and thread, and a link to it."""

    platform: str
    channel: str
    thread: str | None
    link: str


class PeersFirst:
    """The "Ask a human" button: peers first, then staff."""

    def __init__(self, deps: Deps) -> None:
        self._kb: Callable[[], KnowledgeBase] = deps.knowledge
        self._channels = deps.channels
        self._rules: EscalationSettings = deps.settings.escalation
        self._staff_hours = deps.settings.staff_hours

    async def ask_a_human(self, ctx: Context, asked: AskedQuestion) -> Replies:
        """The replies to "Ask a human" on ``asked``: DMs to peers and word to the user, or the help channel."""
        humans = self._channels.configured(HELP)
        async with ctx.db.session() as session:
            if (existing := await get_escalation(session, asked.id)) is not None:
                return await self._again(session, ctx, asked, existing, humans)
            place = _place(ctx.origin, await thread_of_question(session, asked.id))
            peers = await self._peers(session, ctx, asked.question) if place is not None else []
            if not peers and not humans:
                return [Reply(kb_text.NO_HUMANS, visibility=Visibility.EPHEMERAL)]
            where = place or Place(ctx.origin.platform, ctx.origin.channel, None, "")
            escalation, opened = await open_escalation(
                session,
                asked.id,
                platform=where.platform,
                channel=where.channel,
                thread=where.thread,
                link=where.link or None,
                asker=ctx.origin.user,
                now=ctx.now,
            )
            if not opened:  # pressed on another replica at the same moment
                return [Reply(text.ALREADY, visibility=Visibility.EPHEMERAL)]
            if where.thread is not None:
                await _follow(session, ctx, asked, where)
            for peer, _ in peers:
                await add_peer(session, escalation.id, peer.platform, peer.user, ctx.now)
            if peers:
                await set_staff_due(session, escalation.id, ctx.now + timedelta(hours=self._rules.staff_after_hours))
            else:
                await claim_escalated(session, escalation.id, ctx.now)
        if peers and place is not None:
            told = self._asked_peers(len(peers), humans, ctx.now)
            return [*(self._peer_dm(ctx.origin, asked, place, p) for p in peers), told]
        return self._to_staff(ctx, asked, place)

    async def _again(
        self, session: AsyncSession, ctx: Context, asked: AskedQuestion, existing: Escalation, humans: bool
    ) -> Replies:
        """ "Ask a human" again: once a person has replied in the thread but it is not solved (nor with staff), its
        asker passes it to staff now: a peer's reply is no answer until the asker marks the thread solved. Otherwise
        (peers still have their hours, or staff have it) nothing new."""
        if existing.asker != ctx.origin.user or existing.state != "answered" or existing.escalated_at is not None:
            already = text.ALREADY_DM if existing.link is None and existing.thread is None else text.ALREADY
            return [Reply(already, visibility=Visibility.EPHEMERAL)]
        if not humans:
            return [Reply(kb_text.NO_HUMANS, visibility=Visibility.EPHEMERAL)]
        if not await claim_escalated(session, existing.id, ctx.now):  # another replica passed it on meanwhile
            return [Reply(text.ALREADY, visibility=Visibility.EPHEMERAL)]
        link = existing.link or ""
        return escalate(ctx.origin, asked, True, when_back(self._staff_hours, ctx.now), link)

    def _to_staff(self, ctx: Context, asked: AskedQuestion, place: Place | None) -> Replies:
        """Straight to the help channel, naming the thread it was asked in as the post after peers does."""
        link = place.link if place is not None else ""
        return escalate(ctx.origin, asked, True, when_back(self._staff_hours, ctx.now), link)

    def _asked_peers(self, count: int, humans: bool, now: datetime) -> Reply:
        """What the asker is told: how many were asked and, with a help channel, when staff hear of it (and, if they
        are away by then, when they are back, as the straight road to staff says)."""
        says = text.ASKED_PEERS.format(members=counted(count, "member"))
        if humans:
            hours = counted(self._rules.staff_after_hours, "hour")
            back = back_at(self._staff_hours, now + timedelta(hours=self._rules.staff_after_hours))
            says += text.THEN_STAFF.format(hours=hours) + (text.STAFF_AWAY_THEN.format(back=back) if back else "")
        return Reply(says, visibility=Visibility.EPHEMERAL)

    def _peer_dm(self, origin: Origin, asked: AskedQuestion, place: Place, chosen: tuple[Helper, bool]) -> Reply:
        peer, solved = chosen
        why = text.PEER_SOLVED if solved else text.PEER_TOPICS.format(topics=quote(", ".join(peer.topics)))
        who = member(origin.platform, origin.user, origin.user_name)
        says = text.PEER_DM.format(who=who, question=for_others(asked.question), why=why, link=place.link)
        return Reply(says, title=text.PEER_TITLE, user=peer.user, platform=peer.platform, visibility=Visibility.DM)

    async def _peers(self, session: AsyncSession, ctx: Context, question: str) -> list[tuple[Helper, bool]]:
        """The helpers to ask, best first, each with whether they solved a similar question: at most
        ``peers_per_question``, none over the daily limit, never the asker."""
        if self._rules.peers_per_question == 0:
            return []
        helpers = [h for h in await list_helpers(session) if (h.platform, h.user) not in _me(ctx)]
        if not helpers:
            return []
        eligible = {(h.platform, h.user) for h in helpers}
        solved = await solved_threads(session, ctx.now - _HISTORY, solvers=list(eligible), latest=_HISTORY_THREADS)
        credit = self._credit(question, solved, eligible)
        ranked = sorted(
            ((2 * credit[(h.platform, h.user)] + self._topic(h, question), n, h) for n, h in enumerate(helpers)),
            key=lambda item: (-item[0], item[1]),
        )
        candidates = [(h.platform, h.user) for score, _, h in ranked if score > 0]
        asked_today = await peer_asks_since(session, candidates, ctx.now - timedelta(days=1))
        chosen: list[tuple[Helper, bool]] = []
        for score, _, helper in ranked:
            if score <= 0 or len(chosen) == self._rules.peers_per_question:
                break
            if asked_today[(helper.platform, helper.user)] < self._rules.peer_daily_limit:
                chosen.append((helper, credit[(helper.platform, helper.user)] > 0))
        return chosen

    def _recipes(self, question: str) -> set[str]:
        return {h.recipe.id.split("#", 1)[0] for h in self._kb().search(question, limit=2) if h.score >= _RECIPE_SCORE}

    def _credit(
        self, question: str, solved: Sequence[HelpThread], helpers: set[tuple[str, str]]
    ) -> Counter[tuple[str, str]]:
        """How many similar questions each of ``helpers`` solved (only their threads are searched: a search per
        solved thread of the year would be paid on every press)."""
        mine, words = self._recipes(question), " ".join(tokens(question))
        credit: Counter[tuple[str, str]] = Counter()
        for thread in solved:
            if not thread.solver or (thread.platform, thread.solver) not in helpers:
                continue
            theirs = self._recipes(thread.question) | (
                {thread.recipe_id.split("#", 1)[0]} if thread.recipe_id else set()
            )
            if mine & theirs or fuzz.token_set_ratio(words, " ".join(tokens(thread.question))) >= _SIMILAR:
                credit[(thread.platform, thread.solver)] += 1
        return credit

    def _topic(self, helper: Helper, question: str) -> int:
        """1 when one of the helper's topics is a word of the question or of its likely recipes' ids."""
        if not helper.topics:
            return 0
        words = set(tokens(question)) | {w for r in self._recipes(question) for w in tokens(r.replace("/", " "))}
        return int(any(set(tokens(topic)) & words for topic in helper.topics))


def _me(ctx: Context) -> set[tuple[str, str]]:
    return {(i.platform, i.user) for i in ctx.identities}


async def _follow(session: AsyncSession, ctx: Context, asked: AskedQuestion, where: Place) -> None:
    """Follow the thread people are pointed to as a help thread, in whatever channel it is (watched or not): a
    person's reply there keeps the question from staff, and ``solved`` there closes it and offers "Save as recipe".
    A thread the bot follows already (this question's help thread, or one opened by another) is left as it is."""
    assert where.thread is not None
    await open_thread(
        session,
        where.platform,
        where.channel,
        where.thread,
        ctx.origin.user,
        asked.question,
        ctx.now,
        question_id=asked.id,
        recipe_id=asked.recipe_id,
        bot_answered=asked.recipe_id is not None,
    )


def _place(origin: Origin, thread: HelpThread | None) -> Place | None:
    """Where peers can answer: the question's help thread, else where the button was pressed (not a DM)."""
    if thread is not None:
        return Place(thread.platform, thread.channel, thread.thread, link_to_thread(thread, origin))
    if origin.is_dm:
        return None
    return Place(
        origin.platform,
        origin.channel,
        origin.thread,
        thread_link(origin.platform, origin.site, origin.channel, origin.thread),
    )
