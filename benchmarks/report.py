"""How long `communitybot report` takes over a year of a large community, and how much memory it needs.

    python benchmarks/report.py [--groups 1000] [--questions 100000] [--postgres URL] [--keep DIR]

Seeds 52 weeks (2025-11-24 to 2026-11-22): the questions (70% answered from 60 recipes, the rest declined, some
feedback), ``--groups`` study groups with 5-12 members and a weekly check-in each (one in twenty missed) with their
answers, and a lead every few hours with its history. Then runs ``communitybot report`` for the whole year as a
separate process, in HTML (charts included) and JSON, and prints wall time and that process's peak RSS. Targets:
under 20 s and under 500 MB. SQLite always; PostgreSQL too with ``--postgres`` (in a throwaway schema).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from storage import Database
from storage.models import (
    AskedQuestionRow,
    CheckinAnswerRow,
    CheckinRunRow,
    GroupMemberRow,
    LeadEventRow,
    LeadRow,
    StudyGroupRow,
)

START = datetime(2025, 11, 24, tzinfo=UTC)  # a Monday
WEEKS = 52
SINCE, UNTIL = "2025-11-24", "2026-11-22"
VERBS = ["find", "start", "run", "fund", "promote", "translate", "schedule", "record", "end", "grow", "host", "share"]
NOUNS = [
    "a co-facilitator", "a venue", "a certificate", "slides", "a syllabus", "volunteers", "a library room",
    "online meetings", "a second circle", "feedback forms", "course materials", "a newsletter", "a budget",
    "accessibility support", "childcare", "a projector", "learners who drop out", "a team of facilitators",
]  # fmt: skip
RECIPES = [f"recipe-{n:02d}" for n in range(60)]
CHUNK = 10_000


async def _insert(db: Database, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.session() as session:
            await session.execute(insert(model), list(rows[start : start + CHUNK]))


def _when(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(WEEKS * 7 * 86400))


async def seed_questions(db: Database, count: int, rng: random.Random) -> None:
    rows = []
    for _ in range(count):
        answered = rng.random() < 0.7
        feedback = None
        if answered:
            roll = rng.random()
            feedback = "helpful" if roll < 0.2 else "not_helpful" if roll < 0.25 else None
        question = f"how do I {rng.choice(VERBS)} {rng.choice(NOUNS)}?"
        rows.append(
            {
                "platform": "slack",
                "question": question,
                "recipe_id": RECIPES[min(int(rng.paretovariate(1.2)) - 1, 59)] if answered else None,
                "score": 0.8 if answered else 0.2,
                "feedback": feedback,
                "created_at": _when(rng),
            }
        )
    await _insert(db, AskedQuestionRow, rows)


async def seed_groups(db: Database, count: int, rng: random.Random) -> None:
    joined = START - timedelta(days=7)
    groups = [
        {
            "id": n + 1,
            "name": f"Circle {n:04d}",
            "platform": "slack",
            "channel": f"C{n:06d}",
            "timezone": "UTC",
            "questions_json": '["What did you do?", "Is anything blocking you?"]',
            "created_by": f"f{n}",
            "created_at": joined,
        }
        for n in range(count)
    ]
    await _insert(db, StudyGroupRow, groups)
    rosters = {g["id"]: [f"u{g['id']}-{m}" for m in range(rng.randint(5, 12))] for g in groups}
    members = [
        {"group_id": gid, "user_id": user, "is_facilitator": i == 0, "joined_at": joined}
        for gid, users in rosters.items()
        for i, user in enumerate(users)
    ]
    await _insert(db, GroupMemberRow, members)
    runs, answers = [], []
    run_id = 0
    for gid, users in rosters.items():
        keen = rng.uniform(0.3, 0.95)
        for week in range(WEEKS):
            run_id += 1
            at = START + timedelta(weeks=week, days=1, hours=17)
            missed = rng.random() < 0.05
            runs.append(
                {
                    "id": run_id,
                    "group_id": gid,
                    "scheduled_at": at,
                    "status": "missed" if missed else "closed",
                    "posted_at": None if missed else at,
                    "closes_at": at + timedelta(hours=24),
                    "reminder_due_at": at + timedelta(hours=20),
                    "questions_json": '["What did you do?", "Is anything blocking you?"]',
                }
            )
            if missed:
                continue
            keen = min(1.0, max(0.05, keen + rng.uniform(-0.08, 0.08)))
            answers += [
                {
                    "run_id": run_id,
                    "user_id": user,
                    "answers_json": '["reading", "no"]',
                    "mood": None,
                    "created_at": at + timedelta(hours=2),
                    "updated_at": at + timedelta(hours=2),
                }
                for user in users
                if rng.random() < keen
            ]
    await _insert(db, CheckinRunRow, runs)
    await _insert(db, CheckinAnswerRow, answers)


async def seed_leads(db: Database, rng: random.Random) -> None:
    leads, events = [], []
    statuses = ["new", "contacted", "qualified", "proposal", "won", "lost", "spam"]
    for n in range(WEEKS * 20):
        created = _when(rng)
        lead_id = n + 1
        leads.append(
            {
                "id": lead_id,
                "help_kind": "training",
                "status": rng.choice(statuses),
                "platform": "slack",
                "created_at": created,
                "updated_at": created,
            }
        )
        events.append({"lead_id": lead_id, "actor": "slack:U1", "kind": "created", "detail": "", "created_at": created})
        if rng.random() < 0.8:
            answered = created + timedelta(hours=rng.uniform(0.5, 72))
            events.append(
                {"lead_id": lead_id, "actor": "staff", "kind": "status", "detail": "", "created_at": answered}
            )
    await _insert(db, LeadRow, leads)
    await _insert(db, LeadEventRow, events)


def run_report(env: dict[str, str], out: Path, fmt: str) -> tuple[float, float]:
    """Run the report command as its own process; returns seconds and that process's peak RSS in MiB."""
    code = (
        "import resource, sys; from bot.main.cli import main; rc = main(sys.argv[1:]); "
        "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
    )
    args = ["report", "--since", SINCE, "--until", UNTIL, "--out", str(out), "--format", fmt]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"report failed:\n{done.stderr}")
    rss = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("maxrss"))
    return seconds, rss / 1024


async def bench(label: str, url: str, schema: str | None, args: argparse.Namespace, work: Path) -> None:
    db = Database(url, schema=schema)
    await db.upgrade()
    rng = random.Random(19)
    started = time.perf_counter()
    await seed_questions(db, args.questions, rng)
    await seed_groups(db, args.groups, rng)
    await seed_leads(db, rng)
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    await db.close()
    print(f"{label}: seeded {args.questions} questions, {args.groups} groups in {time.perf_counter() - started:.1f} s")
    env = {**os.environ, "DATABASE_URL": url, "COMMUNITYBOT_DATA_DIR": str(work / "data")}
    if schema:
        env["COMMUNITYBOT_DATABASE_SCHEMA"] = schema
    for fmt in ("html", "json"):
        seconds, rss = run_report(env, work / "reports", fmt)
        print(f"{label}: report --format {fmt} over {WEEKS} weeks: {seconds:.1f} s, peak RSS {rss:.0f} MiB")
    data = json.loads(next((work / "reports").glob("*.json")).read_text())
    groups = data["study_groups"]
    print(
        f"{label}: {data['questions']['total']['asked']} questions, {groups['checkins_held']} check-ins, "
        f"{len(groups['at_risk'])} groups at risk, {len(data['top_gaps'])} top gaps, {data['leads']['received']} leads"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (postgresql+asyncpg://...)")
    parser.add_argument("--keep", type=Path, help="keep the SQLite database and reports in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        await bench("sqlite", f"sqlite+aiosqlite:///{work / 'bench.db'}", None, args, work / "sqlite")
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            try:
                await bench("postgresql", args.postgres, schema, args, work / "postgresql")
            finally:
                db = Database(args.postgres)
                async with db.engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await db.close()


if __name__ == "__main__":
    asyncio.run(main())
