"""The database: one async engine, sessions, and migrations applied through Alembic.

Alembic takes about 0.3 s to import, at every command: a database already at the newest revision (read from the
migration files) is left alone without it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["Database", "folder_problem", "mask_url", "sqlite_file"]

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed number: replicas starting together take turns at migrating.
_MIGRATION_LOCK_ID = 72_419_001
# A migration file's own lines (Alembic's template): `revision = "0002"`, `down_revision = "0001"` (or None).
_REVISION_LINE = re.compile(r'^(revision|down_revision)(?:: [^=\n]+)? = (?:"([^"]+)"|None)$', re.M)


class Database:
    """Owns the engine; hands out sessions; migrates the schema.

    Args:
        url: a SQLAlchemy async URL (``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``).
        schema: for PostgreSQL, the schema to work in (created if missing).
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self.closed = False
        self.safe_url = mask_url(url)
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        connect_args: dict[str, Any] = {}
        if self.dialect == "sqlite":
            file = sqlite_file(url)
            if file is not None:
                _make_folder(file.parent)
                _private_file(file)
            connect_args["timeout"] = 30
        elif schema:
            connect_args["server_settings"] = {"search_path": schema}
        # hide_parameters: errors quote the SQL, never the values (names, emails, notes) bound to it.
        self.engine: AsyncEngine = create_async_engine(
            url, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True
        )
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._ambient: ContextVar[AsyncSession | None] = ContextVar(f"ambient_session_{id(self)}", default=None)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error.

        Inside :meth:`transaction`, this is that transaction's session: the work is flushed here and committed (or
        rolled back) with the rest when the transaction ends.
        """
        ambient = self._ambient.get()
        if ambient is not None:
            yield ambient
            await ambient.flush()
            return
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction around everything done through :meth:`session` in this block (in this task).

        The scheduler runs each job in one, and stores the messages the job produced in it too: the claim and the
        messages to send are committed together, or not at all.
        """
        if self._ambient.get() is not None:
            raise RuntimeError("transactions do not nest")
        async with self.sessions() as session, session.begin():
            token = self._ambient.set(session)
            try:
                yield session
            finally:
                self._ambient.reset(token)

    async def check(self) -> None:
        """Connect once.

        Raises:
            StorageError: naming the URL (password masked) and the cause.
        """
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            cause = getattr(exc, "orig", None) or exc
            raise StorageError(f"cannot reach the database at {self.safe_url}: {_first_line(cause)}") from exc

    async def upgrade(self, revision: str = "head") -> None:
        """Apply migrations up to ``revision`` (all of them by default)."""
        await self.check()
        if revision == "head" and await self._at_head():
            return
        from alembic import command

        await self._alembic(lambda cfg: command.upgrade(cfg, revision))

    async def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` (``base`` removes every table).

        Raises:
            StorageError: ``revision`` names no migration the code knows (or is not below the current one).
        """
        from alembic import command
        from alembic.util import CommandError

        try:
            await self._alembic(lambda cfg: command.downgrade(cfg, revision))
        except CommandError as exc:
            problem = _first_line(exc)
            if "Can't locate revision" in problem:  # a typo: say which there are
                problem += f"; give base, -N or one of {', '.join(self.revisions())}"
            raise StorageError(f"cannot downgrade {self.safe_url} to {revision!r}: {problem}") from None

    async def current_revision(self) -> str | None:
        """The revision the database is at, or None if it was never migrated."""
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())

    @staticmethod
    def head_revision() -> str | None:
        """The newest revision the code knows."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()

    @staticmethod
    def revisions() -> list[str]:
        """Every revision the code knows, oldest first."""
        from alembic.script import ScriptDirectory

        return [r.revision for r in reversed(list(ScriptDirectory.from_config(_alembic_config(None)).walk_revisions()))]

    @staticmethod
    def knows_revision(revision: str) -> bool:
        """Whether ``revision`` is one of the code's migrations (a database a newer version migrated is not)."""
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        try:
            return ScriptDirectory.from_config(_alembic_config(None)).get_revision(revision) is not None
        except CommandError:
            return False

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        self.closed = True

    async def _at_head(self) -> bool:
        """Whether the database is at the newest revision of the migration files (False when in doubt)."""
        head = _head_of_files()
        if head is None:
            return False
        async with self.engine.connect() as conn:
            return await conn.run_sync(_stamped) == [head]

    async def _alembic(self, run: Any) -> None:
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                if self.schema:
                    await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
            await conn.run_sync(lambda sync_conn: run(_alembic_config(sync_conn)))


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def folder_problem(folder: Path) -> str | None:
    """Why a SQLite file (or anything else) could not be written in ``folder``, None if it could.

    Creates nothing that stays: a missing folder is checked by making and removing a folder in its nearest existing
    parent (``doctor`` reports on a fresh install without creating it).
    """
    folder = folder.absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        return _why(NotADirectoryError())
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".communitybot-", dir=existing))
    except OSError as exc:
        return _why(exc)
    return None


def _private_file(file: Path) -> None:
    """Create the SQLite file readable by its owner alone (it holds personal data; SQLite gives its journal files
    the same mode); an existing file is left as it is."""
    try:
        os.close(os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StorageError(f"cannot create the SQLite database {file} ({_why(exc)})") from None


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot use {folder} as the SQLite database's folder ({_why(exc)}): "
            "point data_dir (or DATABASE_URL) at a folder this user can write"
        ) from None


def _why(exc: OSError) -> str:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "a file is in the way"
    if isinstance(exc, FileNotFoundError):
        return "it cannot be created there"
    return exc.strerror or type(exc).__name__


def _stamped(conn: Connection) -> list[str]:
    """The revisions Alembic's version table holds (none: never migrated)."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    return [str(row[0]) for row in conn.execute(text("SELECT version_num FROM alembic_version"))]


@functools.cache
def _head_of_files() -> str | None:
    """The one revision no migration file names as its ``down_revision``, or None (several heads, a merge: whatever
    the lines do not say plainly is left to Alembic)."""
    revisions, parents = set(), set()
    for path in (_MIGRATIONS / "versions").glob("[!_]*.py"):
        lines = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if not lines.get("revision"):  # written some other way: a file the lines miss would make its parent a head
            return None
        revisions.add(lines["revision"])
        parents.add(lines.get("down_revision"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _alembic_config(connection: Connection | None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted or overwritten personal data is zeroed, not left in free pages
    cursor.close()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def mask_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show only its scheme
        return url.split("://", 1)[0] + "://…"
