"""Erasure reaches the files the bot saved: exports and reports lose the erased person only."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.export_files import export_folder, forget_in_exports
from bot.main.wiring import BotApp
from bot.pulse.command import report_command
from storage.forget import Person
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock

CHARTS = ("questions", "participation", "leads", "gaps")
ZOE = {**VALID, "name": "Zoë 🦊 Ñúñez", "email": "zoe@example.org", "organization": "Fox Hall", "description": "Zoë's"}


async def _console(app: BotApp, user: str, role: str, *lines: str) -> str:
    """Type ``lines`` into a console session as ``user``; what it printed (it saves attachments to the export dir)."""
    out = io.StringIO()
    console = ConsoleAdapter(app.dispatcher.handle, out, user=user, role=role, export_dir=export_folder(app.settings))
    for line in lines:
        await console.say(line)
    return out.getvalue()


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


async def test_leads_forget_removes_the_person_from_earlier_lead_exports(chat: Chat, app: BotApp) -> None:
    """Two exports saved before `leads forget`: both keep Ann's row and lose Zoë's, and the reply says so."""
    await chat.submit("consult:intake", VALID, user="annlee")
    await chat.submit("consult:intake", ZOE, user="zoe")
    await _console(app, "sam", "staff", "leads export", "leads export")
    folder = export_folder(app.settings)
    assert sorted(p.name for p in folder.iterdir()) == ["leads-2.csv", "leads.csv"]
    assert "zoe@example.org" in (folder / "leads.csv").read_text(encoding="utf-8")

    shown = await _console(app, "sam", "staff", 'leads forget zoe@example.org --name "Zoë 🦊 Ñúñez" --user zoe')
    assert shown == (
        "[ephemeral]\nErased the personal details of 1 lead: L-0002. Anonymous statistics are kept. "
        "Also erased or anonymized 1 other record naming them (questions, forms, notes, answers). "
        f"Also removed them from 2 export files in {folder}.\n\n"
    )
    for name in ("leads.csv", "leads-2.csv"):
        rows = _rows(folder / name)
        assert [row[0] for row in rows] == ["ref", "L-0001"]
        assert rows[1][4:7] == ["Ann Lee", "ann@example.org", "Riverside Library"]
        text = (folder / name).read_text(encoding="utf-8")
        assert "zoe" not in text.lower() and "Zoë" not in text and "Fox Hall" not in text
        assert (folder / name).stat().st_mode & 0o777 == 0o600


async def test_mydata_delete_deletes_the_persons_own_exports_and_cleans_the_others(chat: Chat, app: BotApp) -> None:
    """Zoë's `mydata` file goes, Ann's stays; the staff lead export keeps Ann's row only; the reply says 2 files."""
    await chat.submit("consult:intake", VALID, user="annlee")
    await chat.submit("consult:intake", ZOE, user="zoe")
    await _console(app, "annlee", "member", "mydata")
    await _console(app, "zoe", "member", "mydata")
    await _console(app, "sam", "staff", "leads export")
    folder = export_folder(app.settings)
    mine = [p for p in folder.glob("mydata-*.json") if "console:zoe" in p.read_text(encoding="utf-8")]
    assert len(mine) == 1

    shown = await _console(app, "zoe", "member", "mydata delete", "1")
    assert shown.split("\n\n")[-2] == (
        "[ephemeral]\nDone. Erased or anonymized: 2 consents given with a request, 1 request history entry, 1 request. "
        f"Also removed them from 2 export files in {folder}."
    )
    assert not mine[0].exists()
    (kept,) = folder.glob("mydata-*.json")
    assert json.loads(kept.read_text(encoding="utf-8"))["identities"] == ["console:annlee"]
    assert [row[4] for row in _rows(folder / "leads.csv")] == ["name", "Ann Lee"]


async def test_retention_removes_the_anonymized_leads_from_earlier_exports(
    chat: Chat, app: BotApp, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Zoë's spam lead anonymized when its retention ends also leaves the saved lead export (it used to stay there,
    name, email and all); her open lead and Ann's stay, and the log gives counts, naming no one."""
    await chat.submit("consult:intake", VALID, user="annlee")
    await chat.submit("consult:intake", ZOE, user="zoe")
    await chat.submit("consult:intake", {**ZOE, "description": "Another project"}, user="zoe")
    await _console(app, "sam", "staff", "leads status L-0002 spam", "leads export")
    folder = export_folder(app.settings)
    exported = _rows(folder / "leads.csv")
    assert [row[0] for row in exported] == ["ref", "L-0003", "L-0002", "L-0001"]

    with caplog.at_level(logging.INFO):
        await app.scheduler.tick(clock.now + timedelta(days=366))
    assert _rows(folder / "leads.csv") == [exported[0], exported[1], exported[3]]
    assert (folder / "leads.csv").stat().st_mode & 0o777 == 0o600
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.features.leads.jobs"]
    assert logged == ["anonymized 1 lead(s) past retention and removed them from 1 export file(s)"]
    everything = "\n".join(r.getMessage() for r in caplog.records).casefold()
    assert "zoe" not in everything and "zoë" not in everything and "fox hall" not in everything


def test_check_in_rows_are_matched_by_whole_user_id_and_escaped_cells(tmp_path: Path) -> None:
    """A check-in export loses the erased member's rows (by user id, and a name written formula-escaped) only."""
    path = tmp_path / "checkins.csv"
    path.write_text(
        "started,user,answer\r\n"
        "2026-03-02,zoe,I am blocked on maps\r\n"
        "2026-03-02,zoey,zoe helped me\r\n"
        "2026-03-02,'-Zoë-,old name\r\n",
        encoding="utf-8",
    )
    (tmp_path / "calendar.ics").write_text("zoe", encoding="utf-8")
    assert forget_in_exports(tmp_path, Person(names=frozenset({"-Zoë-"}), user_ids=frozenset({"zoe"}))) == 1
    assert path.read_bytes().decode() == "started,user,answer\r\n2026-03-02,zoey,zoe helped me\r\n"
    assert forget_in_exports(tmp_path / "missing", Person(user_ids=frozenset({"zoey"}))) == 0


def _written(path: Path, days_ago: int) -> None:
    """Give ``path`` the time it would have if written ``days_ago`` days ago (file times are the system clock's)."""
    when = time.time() - days_ago * 86400
    os.utime(path, (when, when))


async def test_export_files_older_than_their_retention_are_deleted(
    app: BotApp, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """A tick deletes the saved exports last written over `export_retention_days` (30) ago and keeps the newer
    ones; the log gives the count only."""
    folder = export_folder(app.settings)
    folder.mkdir(parents=True)
    for name, age in (("leads.csv", 31), ("mydata-20260101-090000.json", 45), ("calendar.ics", 29)):
        (folder / name).write_text("ann@example.org", encoding="utf-8")
        _written(folder / name, age)
    with caplog.at_level(logging.INFO):
        await app.scheduler.tick(clock.now)
    assert sorted(p.name for p in folder.iterdir()) == ["calendar.ics"]
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.features.people"]
    assert logged == ["deleted 2 export file(s) older than 30 days"]


DANA = {**VALID, "name": "Dana Private", "email": "dana@private.org"}
DANA_ASKS = "ask can Dana Private get a refund for the zoom license, write to dana@private.org"


async def test_forget_cleans_the_digest_page_and_the_reports_folder(
    chat: Chat, app: BotApp, clock: Clock, tmp_path: Path
) -> None:
    """A question naming Dana became a top gap in the digest page (data/exports) and in `communitybot report` files
    (./reports, HTML and Markdown with its charts): after `leads forget` no file holds her name or email, the pages
    say (forgotten) where she was and keep everyone else's text, the charts that drew her question are gone, and the
    reply names both folders."""
    await chat.submit("consult:intake", DANA, user="dana")
    await chat.say(DANA_ASKS, user="dana")
    await chat.say("ask does the plugh xyzzy lamp need batteries", user="ann")
    folder, reports = export_folder(app.settings), tmp_path / "reports"
    day = clock.now.date()
    (page,) = await report_command(app.settings, day, day, folder, "html", clock.now)  # as the digest saves it
    stem = page.stem
    await report_command(app.settings, day, day, reports, "html", clock.now)
    await report_command(app.settings, day, day, reports, "md", clock.now)
    (reports / "notes.md").write_text("Dana Private's notes, not the bot's", encoding="utf-8")
    written = sorted(p.name for p in reports.iterdir())
    assert written == sorted([f"{stem}.html", f"{stem}.md", "notes.md", *(f"{stem}-{c}.png" for c in CHARTS)])
    assert all("Dana Private" in (d / f"{stem}.{s}").read_text() for d, s in ((folder, "html"), (reports, "md")))

    shown = await _console(app, "sam", "staff", 'leads forget dana@private.org --name "Dana Private" --user dana')
    assert shown == (
        "[ephemeral]\nErased the personal details of 1 lead: L-0001. Anonymous statistics are kept. "
        "Also erased or anonymized 2 other records naming them (questions, forms, notes, answers). "
        f"Also removed them from 7 export files in {folder} and {reports.resolve()}.\n\n"
    )
    assert sorted(p.name for p in reports.iterdir()) == ["notes.md", f"{stem}.html", f"{stem}.md"]
    for path in (folder / f"{stem}.html", reports / f"{stem}.html", reports / f"{stem}.md"):
        text = path.read_text(encoding="utf-8")
        assert "dana" not in text.casefold() and "Private" not in text and "data:image/png" not in text
        assert "(forgotten) get a refund for the zoom license" in text
        assert "does the plugh xyzzy lamp need batteries" in text
    assert "| 1 | can (forgotten) get a refund for the zoom license, write to " in (reports / f"{stem}.md").read_text()
    assert (reports / "notes.md").read_text(encoding="utf-8") == "Dana Private's notes, not the bot's"


async def test_mydata_delete_cleans_the_reports_of_what_the_person_typed(
    chat: Chat, app: BotApp, clock: Clock, tmp_path: Path
) -> None:
    """Dana's own `mydata delete` masks the name and email she typed into her request wherever a saved report shows
    them (her question, a gap), and the reply counts the report and its charts."""
    await chat.submit("consult:intake", DANA, user="dana")
    await chat.say(DANA_ASKS, user="dana")
    reports = tmp_path / "reports"
    today = clock.now.date()
    (md, *charts) = await report_command(app.settings, today, today, reports, "md", clock.now)
    assert "can Dana Private get a refund" in md.read_text(encoding="utf-8")

    shown, folder = await _console(app, "dana", "member", "mydata delete", "1"), export_folder(app.settings)
    assert shown.split("\n\n")[-2] == (
        "[ephemeral]\nDone. Erased or anonymized: 1 question asked, 2 consents given with a request, "
        "1 request history entry, 1 request. "
        f"Also removed them from {1 + len(charts)} export files in {folder} and {reports.resolve()}."
    )
    text = md.read_text(encoding="utf-8")
    assert "Dana" not in text and "dana@" not in text and "| 1 | can (forgotten) get a refund for the zoom" in text
    assert sorted(p.name for p in reports.iterdir()) == [md.name]


async def test_report_folders_follow_the_export_retention(app: BotApp, clock: Clock, tmp_path: Path) -> None:
    """Reports written by `communitybot report` over 30 days ago are deleted by the tick like the exports; the
    folder's other files and newer reports stay."""
    reports = tmp_path / "reports"
    day = clock.now.date()
    (old,) = await report_command(app.settings, day, day, reports, "html", clock.now)
    (newer,) = await report_command(app.settings, day, day, reports, "json", clock.now)
    (reports / "mine.html").write_text("kept", encoding="utf-8")
    for path in (old, reports / "mine.html"):
        _written(path, 31)
    await app.scheduler.tick(clock.now)
    assert sorted(p.name for p in reports.iterdir()) == ["mine.html", newer.name]
