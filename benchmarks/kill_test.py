"""Kill test: scheduled messages are delivered at least once, and once each after the platform's dedupe by key.

    python benchmarks/kill_test.py [--groups 150] [--members 4] [--leads 100] [--postgres URL] [--json]

Two worker processes run the real scheduler (check-in prompts, reminders, summaries, lead follow-ups) against the
same PostgreSQL schema, with a recording adapter that appends every delivered message's key to a file. This
process SIGKILLs a random worker every ``--kill-every`` seconds (on average) and restarts it; each worker also kills
itself right after claiming a message with probability ``--die-after-claim``. The fake clock moves through three
phases (prompts and follow-ups, reminders, summaries) once everything of a phase is sent.

It reports messages expected, stored and delivered, lost (expected keys never delivered), re-sends (a key delivered
again after a kill between send and mark-sent; a platform deduping by key, such as Discord's nonce, shows it once),
duplicates (the same message delivered under two keys: must be 0), kills and the time taken.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bot.events import Reply
from bot.main.wiring import BotApp
from bot.settings import Settings
from storage import Database
from storage.checkins import add_member, create_group, update_group
from storage.leads import NewLead, insert_lead
from storage.models import CheckinRunRow, ScheduledMessageRow

T0 = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
PHASES = (T0, T0 + timedelta(hours=5), T0 + timedelta(hours=25))
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _settings(url: str, schema: str, folder: Path, lease: float) -> Settings:
    return Settings(
        data_dir=folder,
        database_url=url,
        database_schema=schema,
        staff_channel="staff",
        starter_recipes=False,
        semantic_model="off",
        delivery_lease_seconds=lease,
    )


# -- worker --------------------------------------------------------------------------------------------------------


def _clock(path: Path) -> datetime:
    """The shared fake clock: the phase's instant plus the real time since the phase began."""
    data = json.loads(path.read_text())
    return datetime.fromisoformat(data["fake"]) + (datetime.now(UTC) - datetime.fromisoformat(data["real"]))


async def _work(args: argparse.Namespace) -> None:
    folder = Path(args.dir)
    app = BotApp(_settings(args.postgres, args.schema, folder, args.lease))
    await app.start()
    rng = random.Random()

    def maybe_die(_claimed: object) -> None:
        if rng.random() < args.die_after_claim:
            os.kill(os.getpid(), signal.SIGKILL)

    app.scheduler.after_claim = maybe_die
    out = os.open(folder / "delivered.tsv", os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    async def record(reply: Reply) -> None:
        content = json.dumps([reply.platform, reply.channel, reply.user, reply.title, reply.text])
        os.write(out, f"{reply.key}\t{hashlib.sha1(content.encode()).hexdigest()[:16]}\n".encode())

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await app.scheduler.run(lambda: _clock(folder / "clock.json"), record, stop, interval=args.interval)
    await app.close()


# -- orchestrator --------------------------------------------------------------------------------------------------


async def _seed(db: Database, groups: int, members: int, leads: int) -> None:
    async with db.session() as session:
        for n in range(groups):
            group = await create_group(
                session,
                name=f"Circle {n}",
                platform="test",
                channel=f"C{n:05d}",
                timezone="UTC",
                questions=["What did you do?", "What is next?"],
                creator=f"F{n:05d}",
                now=T0 - timedelta(days=1),
            )
            await update_group(
                session, group.id, next_run_at=T0 - timedelta(minutes=1), dm_members=True, window_hours=24
            )
            for m in range(1, members):
                await add_member(session, group.id, f"U{n:05d}{m:02d}", T0 - timedelta(days=1))
        for n in range(leads):
            new = NewLead(f"Person {n}", f"p{n}@example.org", "", "workshop", "help", "", "", "test", f"R{n}")
            await insert_lead(session, new, T0 - timedelta(hours=49))


def _set_phase(folder: Path, phase: int) -> None:
    tmp = folder / "clock.tmp"
    tmp.write_text(json.dumps({"fake": PHASES[phase].isoformat(), "real": datetime.now(UTC).isoformat()}))
    tmp.replace(folder / "clock.json")


def _spawn(args: argparse.Namespace, schema: str, folder: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        __file__,
        "worker",
        "--dir",
        str(folder),
        "--schema",
        schema,
        "--postgres",
        args.postgres,
    ]
    command += ["--lease", str(args.lease), "--die-after-claim", str(args.die_after_claim)]
    command += ["--interval", str(args.interval)]
    log = open(folder / "workers.log", "ab")  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(command, stdout=log, stderr=log)


async def _state(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        stored = int(await session.scalar(select(func.count()).select_from(ScheduledMessageRow)) or 0)
        pending = await session.scalar(
            select(func.count()).select_from(ScheduledMessageRow).where(ScheduledMessageRow.status != "sent")
        )
    return stored, int(pending or 0)


async def _orchestrate(args: argparse.Namespace) -> dict[str, object]:
    schema = f"killtest_{uuid.uuid4().hex[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="killtest-"))
    db = Database(args.postgres, schema=schema)
    await db.upgrade()
    await _seed(db, args.groups, args.members, args.leads)
    per_phase = [args.groups * (1 + args.members) + args.leads, args.groups * args.members, args.groups]
    expected = [sum(per_phase[: i + 1]) for i in range(3)]
    _set_phase(folder, 0)
    rng = random.Random(args.seed)
    workers = [_spawn(args, schema, folder) for _ in range(args.workers)]
    killed_by_us: set[int] = set()
    kills = self_kills = 0
    phase, started = 0, time.monotonic()
    next_kill = started + rng.expovariate(1 / args.kill_every)
    try:
        while time.monotonic() - started < args.timeout:
            await asyncio.sleep(0.2)
            for i, worker in enumerate(workers):
                if worker.poll() is not None:
                    self_kills += worker.returncode == -signal.SIGKILL and worker.pid not in killed_by_us
                    workers[i] = _spawn(args, schema, folder)
            if time.monotonic() >= next_kill:
                victim = rng.choice(workers)
                victim.kill()
                killed_by_us.add(victim.pid)
                kills += 1
                next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
            stored, pending = await _state(db)
            if stored >= expected[phase] and pending == 0:
                if phase == 2:
                    break
                phase += 1
                _set_phase(folder, phase)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    report = await _report(db, folder, expected[-1], phase, elapsed)
    report |= {"kills": kills, "self_kills_after_claim": self_kills, "groups": args.groups, "members": args.members}
    async with db.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await db.close()
    shutil.rmtree(folder, ignore_errors=True)
    return report


async def _report(db: Database, folder: Path, expected: int, phase: int, elapsed: float) -> dict[str, object]:
    async with db.session() as session:
        keys = set(await session.scalars(select(ScheduledMessageRow.key)))
        failed = await session.scalar(
            select(func.count()).select_from(ScheduledMessageRow).where(ScheduledMessageRow.status == "failed")
        )
        runs_done = await session.scalar(
            select(func.count())
            .select_from(CheckinRunRow)
            .where(CheckinRunRow.status == "closed", CheckinRunRow.reminder_sent_at.is_not(None))
        )
    path = folder / "delivered.tsv"
    lines = [line.split("\t") for line in path.read_text().splitlines()] if path.exists() else []
    by_key = Counter(key for key, _ in lines)
    keys_of_content: dict[str, set[str]] = {}
    for key, content in lines:
        keys_of_content.setdefault(content, set()).add(key)
    return {
        "finished": phase == 2 and not (keys - set(by_key)),
        "messages_expected": expected,
        "messages_stored": len(keys),
        "delivered_unique": len(by_key),
        "lost": expected - len(set(by_key) & keys),
        "failed": int(failed or 0),
        "resends": sum(by_key.values()) - len(by_key),
        "duplicates": sum(len(k) - 1 for k in keys_of_content.values()),
        "runs_closed_and_reminded": int(runs_done or 0),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("role", nargs="?", default="orchestrate", choices=["orchestrate", "worker"])
    parser.add_argument("--postgres", default=os.environ.get("COMMUNITYBOT_TEST_POSTGRES_URL", PG_URL))
    parser.add_argument("--groups", type=int, default=150)
    parser.add_argument("--members", type=int, default=4, help="members of each group, its facilitator included")
    parser.add_argument("--leads", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=2.0, help="mean seconds between SIGKILLs")
    parser.add_argument("--die-after-claim", type=float, default=0.003, help="chance a worker dies after a claim")
    parser.add_argument("--lease", type=float, default=3.0, help="delivery lease in seconds")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between ticks")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "worker":
        asyncio.run(_work(args))
        return
    report = asyncio.run(_orchestrate(args))
    if args.json:
        print(json.dumps(report))
    else:
        for name, value in report.items():
            print(f"{name:>26}: {value}")


if __name__ == "__main__":
    main()
