"""Recipe loading: the starter set, defaults, broken files, and answering."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.main.wiring import load_knowledge
from bot.settings import Settings
from knowledge import KnowledgeBase, load_folder, starter_recipes_dir


def test_starter_recipes_are_complete() -> None:
    """At least 30 starter recipes load cleanly, each with 3+ example questions, a summary and a link."""
    result = load_folder(starter_recipes_dir())
    assert result.errors == []
    assert len(result.recipes) >= 30
    for recipe in result.recipes:
        assert len(recipe.questions) >= 3, recipe.id
        assert recipe.link and recipe.link.startswith("https://"), recipe.id
        assert recipe.summary, recipe.id


@pytest.mark.parametrize(
    ("question", "recipe_id"),
    [
        ("how many people should be in a learning circle?", "circles/group-size"),
        ("How long should each meeting be?", "circles/meeting-length"),
        ("do i have to be an expert to facilitate?", "facilitation/facilitator-role"),
        ("lerning cirlce size", "circles/group-size"),
        ("where can I find free courses", "courses/finding-free-courses"),
        ("can p2pu train our facilitators", "community/working-with-p2pu"),
    ],
)
def test_starter_questions_find_their_recipe(question: str, recipe_id: str) -> None:
    """Typical questions, one with typos, are answered with the right recipe."""
    recipes, _ = load_knowledge(Settings())
    answer = KnowledgeBase(recipes).answer(question)
    assert answer.best is not None and answer.best.recipe.id == recipe_id


@pytest.mark.parametrize("question", ["what's the weather in paris", "who won the football game", "bake bread"])
def test_off_topic_questions_are_declined(question: str) -> None:
    """Questions the recipes don't cover get no answer."""
    recipes, _ = load_knowledge(Settings())
    assert KnowledgeBase(recipes).answer(question).best is None


def test_id_and_title_defaults(tmp_path: Path) -> None:
    """Without front matter, id is the relative path and title the first heading, else the file name."""
    (tmp_path / "courses").mkdir()
    (tmp_path / "courses" / "choosing-courses.md").write_text("Intro\n\n# Picking a course\n\nText.\n")
    (tmp_path / "no-heading.md").write_text("Just text.\n")
    recipes = {r.id: r for r in load_folder(tmp_path).recipes}
    assert recipes["courses/choosing-courses"].title == "Picking a course"
    assert recipes["no-heading"].title == "no heading"


def test_broken_files_are_reported_with_lines_and_the_rest_load(tmp_path: Path) -> None:
    """Bad YAML, an empty title, an unknown key and a duplicate id each give file and line; good files still load."""
    (tmp_path / "good.md").write_text("---\ntitle: Good\nquestions: [a, b, c]\n---\nBody\n")
    (tmp_path / "bad-yaml.md").write_text("---\ntitle: Bad\nquestions: [unclosed\n---\nBody\n")
    (tmp_path / "no-title.md").write_text("---\ntitle: ''\n---\nBody\n")
    (tmp_path / "typo.md").write_text("---\ntitle: T\nquestoins: [x]\n---\nBody\n")
    (tmp_path / "zz-dupe.md").write_text("---\nid: good\ntitle: Dupe\n---\nBody\n")
    result = load_folder(tmp_path)
    assert [r.id for r in result.recipes] == ["good"]
    messages = sorted(str(e) for e in result.errors)
    assert messages == [
        f"{tmp_path / 'bad-yaml.md'} line 4, column 1: front matter is not valid YAML: expected ',' or ']', but got "
        "'<stream end>' (while parsing a flow sequence that begins at line 3, column 12)",
        f"{tmp_path / 'no-title.md'} line 2: field 'title' must be a non-empty string",
        f"{tmp_path / 'typo.md'} line 3: unknown front matter key 'questoins'",
        f"{tmp_path / 'zz-dupe.md'} line 1: duplicate id 'good' (also in {tmp_path / 'good.md'})",
    ]


def test_an_unclosed_quote_and_a_control_character_name_their_line_and_column(tmp_path: Path) -> None:
    """A quote never closed says where it was opened; a control character is an error with its place, not a crash."""
    (tmp_path / "quote.md").write_text('---\ntitle: Q\nquestions:\n  - "how big\n  - how long\n---\nBody\n')
    (tmp_path / "bell.md").write_text("---\ntitle: Ding\x07\n---\nBody\n")
    assert sorted(str(e) for e in load_folder(tmp_path).errors) == [
        f"{tmp_path / 'bell.md'} line 2, column 12: front matter is not valid YAML: unacceptable character #x0007: "
        "special characters are not allowed",
        f"{tmp_path / 'quote.md'} line 6, column 1: front matter is not valid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar that begins at line 4, column 5)",
    ]


def test_extra_folder_with_a_broken_file_still_loads_the_rest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A configured folder adds its recipes; its broken file is skipped with a warning naming it."""
    (tmp_path / "local.md").write_text(
        "---\ntitle: Our venue wifi\nquestions: [what is the wifi password]\n---\nAsk.\n"
    )
    (tmp_path / "broken.md").write_text("---\ntitle: [\n---\n")
    recipes, errors = load_knowledge(Settings(knowledge_dirs=[tmp_path]))
    ids = {r.id for r in recipes}
    assert "local" in ids and "circles/group-size" in ids
    assert len(errors) == 1 and "broken.md" in str(errors[0])
    assert any("broken.md" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


async def test_edited_recipe_files_are_picked_up_on_the_next_tick(tmp_path: Path) -> None:
    """Adding or editing a recipe file changes answers after the next tick, with no restart."""
    from datetime import UTC, datetime

    from bot.main.wiring import BotApp

    folder = tmp_path / "kb"
    folder.mkdir()
    app = BotApp(Settings(data_dir=tmp_path, starter_recipes=False, knowledge_dirs=[folder]))
    await app.start()
    try:
        assert app.kb.answer("where do we park the bikes").best is None
        (folder / "bikes.md").write_text(
            '---\ntitle: Bike parking\nquestions: ["where do we park the bikes"]\n---\nOut back.\n'
        )
        await app.scheduler.tick(datetime(2026, 3, 2, tzinfo=UTC))
        best = app.kb.answer("where do we park the bikes").best
        assert best is not None and best.recipe.title == "Bike parking"
        (folder / "bikes.md").write_text(
            '---\ntitle: Cycle racks\nquestions: ["where do we park the bikes"]\n---\nOut front.\n'
        )
        await app.scheduler.tick(datetime(2026, 3, 2, 0, 1, tzinfo=UTC))
        best = app.kb.answer("where do we park the bikes").best
        assert best is not None and best.recipe.title == "Cycle racks"
    finally:
        await app.close()


def test_kb_check_names_the_file_line_and_field_of_a_loosely_typed_front_matter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb check` refuses one string for a list, a number for tags, a title or an id, and a number among questions."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: Good\nquestions: [a, b]\ntags: [x]\n---\nBody\n")
    (folder / "one-question.md").write_text("---\ntitle: One\nquestions: how big?\n---\nBody\n")
    (folder / "number-tags.md").write_text("---\ntitle: Tags\ntags: 5\n---\nBody\n")
    (folder / "number-title.md").write_text("---\nsummary: S\ntitle: 42\n---\nBody\n")
    (folder / "number-id.md").write_text("---\nid: 7\ntitle: Seven\n---\nBody\n")
    (folder / "number-item.md").write_text("---\ntitle: Item\nquestions:\n  - how big?\n  - 2024\n---\nBody\n")
    (folder / "yes-title.md").write_text("---\ntitle: yes\n---\nBody\n")
    assert main(["kb", "check", str(folder)]) == 1
    assert capsys.readouterr() == (
        "1 recipe OK, 6 with errors\n",
        f"{folder / 'number-id.md'} line 2: field 'id' must be a non-empty string, not a number{QUOTE}\n"
        f"{folder / 'number-item.md'} line 3: field 'questions' must be a list of strings: item 2 is a number{QUOTE}\n"
        f"{folder / 'number-tags.md'} line 3: field 'tags' must be a list of strings, not a number\n"
        f"{folder / 'number-title.md'} line 3: field 'title' must be a non-empty string, not a number{QUOTE}\n"
        f"{folder / 'one-question.md'} line 3: field 'questions' must be a list of strings, not a string "
        "(one per line, each after `- `)\n"
        f"{folder / 'yes-title.md'} line 2: field 'title' must be a non-empty string, not true/false{QUOTE}\n",
    )


QUOTE = ' (write it in quotes, "like this", to keep it as text)'


def test_kb_check_says_how_to_keep_a_question_with_a_colon_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A question like `- Budget: how much?` (YAML reads a mapping) is refused with how to write it."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "colon.md").write_text("---\ntitle: Costs\nquestions:\n  - Budget: how much?\n---\nBody\n")
    assert main(["kb", "check", str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"{folder / 'colon.md'} line 3: field 'questions' must be a list of strings: item 1 is a mapping"
        ' (a ": " inside it makes one; write it in quotes, "like this", to keep it as text)\n'
    )


def test_a_docs_trees_front_matter_may_keep_other_tools_loose_types(tmp_path: Path) -> None:
    """An imported docs tree's page, written for another tool, may have one tag as a string and a number as title."""
    (tmp_path / "page.md").write_text("---\ntitle: 2024\ntags: news\n---\nWhat happened.\n")
    result = load_folder(tmp_path, "https://docs.example.org/")
    assert result.errors == []
    assert [(r.title, r.tags) for r in result.recipes] == [("2024", ("news",))]


def test_kb_check_on_a_folder_without_recipes_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder with no recipe is no knowledge base: `kb check` says so and exits 1 (it said "0 recipes OK")."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a recipe")
    assert main(["kb", "check", str(tmp_path)]) == 1
    assert capsys.readouterr() == ("", f"{tmp_path}: no recipes found (no Markdown files with an answer)\n")


def test_kb_check_reports_every_problem_in_a_file_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each problem of a broken file is named in one run, in line order (it named the first and stopped there)."""
    from bot.main.cli import main

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: Good\n---\nBody\n")
    (folder / "broken.md").write_text(
        "---\ntitle: 42\nauthor: Ann\ntags: 5\nquestions:\n  - 2024\n  - fine\n  - true\nsummary: [a]\n"
        "updated: soon\ncolour: red\n---\n"
    )
    (folder / "also.md").write_text("---\nid: 7\n---\nBody\n")
    assert main(["kb", "check", str(folder)]) == 1
    broken = folder / "broken.md"
    assert capsys.readouterr() == (
        "1 recipe OK, 2 with errors\n",
        f"{folder / 'also.md'} line 2: field 'id' must be a non-empty string, not a number{QUOTE}\n"
        f"{broken} line 2: field 'title' must be a non-empty string, not a number{QUOTE}\n"
        f"{broken} line 3: unknown front matter key 'author'\n"
        f"{broken} line 4: field 'tags' must be a list of strings, not a number\n"
        f"{broken} line 5: field 'questions' must be a list of strings: item 1 is a number{QUOTE}\n"
        f"{broken} line 5: field 'questions' must be a list of strings: item 3 is true/false{QUOTE}\n"
        f"{broken} line 9: field 'summary' must be a string, not a list\n"
        f"{broken} line 10: field 'updated' must be a date (YYYY-MM-DD), not 'soon'\n"
        f"{broken} line 11: unknown front matter key 'colour'\n"
        f"{broken} line 13: no answer: write the recipe's text below its front matter\n",
    )
