"""Slack forms through the core's form engine: one modal carrying the core's draft token, and a rejected form that
could no longer show its errors in the modal reopened with every answer kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.app import SlackAdapter
from bot.events import Event, FormSubmission, Reply
from bot.main.wiring import BotApp
from storage.leads import list_leads
from tests.adapters.slack_standin import SECRET, fixture, post_form, serving
from tests.conftest import DbTarget


@pytest.fixture
def db_target(tmp_path: Path) -> DbTarget:
    """The wire tests need one database, not both: SQLite."""
    return DbTarget(f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", None)


def _view(opened: dict[str, Any]) -> dict[str, Any]:
    view = opened["view"]
    return view if isinstance(view, dict) else dict(json.loads(view))


async def test_a_late_rejected_form_reopens_with_every_answer_kept(app: BotApp) -> None:
    """/consult's modal, a bad email and a core slower than Slack's window: the error comes privately with "Edit
    answers", which reopens the form filled in; the fixed form makes one lead."""
    slow = True

    async def handle(event: Event) -> list[Reply]:
        if isinstance(event, FormSubmission) and slow:
            await asyncio.sleep(2.5)  # past the two seconds a modal waits for the core
        return await app.dispatcher.handle(event)

    async with serving() as api:
        adapter = SlackAdapter(handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        url = f"http://127.0.0.1:{port}/slack/events"
        try:
            await post_form(url, {**fixture("slash_consult.json"), "trigger_id": api.trigger()})
            (opened,) = await api.wait_for("views.open")
            meta = json.loads(_view(opened)["private_metadata"])
            assert meta["draft"] and meta["page"] == 0 and len(_view(opened)["blocks"]) == 9
            submission = {**fixture("view_submission.json"), "trigger_id": api.trigger()}
            submission["view"]["private_metadata"] = _view(opened)["private_metadata"]
            assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")
            (said,) = await api.wait_for("chat.postEphemeral", within=8)
            assert said["text"] == (
                "Please fix these and submit again: - Email: 'not-an-email' does not look like an email address "
                "(name@example.org)"
            )
            edit = next(e for b in said["blocks"] if b["type"] == "actions" for e in b["elements"])
            assert edit["text"]["text"] == "Edit answers"
            press = {**fixture("block_actions.json"), "trigger_id": api.trigger()}
            press["actions"] = [{**press["actions"][0], "action_id": edit["action_id"], "value": edit["value"]}]
            await post_form(url, {"payload": json.dumps(press)})
            reopened = _view((await api.wait_for("views.open", 2))[1])
            shown = {b["block_id"]: b["element"] for b in reopened["blocks"]}
            assert shown["name"]["initial_value"] == "Ann Lee" and shown["email"]["initial_value"] == "not-an-email"
            assert shown["help_kind"]["initial_option"]["value"] == "training"
            assert json.loads(reopened["private_metadata"])["draft"] == meta["draft"]
            slow = False
            submission["view"]["private_metadata"] = reopened["private_metadata"]
            submission["view"]["state"]["values"]["email"]["value"]["value"] = "ann@example.org"
            submission["trigger_id"] = api.trigger()
            assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")
            assert await post_form(url, {"payload": json.dumps(submission)}) == (200, "")  # Slack's retry
            await api.wait_for("chat.postMessage", 2)
        finally:
            await adapter.stop()
    async with app.db.session() as session:
        leads = await list_leads(session)
    assert [(lead.name, lead.email) for lead in leads] == [("Ann Lee", "ann@example.org")]
