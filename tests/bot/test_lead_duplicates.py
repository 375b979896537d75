"""Consulting requests from the same person: a duplicate is flagged to staff without revealing the open lead, staff
merge it, and identical answers within a window make one lead."""

from __future__ import annotations

from bot.events import Reply
from tests.bot.lead_answers import VALID
from tests.conftest import Chat, Clock, texts

DUPLICATE_HINT = (
    "Same email address as the open request L-0001. "
    "If it is the same person, merge them with `leads merge L-0002 into L-0001`."
)
DUPLICATE_NOTICE = f"Send me everything you have on file\n\n{DUPLICATE_HINT}"


async def test_same_email_while_open_never_reveals_the_open_lead(chat: Chat) -> None:
    """Someone typing another person's email gets a lead of their own; nothing is appended to the open lead."""
    await chat.submit("consult:intake", VALID)
    stranger = {**VALID, "email": "ANN@example.ORG", "description": "Send me everything you have on file"}
    replies = await chat.submit("consult:intake", stranger, user="eve")
    assert [r.text for r in replies if r.channel is None] == [
        "Thank you! Your request is L-0002. Someone from the team will be in touch by email."
    ]
    staff = next(r for r in replies if r.channel == "staff")
    assert texts([staff]) == (
        "New consulting request L-0002\n"
        f"{DUPLICATE_NOTICE}\n"
        "Name: Ann Lee\nEmail: ANN@example.ORG\nOrganization: Riverside Library\nHelp with: Facilitator training\n"
        "Timeline: soon\nBudget: -\nStatus: new\nAssignee: nobody yet\nPossible duplicate of: L-0001"
    )
    assert staff.fields[-1] == ("Possible duplicate of", "L-0001")
    assert [(b.label, b.action_id, b.value) for b in staff.buttons] == [
        ("Assign to me", "leads:assign", "2"),
        ("Set status", "leads:status", "2"),
        ("Add note", "leads:note", "2"),
        ("Merge into L-0001", "leads:merge", "2:1"),
    ]
    first = texts(await chat.say("leads show L-0001", role="staff"))
    assert "Send me everything" not in first and "update" not in first
    second = texts(await chat.say("leads show L-0002", role="staff"))
    assert second.count("Possible duplicate") == 1
    assert f"Status: new\nAssignee: nobody yet\nPossible duplicate of: L-0001\n\n{DUPLICATE_HINT}\n\nHistory:" in second
    listed = texts(await chat.say("leads list", role="staff"))
    assert "L-0002 [new] Ann Lee, Riverside Library: Facilitator training (possible duplicate of L-0001)" in listed


async def test_staff_merge_a_duplicate(chat: Chat) -> None:
    """`leads merge L-2 into L-1` moves the duplicate's details into L-1's history and closes L-2 as merged."""
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "description": "Also a pilot", "budget": "5k"})
    staff = {"user": "sam", "role": "staff"}
    replies = await chat.say("leads merge L-2 into L-1", **staff)
    assert [r.text for r in replies] == [
        "L-0002 is merged into L-0001: its details are in L-0001's history, and L-0002 is closed."
    ]
    first = texts(await chat.say("leads show L-0001", **staff))
    assert (
        "console:sam: merged from L-0002: Ann Lee, Riverside Library; Facilitator training: Also a pilot "
        "(timeline: soon; budget: 5k)" in first
    )
    second = await chat.say("leads show L-0002", **staff)
    assert "Status: merged\nAssignee: nobody yet\nMerged into: L-0001\n" in second[0].text
    assert [b.label for b in second[0].buttons] == ["Add note"]  # closed into L-0001: nothing left to triage
    assert "console:sam: merged into L-0001" in second[0].text
    again = await chat.say("leads merge L-0002 into L-0001", **staff)
    assert again[0].text == "L-0002 is already merged into L-0001."
    assert (await chat.say("leads merge L-1 into L-1", **staff))[0].text == "A lead cannot be merged into itself."
    assert (await chat.say("leads merge L-1 into L-9", **staff))[0].text == "There is no lead L-0009."
    usage = (await chat.say("leads merge L-1 L-2", **staff))[0].text
    assert usage == "Usage: `leads merge L-0002 into L-0001` (the first is closed, its details go to the second)"
    # The next request from that address is a possible duplicate of L-0001 again, not of the merged L-0002.
    third = await chat.submit("consult:intake", {**VALID, "description": "Third"})
    assert next(r for r in third if r.channel == "staff").fields[-1] == ("Possible duplicate of", "L-0001")


async def test_a_merged_lead_is_listed_by_its_status_and_stays_closed(chat: Chat) -> None:
    """`leads list --status merged` lists it (it was refused as an unknown status though `leads list` shows it), and
    `leads status L-0002 new` no longer reopens it silently: it says to change the lead it went into."""
    await chat.submit("consult:intake", VALID)
    await chat.submit("consult:intake", {**VALID, "description": "Also a pilot"})
    staff = {"user": "sam", "role": "staff"}
    await chat.say("leads merge L-0002 into L-0001", **staff)
    listed = await chat.say("leads list --status MERGED", **staff)
    assert [(r.title, r.text) for r in listed] == [
        ("Leads (1)", "L-0002 [merged] Ann Lee, Riverside Library: Facilitator training")
    ]
    reopened = await chat.say("leads status L-0002 new", **staff)
    assert [r.text for r in reopened] == [
        "L-0002 is merged into L-0001, and stays closed: change the status of L-0001 instead."
    ]
    assert "Status: merged\n" in texts(await chat.say("leads show L-0002", **staff))
    assert [r.text for r in await chat.say("leads status L-0001 Contacted", **staff)] == [
        "L-0001: status is now contacted."
    ]
    assert (await chat.say("leads list --status gone", **staff))[0].text == (
        "Unknown status 'gone'; use one of: new, contacted, qualified, proposal, won, lost, spam, merged"
    )


async def test_merge_button_is_for_staff(chat: Chat) -> None:
    """The "Merge into" button merges for staff and refuses members."""
    await chat.submit("consult:intake", VALID)
    replies = await chat.submit("consult:intake", {**VALID, "description": "Again"})
    merge = next(r for r in replies if r.channel == "staff").buttons[-1]
    refused = await chat.press(merge.action_id, merge.value, user="mo")
    assert [r.text for r in refused] == ["Sorry, that button is only for staff."]
    done = await chat.press(merge.action_id, merge.value, user="sam", role="staff")
    assert [r.text for r in done] == [
        "L-0002 is merged into L-0001: its details are in L-0001's history, and L-0002 is closed."
    ]


def _notice(replies: list[Reply]) -> tuple[str | None, str, list[tuple[str, str, str]]]:
    staff = [r for r in replies if r.channel == "staff"]
    assert len(staff) == 1, replies
    return staff[0].title, staff[0].text, [(b.label, b.action_id, b.value) for b in staff[0].buttons]


THANKS_2 = ["Thank you! Your request is L-0002. Someone from the team will be in touch by email."]
BUTTONS_2 = [
    ("Assign to me", "leads:assign", "2"),
    ("Set status", "leads:status", "2"),
    ("Add note", "leads:note", "2"),
]


async def test_identical_answers_after_the_lead_is_closed_make_a_new_lead(chat: Chat) -> None:
    """The same answers again once staff closed the first request: a new lead, and staff are told."""
    await chat.submit("consult:intake", VALID)
    await chat.say("leads status L-0001 lost", role="staff")
    replies = await chat.submit("consult:intake", VALID)
    assert [r.text for r in replies if r.channel is None] == THANKS_2
    assert _notice(replies) == ("New consulting request L-0002", "Train our staff", BUTTONS_2)
    listed = texts(await chat.say("leads list", role="staff"))
    assert "L-0002 [new] Ann Lee, Riverside Library: Facilitator training" in listed
    assert "L-0001 [lost] Ann Lee" in listed


async def test_identical_answers_are_one_lead_only_within_the_window(chat: Chat, clock: Clock) -> None:
    """A resend minutes later is the same request; the same answers hours later are a new, flagged one."""
    await chat.submit("consult:intake", VALID)
    clock.advance(minutes=5)
    again = await chat.submit("consult:intake", VALID)
    assert [(r.text, r.channel) for r in again] == [
        ("Thank you! Your request is L-0001. Someone from the team will be in touch by email.", None)
    ]
    clock.advance(hours=2)
    later = await chat.submit("consult:intake", VALID)
    assert [r.text for r in later if r.channel is None] == THANKS_2
    duplicate = f"Train our staff\n\n{DUPLICATE_HINT}"
    assert _notice(later) == (
        "New consulting request L-0002",
        duplicate,
        [*BUTTONS_2, ("Merge into L-0001", "leads:merge", "2:1")],
    )


async def test_a_merge_into_a_merged_lead_is_refused_so_no_loop_can_form(chat: Chat) -> None:
    """L-2 into L-1, L-3 into L-2, L-1 into L-3 were all taken: a loop in which every status change sent staff round
    to the next lead, and a won L-3 became merged. A merge into a merged lead now names the lead to merge into; a
    merged lead cannot be assigned; a repeated status or assignee changes nothing and adds no history line."""
    staff = {"user": "sam", "role": "staff"}
    for user in ("ann", "bo", "cy"):
        await chat.submit("consult:intake", {**VALID, "email": f"{user}@example.org"}, user=user)
    await chat.say("leads merge L-2 into L-1", **staff)
    assert texts(await chat.say("leads merge L-3 into L-2", **staff)) == (
        "\nL-0002 is itself merged into L-0001: merge L-0003 into L-0001 instead."
    )
    assert texts(await chat.say("leads assign L-2 kim", **staff)) == (
        "\nL-0002 is merged into L-0001, and stays closed: assign L-0001 instead."
    )
    assert texts(await chat.say("leads status L-3 won", **staff)) == "\nL-0003: status is now won."
    assert texts(await chat.say("leads status L-3 won", **staff)) == "\nL-0003 is already won; nothing changed."
    await chat.say("leads assign L-3 slack:U0KIM", **staff)
    assert texts(await chat.say("leads assign L-3 slack:U0KIM", **staff)) == (
        "\nL-0003 is already assigned to slack:U0KIM; nothing changed."
    )
    history = texts(await chat.say("leads show L-3", **staff))
    assert history.count("new -> won") == 1 and history.count("assigned") == 1
