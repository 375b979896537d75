"""Ranking behaviour on docs trees and recipes: hubs do not win, contrast words count, small talk is recognised."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.main.wiring import load_knowledge
from bot.settings import Settings
from knowledge import KnowledgeBase, load_folder
from knowledge.ranking import DOCS_LEAD, PLAUSIBLE_DOCS, best_sentences, content_words
from knowledge.smalltalk import small_talk

BASE = "https://docs.example.org/"

TOPICS = {
    "venues": (
        "Choosing a venue",
        "Libraries and community centres often lend a meeting room for free. Look for a quiet room with a big "
        "table, enough chairs, power sockets and reliable wifi. Visit the room before the first meeting and ask "
        "the staff how to book it for every week of the circle.",
    ),
    "promotion": (
        "Promoting your circle",
        "Put up flyers at the library desk, post in local neighbourhood groups and ask partner organisations to "
        "share the sign-up link. Personal invitations work best: ask every person who signs up to bring a friend. "
        "Start promoting three or four weeks before the first meeting.",
    ),
    "online": (
        "Meeting online",
        "Use a video call tool that everyone can join from a phone. Send the link in every reminder, start a few "
        "minutes early to sort out audio problems, and keep cameras optional. Breakout rooms help small groups "
        "talk when the circle is big.",
    ),
    "certificates": (
        "Certificates",
        "Learners who attend most sessions can receive a certificate of participation. Download the template, add "
        "each learner's name and the course title, and hand them out during the final celebration.",
    ),
    "surveys": (
        "Surveys",
        "Ask learners to fill in the short feedback survey during the last session, not afterwards, when almost "
        "nobody answers. Facilitators get their own survey to reflect on how the circle went.",
    ),
}
QUESTIONS = {
    "what makes a good room for our meetings?": "venues",
    "how do I get more people to sign up": "promotion",
    "we want to meet over video, any tips?": "online",
    "can my learners get some kind of certificate": "certificates",
    "when should people fill in the feedback form": "surveys",
    "do i need to book the room every week": "venues",
    "what video tool should we use if people only have phones": "online",
    "how early should i start advertising": "promotion",
}


def _hub_tree(folder: Path) -> Path:
    """Topic pages plus planted hubs: an overview naming every topic, a one-letter "I" section, and an FAQ of
    question headings ("Do I need...", "How do I...") on another subject."""
    folder.mkdir()
    for slug, (title, text) in TOPICS.items():
        (folder / f"{slug}.md").write_text(f"---\ndescription: {title}.\n---\n# {title}\n\n{text}\n")
    (folder / "overview.md").write_text(
        "# Overview\n\nThis handbook covers venues, rooms, booking, promotion, sign up, flyers, online video "
        "meetings, phones, certificates, learners, surveys, feedback and sessions. How do I find what I need? "
        "Can I ask for help? Read every page and you will know what to do.\n"
    )
    (folder / "style.md").write_text(
        "# Style guide\n\n"
        + "Write clearly and kindly for every reader of the handbook. " * 20
        + "\n\n## I\n\nWrite I, not we, when you tell your own story in a page.\n\n"
        "## You\n\nAddress the reader as you, and keep sentences short so they read well on phones.\n"
    )
    faq = {
        "Do I need to tell anybody before I run a credit circle?": "Yes: email the college's credit team with the "
        "course you plan to use, so they can check that it fits one of the approved subjects.",
        "How do I apply for credit?": "Learners apply through the college's online form after the last session; "
        "the college answers within a month and charges no fee for it.",
        "Can I take several circles for credit?": "Yes, each completed circle counts as one credit towards a degree, "
        "up to six credits in all, as long as the subjects are different.",
        "What do I need to earn credit?": "Attend at least three quarters of the meetings and keep a learning "
        "journal with a short reflection on what you learned each week.",
        "Where do I send my learning journal?": "Upload it to the college portal as one document before the term "
        "ends; your facilitator does not need to grade or collect it.",
    }
    (folder / "faq.md").write_text("# Credit FAQ\n\n" + "".join(f"### {q}\n\n{a}\n\n" for q, a in faq.items()))
    return folder


def test_planted_hub_pages_do_not_win_unrelated_questions(tmp_path: Path) -> None:
    """Each question's top answer is its topic page; the overview, the "I" section and the FAQ never come first."""
    kb = KnowledgeBase(load_folder(_hub_tree(tmp_path / "docs"), BASE).recipes)
    tops = {question: kb.search(question)[0].recipe.id.split("#")[0] for question in QUESTIONS}
    assert tops == QUESTIONS


@pytest.mark.parametrize(
    ("question", "recipe_id", "not_recipe_id"),
    [
        ("what should we do at the last meeting?", "platform/final-meeting", "facilitation/first-meeting"),
        ("what should we do at the first meeting?", "facilitation/first-meeting", "platform/final-meeting"),
    ],
)
def test_contrast_words_count(question: str, recipe_id: str, not_recipe_id: str) -> None:
    """ "last meeting" is answered by the last-meeting recipe, never the first-meeting one, and the other way round."""
    recipes, _ = load_knowledge(Settings())
    answer = KnowledgeBase(recipes).answer(question)
    assert answer.best is not None and answer.best.recipe.id == recipe_id
    assert answer.best.score >= 0.5 and not_recipe_id != answer.best.recipe.id


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "greeting"),
        ("Hiii!", "greeting"),
        ("good morning everyone :)", "greeting"),
        ("thanks!!", "thanks"),
        ("thank you so much!", "thanks"),
        ("are you a bot?", "bot"),
        ("wait are you an actual person?", "bot"),
        ("what can you do?", "abilities"),
        ("I want to speak to a person", "human"),
        ("can I talk to a real person?", "human"),
        ("how do I talk to learners about attendance", None),
        ("hi, how many people should be in a learning circle?", None),
        ("thanks, but how do I find a venue?", None),
        ("who won the football game", None),
    ],
)
def test_small_talk_is_told_from_questions(text: str, kind: str | None) -> None:
    """Short greetings, thanks and questions about the bot are small talk; a real question never is."""
    assert small_talk(text) == kind


def test_kb_eval_loads_a_docs_tree_with_its_base_url(tmp_path: Path) -> None:
    """`kb eval --base-url` imports as settings do: foreign front matter loads, SUMMARY/NOTICE are skipped."""
    docs = _hub_tree(tmp_path / "docs")
    (docs / "SUMMARY.md").write_text("# Summary\n\n* [Venues](venues.md)\n* [Promotion](promotion.md)\n")
    (docs / "NOTICE.md").write_text("# Notice\n\nThis work is licensed under CC BY 4.0.\n")
    (docs / "jekyll.md").write_text("---\nlayout: page\nmodule: 3\n---\n# Jekyll page\n\nAll about static sites.\n")
    questions = tmp_path / "q.jsonl"
    rows = [{"q": q, "expect": [page]} for q, page in QUESTIONS.items()] + [{"q": "tell me a joke", "expect": []}]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    details = tmp_path / "details.jsonl"
    command = [sys.executable, "-m", "bot", "kb", "eval", "--kb", str(docs), "--questions", str(questions)]
    result = subprocess.run(
        [*command, "--base-url", BASE, "--semantic-model", "off", "--json", "--details", str(details)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    summary = json.loads(result.stdout)
    assert summary["in_scope_top1"] == 1.0 and summary["mode"] == "static"
    ids = [json.loads(line)["candidates"] for line in details.read_text().splitlines()]
    assert all(1 <= len(c) <= 3 and {"id", "score", "raw"} <= set(c[0]) for c in ids)
    assert not any(c["id"].startswith(("SUMMARY", "NOTICE")) for row in ids for c in row)
    assert {"oos_auroc", "ece", "reliability", "answered_precision"} <= set(summary)
    assert sum(b["n"] for b in summary["reliability"]) == len(rows)
    pages = {r.id.split("#")[0] for r in load_folder(docs, BASE).recipes}
    assert pages == {*TOPICS, "overview", "style", "faq", "jekyll"}


OPEN_PROJECT = {
    "readme": (
        "Write a great project README",
        "Your README is the front door of the project. Say in one sentence what the project does and who it is "
        "for, then how to install it, how to use it and how to get help. Link the contributing guide and the code "
        "of conduct. Keep it short and update it whenever the project changes.",
    ),
    "roadmap": (
        "Make a project roadmap",
        "A roadmap lists the milestones between today and the project's goal, each with the issues that belong to "
        "it. Publish it in the repository so contributors can see where help is needed next and plan their work.",
    ),
    "github": (
        "Getting started with GitHub",
        "Create a repository for the project, add a licence and a README, and commit your first files, either "
        "from the web page or with git on your computer. Invite co-leads as collaborators so they can merge.",
    ),
    "hackathons": (
        "Running a hack day",
        "A hack day brings contributors together for a day of building. Pick a date and a venue, prepare a list of "
        "small tasks with mentors, and plan how people will share what they built at the end of the day.",
    ),
    "maintenance": (
        "Maintaining an open project",
        "Review pull requests within a few days, label issues for newcomers, and archive the repository with a "
        "clear note when nobody maintains it any more, so users know where they stand.",
    ),
}


def test_starter_recipes_do_not_steal_docs_questions(tmp_path: Path) -> None:
    """With the starter recipes kept beside a docs tree, docs questions are answered from the docs and no recipe says it
    is sure of one (example questions look like any question, so a recipe must also be plausible as text)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for slug, (title, text) in OPEN_PROJECT.items():
        (docs / f"{slug}.md").write_text(f"# {title}\n\n{text}\n")
    recipes, _ = load_knowledge(Settings(starter_recipes=True, knowledge_dirs=[{"path": str(docs), "base_url": BASE}]))
    kb = KnowledgeBase(recipes)
    asked = {
        "what should our readme say so new people get what the project is?": "readme",
        "how do we show contributors which milestones come next?": "roadmap",
        "nobody maintains our repository anymore, what should we do with it?": "maintenance",
        "how do I put our code in a new repository and commit it?": "github",
        "we're organising a hackathon for contributors, how should we plan the day?": "hackathons",
    }
    for question, page in asked.items():
        answer = kb.answer(question)
        assert answer.best is not None and answer.best.recipe.id == page, question
        recipes_sure = [h.recipe.id for h in kb.search(question) if h.recipe.questions and h.score >= kb.threshold]
        assert recipes_sure == [], question  # no unrelated recipe claims to be sure
    # Said in other words than the page uses: better declined than answered with an unrelated recipe.
    vague = kb.answer("nobody looks after the repo anymore, what should we do with it?").best
    assert vague is None or vague.recipe.id == "maintenance"
    best = kb.answer("how many people should be in a learning circle?").best
    assert best is not None and best.recipe.id == "circles/group-size"


def test_a_copy_of_a_page_does_not_cancel_its_lead(tmp_path: Path) -> None:
    """Handbooks repeat themselves: a unit's lead is over the mean of the best few other pages, so an older version
    of its page in another folder, scoring as high, is one rival among several and leaves it a lead; a word-for-word
    copy is the same page, no rival at all."""
    folder = _hub_tree(tmp_path / "docs")
    (folder / "old").mkdir()
    (folder / "old" / "venues.md").write_text((folder / "venues.md").read_text() + "\nAn older version.\n")
    (folder / "copy").mkdir()
    (folder / "copy" / "venues.md").write_text((folder / "venues.md").read_text())
    kb = KnowledgeBase(load_folder(folder, BASE).recipes)
    assert kb._docs is not None
    scores = np.full(len(kb), -np.inf, dtype=np.float32)
    for name, score in {"venues": 0.5, "copy/venues": 0.5, "old/venues": 0.5, "promotion": 0.2, "surveys": 0.2}.items():
        scores[kb._index[name]] = score
    order, rivals = kb._docs.ranking(scores, 3)
    assert sorted(kb.recipes[i].id for i in order) == ["copy/venues", "old/venues", "venues"]
    raw = rivals.raw(kb._index["venues"], scores)
    assert raw == pytest.approx(0.5 + DOCS_LEAD * (0.5 - 0.9 / 3)) and raw > 0.5
    assert rivals.raw(kb._index["copy/venues"], scores) == pytest.approx(raw)


def test_a_declined_docs_question_offers_its_near_misses(tmp_path: Path) -> None:
    """Said in other words than the page uses, a question is declined on the docs but offers the page it means;
    an off-topic one gets no suggestions."""
    kb = KnowledgeBase(load_folder(_hub_tree(tmp_path / "docs"), BASE).recipes)
    near = kb.answer("do learners get anything for finishing")
    assert near.best is None and "certificates" in [h.recipe.id for h in near.suggestions]
    assert all(h.score >= PLAUSIBLE_DOCS for h in near.suggestions)
    assert kb.answer("who won the football game").suggestions == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("what's a learner's journal?", ["learner", "journal"]),
        ("does it work if i'm 'working open'", ["work", "work", "open"]),
        ("we don't have wifi", ["don't", "wifi"]),
    ],
)
def test_clitics_and_function_words_are_not_topics(text: str, words: list[str]) -> None:
    """ "what's" is "what", "learner's" is "learner", "does" is no topic; negations keep their "n't"."""
    assert content_words(text) == words


def test_a_shown_passage_keeps_numbered_and_quoted_list_items_whole() -> None:
    """A numbered step is one sentence with its number ("3." does not end a sentence), and list items, quoted ones
    too, are shown one a line rather than run together."""
    text = (
        "Intro to the steps. Read them all first. They take an hour.\n\n"
        "3. Re-write your README\n\n"
        "Use clear language and define all terms. Ask a newcomer to read it.\n\n"
        "Ask a newcomer to read it.\nExamples from other codes:\n>* Be friendly and patient\n>* Be welcoming"
    )
    assert best_sentences(text, "how should I re-write the readme?") == (
        "They take an hour.\n3. Re-write your README\nUse clear language and define all terms.\n"
        "Ask a newcomer to read it."
    )
    assert best_sentences(text, "which examples: be friendly, welcoming?") == (
        "Ask a newcomer to read it.\nExamples from other codes:\n>* Be friendly and patient\n>* Be welcoming"
    )


def test_a_shown_passage_stays_under_its_heading_and_names_it() -> None:
    """In an FAQ, the answer shown is the best-matching question's own answer, under that question in bold, and does
    not run on into the next question's answer; a heading the unit's title already ends with is not repeated."""
    text = (
        "### **Can I change the meeting length?**\n\nYes. Keep every meeting the same length. Tell learners early.\n\n"
        "### **Can learners take several circles for credit?**\n\nThey can join as many as they like. Each course "
        "earns credit once. Six courses give up to six credits.\n\n### **Will there be more courses?**\n\nYes! "
        "We are working on it now. Tell us what you would like."
    )
    assert best_sentences(text, "how many circles can learners take for credit?", "FAQs") == (
        "**Can learners take several circles for credit?**\nThey can join as many as they like. Each course earns "
        "credit once. Six courses give up to six credits."
    )
    titled = "FAQs › Can learners take several circles for credit?"
    assert best_sentences(text, "how many circles can learners take for credit?", titled) == (
        "They can join as many as they like. Each course earns credit once. Six courses give up to six credits."
    )
