"""Answers with feedback buttons, learning from "Helpful" and from staff, and the gaps report."""

from __future__ import annotations

from pathlib import Path

from bot.app import BotApp
from bot.events import Reply
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts

ODD = "my cohort is dwindling"


def button(reply: Reply, label: str) -> tuple[str, str]:
    found = next(b for b in reply.buttons if b.label == label)
    return found.action_id, found.value


async def test_answer_has_feedback_buttons(chat: Chat) -> None:
    """An answer offers Helpful, Not helpful, More results and Ask a human."""
    reply = (await chat.say("ask how many people should be in a learning circle"))[0]
    assert [b.label for b in reply.buttons] == ["Helpful", "Not helpful", "More results", "Ask a human"]
    more = await chat.press(*button(reply, "More results"))
    assert len(more[0].buttons) >= 3 and all(b.action_id == "kb:show" for b in more[0].buttons)


async def test_helpful_teaches_the_phrasing_and_survives_restart(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """After "Helpful", the user's phrasing becomes an example of the recipe, kept in the database across restarts."""
    app = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await app.start()
    chat = Chat(app)
    question = "how many folks can join one circle"
    reply = (await chat.say(f"ask {question}"))[0]
    assert reply.title == "How big should a learning circle be?"
    assert "Thanks!" in (await chat.press(*button(reply, "Helpful")))[0].text
    assert question in app.kb.by_id["circles/group-size"].questions
    await app.close()
    again = BotApp(make_settings(db_target, tmp_path), clock=clock)
    await again.start()
    assert question in again.kb.by_id["circles/group-size"].questions
    assert again.kb.answer(question).best is not None and again.kb.answer(question).best.score == 1.0  # type: ignore[union-attr]
    await again.close()


async def test_escalated_question_is_taught_by_staff(chat: Chat, app: BotApp) -> None:
    """A declined question goes to the help channel with its number; staff confirm the recipe; then it is answered."""
    declined = (await chat.say(f"ask {ODD}"))[0]
    assert declined.title is None and declined.buttons[-1].label == "Ask a human"
    passed = await chat.press(*button(declined, "Ask a human"))
    posted = next(r for r in passed if r.channel == "help")
    assert ODD in posted.text and "kb confirm 1 RECIPE_ID" in posted.text
    assert "passed your question" in next(r for r in passed if r.channel is None).text
    refused = await chat.say("kb confirm 1 facilitation/attendance")
    assert "only for staff" in refused[0].text
    taught = await chat.say("kb confirm 1 facilitation/attendance", role="staff")
    assert "Learned" in taught[0].text
    assert (await chat.say(f"ask {ODD}"))[0].title == "What if people stop coming?"


async def test_gaps_and_stats_for_staff(chat: Chat) -> None:
    """Declined and not-helpful questions are grouped in `kb gaps`; `kb stats` counts answers and votes."""
    for text in ("who won the football game", "who won the football match", "how to bake sourdough bread"):
        await chat.say(f"ask {text}")
    reply = (await chat.say("ask how long should a meeting be"))[0]
    await chat.press(*button(reply, "Not helpful"))
    gaps = texts(await chat.say("kb gaps", role="staff"))
    lines = [line for line in gaps.splitlines() if "×" in line]
    assert lines[0].startswith("  2 × who won the football game")
    assert any("how long should a meeting be" in line for line in lines)
    stats = texts(await chat.say("kb stats", role="staff"))
    assert "1 asked  0 helpful / 1 not  `circles/meeting-length`" in stats
    assert "Declined or not helpful: 4" in stats
    assert "only for staff" in texts(await chat.say("kb gaps"))
