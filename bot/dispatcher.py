"""Route each incoming event to a feature, check permissions, and turn errors into short, true replies.

``Dispatcher.handle`` is the single boundary for an event: nothing below it catches ``Exception``. There, user text is
cleaned (:func:`bot.usertext.clean`), one user's events wait their turn (handled in arrival order, other users not held
up), and a database that cannot be reached gets a short reply of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial

from sqlalchemy.exc import SQLAlchemyError

from bot.adapter import Delivery
from bot.clock import Clock, utcnow
from bot.errors import FormErrors, StorageError, UsageError, UserError
from bot.events import Action, Event, Message, Origin, Reply, Visibility
from bot.feature import Context, Replies, facilitates
from bot.forms.engine import FormEngine
from bot.metrics import Metrics
from bot.outbox_codec import to_outgoing, with_keys
from bot.permissions import RoleResolver, check_role, only_for
from bot.registry import Registry
from bot.routing import ANY_PLATFORM, Channels, route
from bot.usertext import clean, quote, quote_message
from storage import Database
from storage.events import claim_event
from storage.outbox import enqueue
from storage.people import identities_of
from storage.records import Identity

__all__ = ["Dispatcher", "Middleware", "Next", "clean_event", "user_hash"]

log = logging.getLogger(__name__)


def user_hash(origin: Origin) -> str:
    """A short stable hash of the user, for logs at INFO and above."""
    return hashlib.sha256(f"{origin.platform}:{origin.user}".encode()).hexdigest()[:10]


def clean_event(event: Event) -> Event:
    """``event`` with every piece of user text passed through :func:`bot.usertext.clean`."""
    origin = replace(event.origin, user_name=clean(event.origin.user_name))
    if isinstance(event, Message):
        return replace(event, origin=origin, text=clean(event.text))
    if isinstance(event, Action):
        return replace(event, origin=origin, value=clean(event.value))
    values = {clean(name): clean(value) for name, value in event.values.items()}
    return replace(event, origin=origin, values=values, context=clean(event.context))


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


Next = Callable[[Event], Awaitable[list[Reply]]]  # the rest of the chain, as a middleware sees it
Middleware = Callable[[Event, Next], Awaitable[list[Reply]]]  # a step around call_next(event), or an answer instead

_CLAIM_SECONDS = 1.5  # recording a delivery for dedupe may take this long before the event is handled without
_RESTARTING = "I'm restarting; please try again in a minute."
_NO_DATABASE = "I can't reach my database right now, try again in a minute."
_PING_SECONDS = 3.0
_FAILED = (
    "Sorry, something went wrong on my side and I could not do that. "
    "The problem has been logged; please try again in a moment."
)


class Dispatcher:
    """Routes events to features.

    Args:
        db: the database (for handlers).
        roles: who holds which role.
        registry: everything the bot can do.
        clock: the current time; tests pass a fixed one.
        forms: the form engine (its buttons must be in ``registry``); by default one on ``db`` and ``registry``.
    """

    def __init__(
        self,
        db: Database,
        roles: RoleResolver,
        registry: Registry,
        clock: Clock = utcnow,
        metrics: Metrics | None = None,
        channels: Channels | None = None,
        forms: FormEngine | None = None,
    ) -> None:
        self.db = db
        self.channels = channels or Channels({})
        self.accepting = True
        self._turns: dict[tuple[str, str], _Turn] = {}
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.metrics = metrics or Metrics()
        self.roles = roles
        self.clock = clock
        self.registry = registry
        self.outbox_ready: Callable[[], None] | None = None
        self.middleware: list[Middleware] = [self._drain_gate, self._dedupe, self._measure, self._boundary]
        self.forms = forms or FormEngine(db, registry.form)

    def context(self, origin: Origin) -> Context:
        """A handler context for ``origin`` at the current time."""
        return Context(origin=origin, role=self.roles.role_of(origin), db=self.db, now=self.clock())

    async def handle(self, event: Event) -> list[Reply]:
        """Handle one event and return the replies its adapter should send. Never raises.

        The event passes :attr:`middleware` in order (drain gate, dedupe, metrics, error boundary), then the core
        proper (:meth:`_core`). Replies routed to another platform than the event's go through the outbox instead.
        """

        async def call(index: int, event: Event) -> list[Reply]:
            if index == len(self.middleware):
                return await self._core(event)
            return await self.middleware[index](event, partial(call, index + 1))

        return await call(0, event)

    # -- middleware, in order -------------------------------------------------------------------------------

    async def _drain_gate(self, event: Event, call_next: Next) -> list[Reply]:
        """While the bot shuts down (:meth:`drain`), new events get a short "restarting" reply; others are counted."""
        if not self.accepting:
            return [Reply(_RESTARTING, visibility=Visibility.EPHEMERAL)]
        self._inflight += 1
        self._idle.clear()
        try:
            return await call_next(event)
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    async def _dedupe(self, event: Event, call_next: Next) -> list[Reply]:
        """A delivery seen before (a platform's retry, a replayed request, another replica's copy) is dropped."""
        if event.delivery_id and not await self._first_delivery(event.origin.platform, event.delivery_id):
            log.info("dropped a repeated delivery %s on %s", event.delivery_id[:40], event.origin.platform)
            return []
        return await call_next(event)

    async def _first_delivery(self, platform: str, delivery_id: str) -> bool:
        """Record the delivery as handled (False: it was already); when the database cannot, handle it anyway."""
        try:
            claim = claim_event(self.db, f"{platform}:{delivery_id}", self.clock())
            return await asyncio.wait_for(claim, _CLAIM_SECONDS)
        except (SQLAlchemyError, OSError, StorageError, TimeoutError) as exc:
            # The core will meet the same outage and tell the user; dropping the event would leave silence.
            log.warning("could not record a %s delivery for dedupe (%s); handled anyway", platform, type(exc).__name__)
            return True

    async def _measure(self, event: Event, call_next: Next) -> list[Reply]:
        kind = type(event).__name__
        self.metrics.events.labels(event.origin.platform, kind).inc()
        with self.metrics.latency.labels(kind).time():
            return await call_next(event)

    async def _boundary(self, event: Event, call_next: Next) -> list[Reply]:
        """The one place errors become short, true replies (nothing below it catches ``Exception``)."""
        try:
            return await call_next(event)
        except FormErrors as exc:
            errors = tuple((name, quote_message(message)) for name, message in exc.errors.items())
            return [Reply(quote_message(str(exc)), visibility=Visibility.EPHEMERAL, form_errors=errors)]
        except UserError as exc:
            # Error messages often repeat what was typed: quoted, so it cannot ping or hide a link.
            return [Reply(quote_message(str(exc)), visibility=Visibility.EPHEMERAL)]
        except Exception as exc:
            return await self._failed(event, exc)

    async def _failed(self, event: Event, exc: Exception) -> list[Reply]:
        kind, origin = type(event).__name__, event.origin
        self.metrics.errors.labels(origin.platform, kind).inc()
        if await self._database_down(exc):
            # Logged without the exception: a driver's message can carry SQL parameters (personal data).
            log.warning(
                "database unreachable while handling %s on %s (channel %s, user %s): %s",
                kind,
                origin.platform,
                origin.channel,
                user_hash(origin),
                type(exc).__name__,
            )
            return [Reply(_NO_DATABASE, visibility=Visibility.EPHEMERAL)]
        where = (origin.platform, origin.channel, user_hash(origin))
        log.error("failed to handle %s on %s (channel %s, user %s)", kind, *where, exc_info=exc)
        return [Reply(_FAILED, visibility=Visibility.EPHEMERAL)]

    # -- the core proper ------------------------------------------------------------------------------------

    async def _core(self, event: Event) -> list[Reply]:
        """One user's events in turn: clean the text, run the feature, route the replies."""
        async with self._turn(event.origin):
            return await self._handle(clean_event(event))

    @asynccontextmanager
    async def _turn(self, origin: Origin) -> AsyncIterator[None]:
        # One user's events are handled one at a time, in the order they arrived (asyncio locks are FIFO); other
        # users are not held up. The lock is dropped when nobody waits for it, so the table does not grow.
        key = (origin.platform, origin.user)
        turn = self._turns.setdefault(key, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[key]

    @property
    def inflight(self) -> int:
        """How many events are being handled right now."""
        return self._inflight

    async def drain(self, seconds: float) -> bool:
        """Stop taking new events and wait (at most ``seconds``) for those in flight; True if all finished."""
        self.accepting = False
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
        except TimeoutError:
            log.warning("shutting down with %d event(s) still in flight after %.0f s", self._inflight, seconds)
            return False
        return True

    async def _linked_context(self, origin: Origin) -> Context:
        """:meth:`context` with the user's linked identities, and the highest role any of them holds."""
        ctx = self.context(origin)
        try:
            async with self.db.session() as session:
                found = await asyncio.wait_for(
                    identities_of(session, Identity(origin.platform, origin.user)), _PING_SECONDS
                )
        except (SQLAlchemyError, OSError, StorageError, TimeoutError) as exc:
            # Commands that need no database (help) still work; those that do meet the outage and say so.
            log.warning("could not look up linked identities on %s (%s)", origin.platform, type(exc).__name__)
            return ctx
        linked = tuple(found[1:])
        return replace(ctx, role=self.roles.role_of(origin, linked), linked=linked) if linked else ctx

    async def _handle(self, event: Event) -> list[Reply]:
        ctx = await self._linked_context(event.origin)
        replies = await self._route(ctx, event)
        return await self.forms.open(ctx, await self._route_out(ctx, replies))

    async def _route_out(self, ctx: Context, replies: Replies) -> list[Reply]:
        """The replies for the event's own adapter; those routed to another platform are stored in the outbox.

        The scheduler sends stored messages on its next tick (at once when ``outbox_ready`` wakes it), through the
        runtime, on the platform their target names.
        """
        local: list[Reply] = []
        elsewhere: list[Reply] = []
        for reply in replies:
            for delivery in route(ctx.origin, reply, self.channels):
                if delivery.target.platform in (ctx.origin.platform, ANY_PLATFORM):
                    local.append(delivery.reply)
                else:
                    elsewhere.append(_stored(delivery))
        if elsewhere:
            async with self.db.transaction() as session:
                await enqueue(session, [to_outgoing(reply) for reply in with_keys(elsewhere)], ctx.now)
            if self.outbox_ready is not None:
                self.outbox_ready()
        return local

    async def _database_down(self, exc: Exception) -> bool:
        """Whether ``exc`` came from a database that cannot be reached right now (checked with a quick ping)."""
        if not isinstance(exc, SQLAlchemyError | OSError | StorageError):
            return False
        try:
            await asyncio.wait_for(self.db.check(), _PING_SECONDS)
        except (StorageError, TimeoutError):
            return True
        return False

    async def _route(self, ctx: Context, event: Event) -> Replies:
        if isinstance(event, Message):
            return await self._message(ctx, event)
        if isinstance(event, Action):
            action = self.registry.action(event.action_id)
            if action is None:
                raise UsageError("That button no longer does anything.")
            check_role(ctx.role, action.min_role, "that button")
            return await action.handler(ctx, event)
        if event.draft:
            return await self.forms.submit(ctx, event)
        form = self.registry.form(event.form_id)
        if form is None:
            raise UsageError("That form is no longer open.")
        check_role(ctx.role, form.min_role, "that form")
        return await form.handler(ctx, event)

    async def _message(self, ctx: Context, message: Message) -> Replies:
        text = message.text.strip()
        conv = await self.forms.pending(ctx.origin)
        if conv is not None:
            return await self.forms.answer(ctx, conv, text, self.registry.typed)  # a command waits
        listener = self.registry.listener
        if not ctx.origin.is_dm and not message.is_mention and ctx.origin.thread is not None:
            # A message someone posted in a channel, not to the bot, is no command: only threads the bot is part of
            # and watched help channels (the listener) may want it. (Slash commands name no thread.)
            return (await listener(ctx, message) or []) if listener is not None and text else []
        command, args = self.registry.parse(text)
        asks = command is not None and self.registry.asks(text, command, args, ctx.role)
        if command is not None and not asks:
            check_role(ctx.role, command.min_role, f"`{command.name}`")
            self.registry.check_args(command, args)
            return await command.handler(ctx, args)
        words = self.registry.bare(text).lstrip("/!").split(maxsplit=2)
        word = words[0].lower() if words else ""
        sentence = not text.startswith(("/", "!")) and self.registry.sentence(ctx.role, words)
        if word in self.registry.groups and not asks and not sentence:
            unknown = words[1] if len(words) > 1 else ""
            return [self.registry.group_help(ctx.role, word, unknown, await facilitates(ctx))]
        if text.startswith(("/", "!")):
            raise UsageError(f"I don't know the command `{text.split()[0]}`. Type `help` to see what I can do.")
        if listener is not None and not ctx.origin.is_dm and text:
            handled = await listener(ctx, message)
            if handled is not None:
                return handled
        question = self.registry.question
        if (ctx.origin.is_dm or message.is_mention) and text and question is not None:
            meant = self.registry.misspelled(text, ctx.role)
            if meant is not None:  # a typo is no question: answering it would only decline it and log a gap
                raise UsageError(self._did_you_mean(ctx, words[0], meant))
            return await question(ctx, text)
        return []

    def _did_you_mean(self, ctx: Context, typed: str, meant: str) -> str:
        """What to say to a typo of the command line ``meant``: which command it was, or that it is not the user's."""
        unknown = f"I don't know the command `{quote(typed)}`."
        command, _ = self.registry.parse(meant)
        if command is not None and ctx.role < command.min_role:
            return f"{unknown} `{command.name}` is {only_for(command.min_role)}."
        return f"{unknown} Did you mean `{quote(meant)}`?"

    async def start_form(self, origin: Origin, reply: Reply) -> list[Reply]:
        """Ask ``reply``'s form field by field in ``origin``'s channel (an adapter moving a form somewhere private)."""
        return await self.forms.start_steps(self.context(replace(origin, form_page_size=0)), reply)

    async def pending_prompt(self, origin: Origin) -> str | None:
        """The question a user still has to answer in ``origin``'s channel, if a form is half filled."""
        return await self.forms.pending_prompt(origin)


def _stored(delivery: Delivery) -> Reply:
    """The reply as the outbox keeps it: naming the platform, and the channel or user, its target names."""
    target, reply = delivery.target, delivery.reply
    if target.kind == "dm":
        return replace(reply, platform=target.platform, user=target.user, visibility=Visibility.DM)
    return replace(reply, platform=target.platform, channel=target.channel)
