"""Hostile input through every core route that takes user text: no crash, nothing live in replies, stored intact.

"Live" is judged on the core's neutral form (``Reply`` text, title and fields, before any adapter escapes it): none
of a payload's mentions, pings or masked links may appear there as typed. The platform payload suites
(``test_slack_payloads.py``, ``test_discord_payloads.py``) check what each platform finally renders.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from adapters.console import ConsoleAdapter
from bot.args import split_args
from bot.events import Reply
from bot.main.wiring import BotApp
from bot.usertext import clean
from storage.checkins import answers_for_runs, get_group_by_channel
from storage.leads import get_lead, lead_history
from storage.models import AskedQuestionRow
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock

PINGS = ("<!channel>", "<!here>", "@everyone", "@here", "<@U1>", "<@&1>")
LINK = "[click me](https://evil.example/login)"
MRKDWN_LINK = "<https://evil.example/x|click me>"
# Each payload, and the fragments of it that must never reach a reply as typed.
PAYLOADS: list[tuple[str, tuple[str, ...]]] = [
    (" ".join(PINGS) + " hello", PINGS),
    (f"see {LINK} now", (LINK, "](https://evil")),
    (f"mrkdwn {MRKDWN_LINK}", (MRKDWN_LINK,)),
    ("nul\x00byte text", ()),
    ("lone \ud800 surrogate \udfff", ()),
    ("\u202eexe.txt RTL override", ()),
    ("'; DROP TABLE leads;--", ()),
    ("{{7*7}} ${x} %s {0} <script>", ()),
    ('=HYPERLINK("https://evil.example","x")', ()),
    ("+1+1 -2 @SUM(A1)", ()),
    ("big " + "x" * 100_000, ()),
]
FAILED = "something went wrong"


def assert_inert(replies: list[Reply], fragments: tuple[str, ...]) -> None:
    """No crash reply, and no live fragment of the payload anywhere the user reads."""
    for reply in replies:
        shown = [reply.text, reply.title or "", *(v for _, v in reply.fields), *(v for _, v in reply.form_errors)]
        for part in shown:
            assert FAILED not in part
            for fragment in fragments:
                assert fragment not in part, (fragment, part[:200])


async def test_ask_and_kb_commands(chat: Chat, app: BotApp) -> None:
    """`ask`, free text in a DM, `kb search` and `kb show`: answered, inert, and the question stored as typed."""
    for payload, fragments in PAYLOADS:
        for text in (f"ask {payload}", payload, f"kb search {payload}", f"kb show {payload}"):
            assert_inert(await chat.say(text), fragments)
    async with app.db.session() as session:
        stored = list(await session.scalars(select(AskedQuestionRow.question).order_by(AskedQuestionRow.id)))
    expected = [clean(p).strip()[:1500] for p, _ in PAYLOADS for _ in (0, 1)]
    assert stored == expected


async def test_consult_form_fields(chat: Chat, app: BotApp) -> None:
    """Each payload in every text field of the intake form: a lead stored intact, or a clear error for its size."""
    for n, (payload, fragments) in enumerate(PAYLOADS):
        values = {**VALID, "email": f"p{n}@example.org", "organization": payload[:200], "description": payload}
        replies = await chat.submit("consult:intake", values, user=f"u{n}")
        assert_inert(replies, fragments)
        if len(payload) > 3000:
            assert dict(replies[0].form_errors) == {
                "description": f"Tell us about your project must be at most 3000 characters (got {len(payload)})"
            }
            continue
        ref = replies[0].text.split("Your request is ")[1].split(".")[0]
        assert_inert(await chat.say(f"leads show {ref}", role="staff"), fragments)
        async with app.db.session() as session:
            lead = await get_lead(session, int(ref[2:]))
        assert lead is not None
        assert (lead.description, lead.organization) == (clean(payload).strip(), clean(payload[:200]).strip())
    assert_inert(await chat.say("leads list", role="staff"), tuple(f for _, fs in PAYLOADS for f in fs))


async def test_leads_note(chat: Chat, app: BotApp) -> None:
    """`leads note` with each payload: stored intact in the history, shown inert by `leads show`."""
    await chat.submit("consult:intake", VALID)
    for payload, fragments in PAYLOADS:
        assert_inert(await chat.say(f"leads note L-0001 {payload}", role="staff"), fragments)
    assert_inert(await chat.say("leads show L-0001", role="staff"), tuple(f for _, fs in PAYLOADS for f in fs))
    async with app.db.session() as session:
        notes = [e.detail for e in await lead_history(session, 1) if e.kind == "note"]
    assert notes == [clean(p).strip() for p, _ in PAYLOADS]


async def test_checkin_create_and_answer(chat: Chat, app: BotApp, clock: Clock) -> None:
    """Group names and check-in answers: stored intact, inert in replies and in the posted summary."""
    for n, (payload, fragments) in enumerate(PAYLOADS):
        replies = await chat.say(f"checkin create {payload}", user="fay", role="facilitator", channel=f"c{n}")
        assert_inert(replies, fragments)
        async with app.db.session() as session:
            group = await get_group_by_channel(session, "console", f"c{n}")
        name = " ".join(split_args(clean(payload)))  # command words: quotes group, as in a shell
        if len(name) > 100:
            assert [r.text for r in replies] == ["A group name can be at most 100 characters."]
            continue
        assert group is not None and group.name == name
    fay = {"user": "fay", "role": "facilitator", "channel": "c0"}
    await chat.say("checkin schedule tue 18:00 --weeks 1", **fay)
    for payload, fragments in PAYLOADS:  # user arguments
        for command in ("checkin add", "checkin remove"):
            assert_inert(await chat.say(f"{command} {payload}", **fay), fragments)
    for command in ("checkin join", "checkin mine", "checkin next", "checkin questions", "checkin stats"):
        assert_inert(await chat.say(command, **fay), PINGS)  # the group in c0 is named with every ping
    clock.now = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    await app.scheduler.tick(clock.now)
    clock.advance(minutes=5)
    for n, (payload, fragments) in enumerate(PAYLOADS):
        values = {"q0": payload[:2000], "q1": payload[:2000], "q2": payload[:2000]}
        assert_inert(await chat.submit("checkin:answer:1", values, user=f"m{n}", channel="c0"), fragments)
    async with app.db.session() as session:
        answers = await answers_for_runs(session, [1])
    assert sorted(a.answers[0] for a in answers) == sorted(clean(p[:2000]).strip() for p, _ in PAYLOADS)
    summary = await app.scheduler.tick(datetime(2026, 3, 4, 18, 0, tzinfo=UTC))
    assert summary and all(PINGS[0] not in r.text for r in summary)
    assert_inert(summary, tuple(f for _, fs in PAYLOADS for f in fs))


async def test_console_form_answers(app: BotApp, tmp_path: Path) -> None:
    """The consult form filled field by field in the console, each payload as the name and the project."""
    out = io.StringIO()
    for n, (payload, fragments) in enumerate(PAYLOADS):
        console = ConsoleAdapter(app.dispatcher.handle, out, user=f"c{n}", export_dir=tmp_path)
        start = len(out.getvalue())
        for line in (
            "consult",
            payload[:200],
            f"c{n}@example.org",
            "Org",
            "1",
            payload[:3000],
            "soon",
            "skip",
            "yes",
            "no",
        ):
            await console.say(line)
        written = out.getvalue()[start:]
        assert FAILED not in written and "Thank you! Your request is L-" in written
        for fragment in fragments:
            assert fragment not in written
        async with app.db.session() as session:
            lead = await get_lead(session, n + 1)
        assert lead is not None and lead.name == clean(payload[:200]).strip()


async def test_csv_exports_escape_formulas(chat: Chat, clock: Clock, app: BotApp) -> None:
    """Leads and check-in exports start formula-looking cells with an apostrophe; other cells are untouched."""
    formulas = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"]
    for n, formula in enumerate(formulas):
        await chat.submit("consult:intake", {**VALID, "email": f"f{n}@example.org", "name": formula}, user=f"f{n}")
    export = (await chat.say("leads export", role="staff"))[0].attachment
    assert export is not None
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(export.content)))
    assert names == sorted("'" + f.strip() if f.strip()[0] in "=+-@" else f.strip() for f in formulas)
    fay = {"user": "fay", "role": "facilitator", "channel": "maps"}
    await chat.say("checkin create Maria's Python Circle", **fay)
    await chat.say("checkin schedule tue 18:00 --weeks 1", **fay)
    clock.now = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
    await app.scheduler.tick(clock.now)
    await chat.submit("checkin:answer:1", {"q0": "=1+1", "q1": "@cmd", "q2": "fine"}, user="fay", channel="maps")
    checkins = (await chat.say("checkin export", **fay))[0].attachment
    assert checkins is not None
    cells = [row["answer"] for row in csv.DictReader(io.StringIO(checkins.content))]
    assert cells == ["'=1+1", "'@cmd", "fine"]


async def test_apostrophe_in_a_group_name(chat: Chat) -> None:
    """`checkin create Maria's Python Circle` works; real quotes still group words."""
    replies = await chat.say("checkin create Maria's Python Circle", user="fay", role="facilitator", channel="py")
    assert replies[0].text.startswith("Study group **Maria's Python Circle** created here (time zone UTC, since none")
    quoted = await chat.say(
        'checkin create "Maps  Circle" --tz Europe/Berlin', user="fay", role="facilitator", channel="maps"
    )
    assert quoted[0].text.startswith("Study group **Maps  Circle** created here (time zone Europe/Berlin)")
