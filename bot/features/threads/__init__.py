"""Help where members already ask: answers in threads, watched help channels and forums, marking solved, credit.

The package: this module holds :class:`Threads` (its surface and the listener the dispatcher hands channel messages
to); :mod:`.answers` what the bot says in a thread; :mod:`.solve` marking solved and ``kb helpers``; :mod:`.text`
every sentence users see. Threads are rows of ``help_threads`` (:mod:`storage.threads`), keyed by platform, channel
and thread, so two replicas seeing one new post answer it once.

In a thread the bot answered, the asker's follow-ups are answered without a mention (read with the thread's first
question); once anyone else replies there, the bot stays quiet unless mentioned. In a watched channel the first
message of each thread (each new forum post) is answered only when the bot is confident; otherwise it gets one
quiet line with the two best matches (or saying nothing matches), or nothing (``help_channels_low_confidence``), and
is logged as a gap either way. Small talk never gets an answer there, and "thanks!" in a thread is not a new question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from bot.errors import NotFound, UsageError
from bot.events import BOT_AUTHOR, REACT_ACTION, Action, Message, Reply, Visibility
from bot.feature import ActionRoute, Command, Context, Deps, Replies, Surface
from bot.features.knowledge import asks_for_a_human
from bot.features.knowledge.render import no_idea
from bot.features.threads import text
from bot.features.threads.answers import Answering
from bot.features.threads.solve import CHECK_MARKS, helpers_report, is_solved_word, may_mark, solve
from bot.permissions import Role
from knowledge.smalltalk import small_talk
from storage.threads import HelpThread, claim_thread, get_thread, get_thread_by_id, record_answer, record_human_reply

__all__ = ["Threads"]


class Threads:
    """Threads, help channels and forums, mark solved and credit (see the module docstring)."""

    name: ClassVar[str] = "threads"

    def __init__(self, deps: Deps, typed_human: Callable[[Context], Awaitable[Replies]] | None = None) -> None:
        self._settings = deps.settings
        self._answers = Answering(deps.knowledge, deps.metrics, no_idea(deps.settings))
        self._typed_human = typed_human  # "ask a human" typed (:meth:`bot.features.knowledge.Knowledge.typed_human`)

    def surface(self) -> Surface:
        """``kb helpers`` (staff), the ``threads:`` buttons (Solved, reactions) and the channel-message listener."""
        helpers = Command(
            "kb helpers",
            helpers_report,
            "members by questions they solved (30 days unless --since)",
            usage="kb helpers [--since YYYY-MM-DD]",
            examples=("kb helpers --since 2026-11-01",),
            min_role=Role.STAFF,
        )
        return Surface(
            self.name, commands=(helpers,), actions=(ActionRoute("threads", self.on_action),), listen=self.listen
        )

    # -- channel messages -----------------------------------------------------------------------------------

    async def listen(self, ctx: Context, message: Message) -> Replies | None:
        """A channel message: handled in a thread the bot knows or a watched channel; None leaves a mention to
        ``ask``; an empty list stays quiet."""
        origin = ctx.origin
        if origin.thread is None:
            return None
        async with ctx.db.session() as session:
            thread = await get_thread(session, origin.platform, origin.channel, origin.thread)
            if thread is None and message.parent is not None:
                # A Discord thread opened on a message the bot answered: its id is that message's.
                thread = await get_thread(session, origin.platform, message.parent, origin.thread)
        if thread is not None:
            # A thread's first message seen again (another replica's copy) was answered by whoever opened it.
            first = message.starts_thread and (thread.channel, thread.thread) == (origin.channel, origin.thread)
            return [] if first else await self._in_thread(ctx, message, thread)
        if message.is_mention:
            return await self._mentioned(ctx, message.text.strip())
        if message.starts_thread and self._watched(origin.platform, origin.channel, message.parent):
            return await self._new_post(ctx, message.text.strip())
        return []

    def _watched(self, platform: str, channel: str, parent: str | None) -> bool:
        watched = self._settings.watched_channels(platform)
        return channel in watched or (parent is not None and parent in watched)

    async def _mentioned(self, ctx: Context, question: str) -> Replies | None:
        """Asked by name in a channel: answered in the thread, which the bot then follows."""
        if small_talk(question) is not None:
            return None  # ask's friendly reply
        answer = self._answers.look_up(question)
        qid = await self._answers.log(ctx, answer)
        origin = ctx.origin
        assert origin.thread is not None
        async with ctx.db.session() as session:
            thread, _ = await claim_thread(
                session,
                origin.platform,
                origin.channel,
                origin.thread,
                origin.user,
                question,
                ctx.now,
                question_id=qid,
                recipe_id=answer.best.recipe.id if answer.best else None,
                bot_answered=answer.best is not None,
            )
        return [self._answers.reply(answer, qid, thread.id)]

    async def _new_post(self, ctx: Context, question: str) -> Replies:
        """The first message of a thread in a watched channel: answered once, and only when the bot is confident."""
        origin = ctx.origin
        assert origin.thread is not None
        if is_solved_word(question):
            return []  # "solved" opens no question: there is nothing to answer, mark or credit
        async with ctx.db.session() as session:
            thread, won = await claim_thread(
                session, origin.platform, origin.channel, origin.thread, origin.user, question, ctx.now
            )
        if not won or small_talk(question) is not None:
            return []  # another replica has it; small talk in a help channel gets nothing
        answer = self._answers.look_up(question)
        # Logged even when the bot stays quiet: a question it cannot answer is a gap staff see in `kb gaps`.
        qid = await self._answers.log(ctx, answer)
        async with ctx.db.session() as session:
            await record_answer(
                session,
                origin.platform,
                origin.channel,
                origin.thread,
                question_id=qid,
                recipe_id=answer.best.recipe.id if answer.best else None,
                bot_answered=answer.best is not None,
            )
        if answer.best is None:
            silent = self._settings.help_channels_low_confidence == "silent"
            return [] if silent else [self._answers.suggestion(answer)]
        return [self._answers.reply(answer, qid, thread.id)]

    async def _in_thread(self, ctx: Context, message: Message, thread: HelpThread) -> Replies | None:
        """A message in a thread the bot knows: a mark, a follow-up, or someone else's reply (then the bot is quiet)."""
        said, user = message.text.strip(), ctx.origin.user
        if is_solved_word(said) and may_mark(ctx, thread):
            return await solve(ctx, thread, thread.first_human_replier, quiet=True)
        if message.is_mention:
            return None if small_talk(said) is not None else await self._follow_up(ctx, said, thread)
        if user == thread.asker and self._typed_human is not None and asks_for_a_human(said):
            return await self._typed_human(ctx)  # the button, typed without a mention: never a follow-up question
        if user == thread.asker and _button_number(ctx, said):  # with no buttons left to press
            return [Reply(text.NO_BUTTON.format(given=said), visibility=Visibility.EPHEMERAL)]
        if user != thread.asker:
            async with ctx.db.session() as session:
                await record_human_reply(session, thread.platform, thread.channel, thread.thread, user, ctx.now)
            return []
        if thread.first_human_reply_at is not None or not thread.bot_answered or small_talk(said) is not None:
            return []  # people took over, the bot had nothing to say, or "thanks!"
        return await self._follow_up(ctx, said, thread)

    async def _follow_up(self, ctx: Context, question: str, thread: HelpThread) -> Replies:
        answer = self._answers.look_up(question, context=thread.question, previous=thread.recipe_id)
        qid = await self._answers.log(ctx, answer)
        return [self._answers.reply(answer, qid, thread.id)]

    # -- buttons and reactions ------------------------------------------------------------------------------

    async def on_action(self, ctx: Context, action: Action) -> Replies:
        """``threads:solved`` (the button: value the thread's id) and ``threads:react`` (value ``EMOJI AUTHOR``: the
        reaction, and who wrote the message it is on, :data:`bot.events.BOT_AUTHOR` for the bot's own)."""
        if action.action_id == "threads:solved":
            if not action.value.isdigit():
                raise UsageError(text.NO_THREAD)
            async with ctx.db.session() as session:
                thread = await get_thread_by_id(session, int(action.value))
            if thread is None:
                raise NotFound(text.NO_THREAD)
            return await solve(ctx, thread, thread.first_human_replier)
        if action.action_id == REACT_ACTION:
            return await self._reaction(ctx, action.value)
        raise UsageError(text.NO_THREAD)

    async def _reaction(self, ctx: Context, value: str) -> list[Reply]:
        """A reaction in a thread: ✅ by the asker or staff marks it solved, crediting the author of what got it."""
        emoji, _, author = value.partition(" ")
        origin = ctx.origin
        if emoji not in CHECK_MARKS or origin.thread is None:
            return []
        async with ctx.db.session() as session:
            thread = await get_thread(session, origin.platform, origin.channel, origin.thread)
        if thread is None:
            return []
        author = author.strip()
        if author == BOT_AUTHOR:
            solver = None  # the bot's own answer solved it: nobody to credit
        elif author and author != thread.asker and thread.first_human_replier is not None:
            solver = author  # the platform's author of the reacted message, in a thread people replied in
        else:
            solver = thread.first_human_replier
        return list(await solve(ctx, thread, solver, quiet=True))


def _button_number(ctx: Context, said: str) -> bool:
    """Whether ``said`` is a button's number: only the console presses buttons by typing their numbers; on Slack
    or Discord an asker's "12" is an answer to the people in the thread."""
    return ctx.origin.platform == "console" and said.isascii() and said.isdigit() and len(said) < 3
