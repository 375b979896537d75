"""Wire the core together: settings → database → knowledge base → features → dispatcher."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.clock import Clock, utcnow
from bot.dispatcher import Dispatcher
from bot.errors import RecipeError, StorageError
from bot.events import Reply
from bot.feature import Deps
from bot.features.calendars import Calendars
from bot.features.checkins import Checkins
from bot.features.escalations import Escalations, PeersFirst, tell_askers
from bot.features.help import Help
from bot.features.knowledge import Knowledge
from bot.features.leads import Leads
from bot.features.meetings import Meetings
from bot.features.people import People
from bot.features.threads import Threads
from bot.features.webhooks import Webhooks
from bot.forms.engine import FormEngine
from bot.metrics import Metrics
from bot.permissions import RoleResolver
from bot.pulse.digest import digest_job
from bot.registry import Registry
from bot.routing import Channels
from bot.scheduler import DeliveryPolicy, Scheduler
from bot.settings import Settings
from knowledge import KnowledgeBase, Recipe
from knowledge.cache import IndexCache, build_index
from knowledge.loader import folder_fingerprint, suffixes_for
from knowledge.sources import load_sources, sources_of
from knowledge.vectors import make_encoder
from storage import Database
from storage.events import forget_events_before
from storage.people import identities_of
from storage.prefs import zone_of
from storage.questions import learned_examples
from storage.records import Identity
from storage.threads import thread_names

__all__ = ["BotApp", "load_knowledge"]

log = logging.getLogger(__name__)


def load_knowledge(settings: Settings) -> tuple[list[Recipe], list[RecipeError]]:
    """Load the starter recipes (unless turned off) and every configured folder; broken files are skipped."""
    return load_sources(sources_of(settings))


class BotApp:
    """One bot: its database, knowledge base and dispatcher.

    Args:
        settings: the effective settings.
        clock: the current time; tests pass a fixed one.
    """

    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
        self.index_cache = IndexCache(settings.data_dir / "kb-cache")
        self.encoder = make_encoder(settings.semantic_model, self.index_cache.folder)
        self.kb = KnowledgeBase([], threshold=settings.answer_threshold, encoder=self.encoder)
        self.metrics = Metrics()
        self.channels = Channels.of(settings.channels, settings.staff_channel, settings.help_channel)
        deps = Deps(
            settings,
            self.metrics,
            self.channels,
            lambda: self.kb,
            self.reload_knowledge,
            lambda role: self.registry.visible_commands(role),
            self.forget_knowledge,
        )
        self.calendars = Calendars(deps)
        knowledge = Knowledge(deps, PeersFirst(deps).ask_a_human, tell_askers)
        features = [
            Help(deps).surface(),
            knowledge.surface(),
            Leads(deps).surface(),
            Checkins(deps).surface(),
            Meetings(deps).surface(),
            self.calendars.surface(),
            People(deps).surface(),
            Escalations(deps).surface(),
            Threads(deps, knowledge.typed_human).surface(),
            Webhooks(deps).surface(),
        ]
        self.forms = FormEngine(self.db, lambda form_id: self.registry.form(form_id))
        # help lists the registry's commands, so it looks the registry up when called.
        self.registry = Registry.build([*features, self.forms.surface()])
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        jobs = list(self.registry.jobs)
        policy = DeliveryPolicy(
            lease=timedelta(seconds=settings.delivery_lease_seconds), max_attempts=settings.delivery_max_attempts
        )
        digest = digest_job(settings, self.channels)
        jobs += [digest] if digest is not None else []
        self.scheduler = Scheduler(
            self.db, [*jobs, self._reload_if_changed, self._forget_old_events], policy, channels=self.channels
        )
        self.dispatcher = Dispatcher(
            self.db, RoleResolver(settings.roles), self.registry, clock, self.metrics, self.channels, self.forms
        )
        self.dispatcher.outbox_ready = self.scheduler.wake  # a reply for another platform goes out at once

    async def start(self) -> None:
        """Migrate the database and load the knowledge base."""
        await self.db.upgrade()
        await self.reload_knowledge()

    def _knowledge_fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        return tuple(
            entry
            for source in sources_of(self.settings)
            for entry in folder_fingerprint(source.path, suffixes_for(source.base_url))
        )

    async def _reload_if_changed(self, db: Database, now: datetime) -> list[Reply]:
        # Runs on every tick: edited, added or deleted recipe files are picked up without a restart.
        if self._knowledge_fingerprint() != self._fingerprint:
            await self.reload_knowledge()
        return []

    async def _forget_old_events(self, db: Database, now: datetime) -> list[Reply]:
        # Slack retries for about six minutes; an hour of dedupe records is plenty.
        await forget_events_before(db, now - timedelta(hours=1))
        return []

    async def reload_knowledge(self) -> list[RecipeError]:
        """Load the recipe files and the learned examples again, and swap the new index in; the files skipped, why."""
        self._fingerprint = self._knowledge_fingerprint()
        async with self.db.session() as session:
            learned = await learned_examples(session)
        # Building trains a small model (about a second for a few hundred recipes), and even a cache hit reads
        # every recipe file: keep the event loop free.
        loaded = await asyncio.to_thread(
            build_index,
            sources_of(self.settings),
            threshold=self.settings.answer_threshold,
            encoder=self.encoder,
            learned=learned,
            cache=self.index_cache,
        )
        self.kb = loaded.kb
        origin = " (index from the cache)" if loaded.cached else ""
        skipped = len({error.path for error in loaded.errors})  # a file may have several errors
        log.info("knowledge base: %d recipes loaded, %d skipped%s", len(loaded.kb), skipped, origin)
        return list(loaded.errors)

    async def forget_knowledge(self) -> None:
        """:meth:`reload_knowledge` after an erasure, every cached index removed first: they hold the learned example
        questions they were built with, which may be the erased person's words."""
        await asyncio.to_thread(self.index_cache.clear)
        await self.reload_knowledge()

    async def calendar_feed(self, token: str) -> bytes | None:
        """The ``.ics`` feed of the group whose secret feed token is ``token`` (None: no such group)."""
        return await self.calendars.feed(self.db, token, self.dispatcher.clock())

    async def reader_zone(self, platform: str, user: str) -> str | None:
        """The time zone ``user`` set (``me tz``) on any of their linked accounts; None when they set none."""
        async with self.db.session() as session:
            return await zone_of(session, await identities_of(session, Identity(platform, user)))

    async def thread_names(self, platform: str, channel: str) -> set[str]:
        """The threads of ``channel`` the bot already knows (a console session goes on numbering after them)."""
        async with self.db.session() as session:
            return await thread_names(session, platform, channel)

    async def healthy(self) -> bool:
        """The process is up and the database answers."""
        try:
            await self.db.check()
        except StorageError:
            return False
        return True

    async def close(self) -> None:
        """Release the database."""
        await self.db.close()
