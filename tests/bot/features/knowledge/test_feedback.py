"""Answers with feedback buttons, learning from "Helpful" and from staff, and the gaps report."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.events import Reply
from bot.features.knowledge.gaps import gap_stubs
from bot.main.wiring import BotApp
from tests.conftest import Chat, Clock, DbTarget, make_settings, texts
from tests.fixtures import RETENTION_PAGE, own_recipes

pytestmark = pytest.mark.test_recipes  # answers from tests/fixtures/recipes

ODD = "my cohort is dwindling"


def button(reply: Reply, label: str) -> tuple[str, str]:
    found = next(b for b in reply.buttons if b.label == label)
    return found.action_id, found.value


async def test_answer_has_feedback_buttons(chat: Chat) -> None:
    """An answer offers Helpful, Not helpful, More results and Ask a human."""
    reply = (await chat.say("ask how many people should be in a learning circle"))[0]
    assert [b.label for b in reply.buttons] == ["Helpful", "Not helpful", "More results", "Ask a human"]
    more = await chat.press(*button(reply, "More results"))
    assert len(more[0].buttons) >= 3 and all(b.action_id == "kb:pick" for b in more[0].buttons)


async def test_a_message_with_two_questions_answers_both(chat: Chat) -> None:
    """ "How big ... and how long ...?" answers one and offers the other behind its own button, not just one."""
    reply = (await chat.say("ask how big should a group be and how long is each meeting?"))[0]
    assert reply.title == "How long is each meeting, and for how many weeks?"
    also = "You also asked: “How many learners should a group have?”. Press a button below to see it."
    assert reply.text.endswith(also)
    labels = ["Helpful", "Not helpful", "How many learners should a group have?", "More results", "Ask a human"]
    assert [b.label for b in reply.buttons] == labels
    shown = await chat.press(*button(reply, "How many learners should a group have?"))
    assert shown[0].title == "How many learners should a group have?"


async def test_helpful_teaches_the_phrasing_and_survives_restart(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """After "Helpful", the user's phrasing becomes an example of the recipe, kept in the database across restarts."""
    app = BotApp(make_settings(db_target, tmp_path, **own_recipes()), clock=clock)
    await app.start()
    chat = Chat(app)
    question = "how many people can join one group"
    reply = (await chat.say(f"ask {question}"))[0]
    assert reply.title == "How many learners should a group have?"
    assert "Thanks!" in (await chat.press(*button(reply, "Helpful")))[0].text
    assert question in app.kb.by_id["groups/size"].questions
    await app.close()
    again = BotApp(make_settings(db_target, tmp_path, **own_recipes()), clock=clock)
    await again.start()
    assert question in again.kb.by_id["groups/size"].questions
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
    refused = await chat.say("kb confirm 1 people/drop-off")
    assert "only for staff" in refused[0].text
    taught = await chat.say("kb confirm 1 people/drop-off", role="staff")
    assert "Learned" in taught[0].text
    assert (await chat.say(f"ask {ODD}"))[0].title == "What if learners stop showing up?"


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
    assert "1 asked  0 helpful / 1 not  `meetings/length`" in stats
    assert "Declined or not helpful: 4" in stats
    assert "only for staff" in texts(await chat.say("kb gaps"))


async def test_a_question_asked_again_in_the_same_words_is_counted_not_repeated(chat: Chat, tmp_path: Path) -> None:
    """`kb gaps` counts a question asked twice in the same words and lists only other wordings; its stub too."""
    for asked in ("what is kubernetes", "What is  Kubernetes", "what is kubernetes exactly"):
        await chat.say(f"ask {asked}")
    gaps = [line for line in texts(await chat.say("kb gaps", role="staff")).splitlines() if "×" in line]
    assert gaps == ["  3 × what is kubernetes  (also: what is kubernetes exactly)"]
    (stub,) = gap_stubs(["what is kubernetes", "What is  Kubernetes", "what is kubernetes exactly"], tmp_path)
    assert yaml.safe_load(stub.read_text().split("---")[1])["questions"] == [
        "what is kubernetes",
        "what is kubernetes exactly",
    ]


WHAT_I_DO = (
    "I answer questions from this community's handbook and recipes: ask me "
    "something like “how long should a meeting be?”. To reach a person, press “Ask a human” under any of my answers."
)


async def test_small_talk_gets_a_friendly_reply_saying_what_the_bot_does(chat: Chat) -> None:
    """Greetings, thanks, "are you a bot?" and "what can you do?" are not handbook questions; none lands in gaps."""
    expected = {
        "hi": "Hi!",
        "thanks!!": "You're welcome!",
        "are you a bot?": "Yes, I'm a bot, not a person.",
        "what can you do?": "Glad you asked.",
    }
    for said, opening in expected.items():
        (reply,) = await chat.say(f"ask {said}")
        told = f"{opening} {WHAT_I_DO}"
        if said == "what can you do?":  # everything it does, not only answering
            told = told.replace(
                "?”. To reach",
                "?”. I also run study groups' check-ins and meetings, and take requests for help from the team: "
                "`help` lists the commands. To reach",
            )
        assert (reply.title, reply.text, reply.buttons) == (None, told, ()), said
    (person,) = await chat.say("ask I want to speak to a person")  # how to reach one, not a recipe
    assert person.text == (
        "Of course: ask me your question first (it may already be answered). To reach a person, press “Ask a human” "
        "under any of my answers."
    )
    gaps = texts(await chat.say("kb gaps", role="staff"))
    assert "No gaps: every question so far was answered" in gaps


async def test_a_line_with_no_words_is_not_a_question(chat: Chat) -> None:
    """A number typed with no buttons showing, or "??", gets told what to do and never lands in gaps; so does a bare
    `kb show`."""
    assert texts(await chat.say("ask ??")) == (
        "\n“??” has no words for me to look up. Ask me a question, e.g. "
        "`ask how long should a learning circle meeting be`."
    )
    assert texts(await chat.say("4")) == (  # buttons of an earlier `communitybot chat` are gone
        "\nThere is no button 4 to press: a number presses a button of the reply just above it, in the same chat. "
        "Type the command again to see its buttons."
    )
    assert texts(await chat.say("kb show")) == (
        "\nUsage: `kb show ID`, e.g. `kb show circles/group-size` (`kb search TERM` finds ids)."
    )
    assert "No gaps: every question so far was answered" in texts(await chat.say("kb gaps", role="staff"))


async def test_not_helpful_offers_the_runners_up(chat: Chat) -> None:
    """After "Not helpful", the next best answers are offered (never the one given), then a human."""
    reply = (await chat.say("ask how do I end a meeting well?"))[0]
    assert reply.title == "How do I move or cancel a meeting?"
    (offer,) = await chat.press(*button(reply, "Not helpful"))
    assert offer.text == (
        "Thanks for telling me; I've noted it so the team can improve this answer. Maybe one of these answers it:"
    )
    assert [(b.label, b.action_id, b.value) for b in offer.buttons] == [
        ("What is the usual plan for a meeting?", "kb:pick", "1:meetings/agenda"),
        ("What happens at the final meeting?", "kb:pick", "1:meetings/last"),
        ("How long is each meeting, and for how many weeks?", "kb:pick", "1:meetings/length"),
        ("Ask a human", "kb:human", "1"),
    ]
    shown = await chat.press("kb:pick", "1:meetings/agenda")
    assert shown[0].title == "What is the usual plan for a meeting?"


def _docs_tree(folder: Path) -> Path:
    folder.mkdir()
    (folder / "SUMMARY.md").write_text("# Summary\n\n* [Keeping people](retention.md)\n")
    front_matter = "---\ndescription: Keeping learners coming back.\nlayout: page\n---\n"
    (folder / "retention.md").write_text(front_matter + RETENTION_PAGE)
    return folder


async def test_docs_answer_shows_its_best_passage_and_a_helpful_vote_teaches_the_section(
    db_target: DbTarget, tmp_path: Path, clock: Clock
) -> None:
    """A docs section answers with the passage around the best match, "Read more" shows it whole; a vote teaches."""
    docs = _docs_tree(tmp_path / "docs")
    source = {"path": str(docs), "base_url": "https://docs.example.org/"}
    app = BotApp(make_settings(db_target, tmp_path, starter_recipes=False, knowledge_dirs=[source]), clock=clock)
    await app.start()
    try:
        chat = Chat(app)
        reply = (await chat.say("ask someone missed a session, should I send them a note?"))[0]
        assert reply.title == "Retention › Follow up after a missed meeting"
        assert reply.link is None  # "Read more" once: the button, whose whole section carries the link
        assert reply.text == (
            "Send a short, friendly note to anyone who missed a session. Ask how they are doing, not why they were "
            "absent. Share what the group covered so catching up feels possible. Invite them to the next meeting by "
            "name."
        )
        assert [b.label for b in reply.buttons] == ["Helpful", "Not helpful", "Read more", "Ask a human"]
        whole = await chat.press(*button(reply, "Read more"))
        assert whole[0].text.endswith("often return for the next circle.")
        assert whole[0].link == "https://docs.example.org/retention#follow-up-after-a-missed-meeting"
        odd = "my cohort is dwindling"
        assert (await chat.say(f"ask {odd}"))[0].title is None  # declined, question 2
        taught = await chat.say("kb confirm 2 retention#follow-up-after-a-missed-meeting", role="staff")
        assert "Learned" in taught[0].text
        again = (await chat.say(f"ask {odd}"))[0]
        assert again.title == "Retention › Follow up after a missed meeting"
        await chat.press(*button(again, "Helpful"))
        assert odd in app.kb.by_id["retention#follow-up-after-a-missed-meeting"].questions
    finally:
        await app.close()


async def test_declined_question_offers_only_plausible_matches(chat: Chat) -> None:
    """Off-topic questions get no random suggestions; a near miss gets its close matches, most likely first."""
    (joke,) = await chat.say("ask tell me a joke")
    assert (joke.text, [b.label for b in joke.buttons]) == ("I don't have a recipe for that yet.", ["Ask a human"])
    (near,) = await chat.say("ask could we stop the circle early")
    assert near.text == "I'm not sure I know the answer to that. Did you mean one of these?"
    assert [(b.label, b.value) for b in near.buttons] == [
        ("What happens at the final meeting?", "2:meetings/last"),
        ("Can I cap or close signups?", "2:signup/limits"),
        ("What if learners stop showing up?", "2:people/drop-off"),
        ("Ask a human", "2"),
    ]
