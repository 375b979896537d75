"""Hostile recipe folders: bad links, huge files and byte-order marks never stop the bot nor leak a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.main.wiring import BotApp
from bot.settings import Settings
from knowledge import load_folder, starter_recipes_dir
from knowledge.loader import MAX_RECIPE_BYTES
from knowledge.sources import Source, load_sources

GOOD = '---\ntitle: Bike parking\nquestions: ["where do we park the bikes"]\n---\nOut back.\n'


def _errors(folder: Path) -> dict[str, str]:
    return {Path(e.path).name: e.message for e in load_folder(folder).errors}


async def test_dangling_symlink_and_loop_do_not_stop_the_bot(tmp_path: Path) -> None:
    """The bot starts, answers from the good file, and a tick (reload check) runs, with a dangling link and loops."""
    folder = tmp_path / "kb"
    (folder / "sub").mkdir(parents=True)
    (folder / "bikes.md").write_text(GOOD)
    (folder / "gone.md").symlink_to(tmp_path / "missing.md")
    (folder / "loop.md").symlink_to(folder / "loop.md")
    (folder / "sub" / "up").symlink_to(folder)  # a folder loop
    assert _errors(folder) == {"gone.md": "dangling symlink", "loop.md": "symlink loop"}
    app = BotApp(Settings(data_dir=tmp_path, starter_recipes=False, knowledge_dirs=[folder]))
    await app.start()
    try:
        assert [r.id for r in app.kb.recipes] == ["bikes"]
        await app.scheduler.tick(datetime(2026, 3, 2, tzinfo=UTC))
        best = app.kb.answer("where do we park the bikes").best
        assert best is not None and best.recipe.id == "bikes"
    finally:
        await app.close()


def test_symlink_to_a_file_outside_the_folder_is_not_loaded(tmp_path: Path) -> None:
    """A link leading out of the recipe folder is refused; a link to a file inside it loads."""
    folder = tmp_path / "kb"
    folder.mkdir()
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Private notes\n---\nThe door code is 4321.\n")
    (folder / "leak.md").symlink_to(secret)
    (folder / "bikes.md").write_text(GOOD)
    (folder / "alias.md").symlink_to(folder / "bikes.md")
    result = load_folder(folder)
    assert sorted(r.id for r in result.recipes) == ["alias", "bikes"]
    assert _errors(folder) == {"leak.md": "symlink to a file outside the recipe folder"}
    assert all("4321" not in r.body for r in result.recipes)


def test_oversized_recipe_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A file over the size limit is an error naming its size and the limit; the others load."""
    (tmp_path / "bikes.md").write_text(GOOD)
    big = tmp_path / "huge.md"
    with big.open("wb") as f:
        f.truncate(MAX_RECIPE_BYTES + 1)  # sparse: no disk used, but too big
    result = load_folder(tmp_path)
    assert [r.id for r in result.recipes] == ["bikes"]
    assert _errors(tmp_path) == {
        "huge.md": f"file is {MAX_RECIPE_BYTES + 1:,} bytes; the limit is {MAX_RECIPE_BYTES:,}"
    }


def test_byte_order_mark_before_front_matter_is_dropped(tmp_path: Path) -> None:
    """A file saved with a BOM keeps its front matter: title, questions and a clean body."""
    (tmp_path / "bikes.md").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    (recipe,) = load_folder(tmp_path).recipes
    assert (recipe.title, recipe.questions, recipe.body) == (
        "Bike parking",
        ("where do we park the bikes",),
        "Out back.",
    )


def test_a_recipe_with_no_answer_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """An empty file, or front matter with nothing under it, is refused where the answer should start; a docs tree's
    title-only page is kept."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "empty.md").write_text("")
    (folder / "stub.md").write_text("---\ntitle: Bikes\nquestions: [where do we park]\n---\n\n")
    (folder / "bikes.md").write_text(GOOD)
    errors = {Path(e.path).name: (e.line, e.message) for e in load_folder(folder).errors}
    no_answer = "no answer: write the recipe's text below its front matter"
    assert errors == {"empty.md": (1, no_answer), "stub.md": (5, no_answer)}
    (folder / "empty.md").unlink()
    assert [e.message for e in load_folder(folder / "bikes.md").errors] == ["is a file: give the folder that holds it"]
    docs = load_folder(folder, base_url="https://docs.example.org/")
    assert not docs.errors and {r.id for r in docs.recipes} == {"bikes", "stub"}


def test_a_communitys_recipe_replaces_the_starter_recipe_with_its_id(tmp_path: Path) -> None:
    """Our own circles/group-size wins over the shipped one, silently; a clash between two of our folders is still an
    error naming the file, and the first folder's recipe is kept."""
    ours, more = tmp_path / "ours" / "circles", tmp_path / "more" / "circles"
    ours.mkdir(parents=True)
    more.mkdir(parents=True)
    (ours / "group-size.md").write_text("---\ntitle: Our rule\nquestions: [how big is a circle]\n---\nExactly 7.\n")
    (more / "group-size.md").write_text("---\ntitle: Theirs\n---\nSix.\n")
    sources = [Source(starter_recipes_dir()), Source(tmp_path / "ours"), Source(tmp_path / "more")]
    recipes, errors = load_sources(sources)
    (group,) = [r for r in recipes if r.id == "circles/group-size"]
    assert (group.title, group.body) == ("Our rule", "Exactly 7.")
    assert [(Path(e.path).parent.parent.name, e.message) for e in errors] == [
        ("more", "duplicate id 'circles/group-size' across folders")
    ]
    assert len(recipes) == len(load_folder(starter_recipes_dir()).recipes)


def test_an_impossible_date_is_an_error_naming_the_line_not_a_crash(tmp_path: Path) -> None:
    """`updated: 2026-02-30` (or a month 13) used to raise inside the YAML library and stop the bot, `doctor` and
    `kb check`: now that recipe is refused with its line, a real date and a date with a time load, and a docs page
    whose foreign front matter holds a broken date (`date: 2016-99-99 14:05:56`) or a word for `updated` still loads."""
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, updated in (
        ("feb.md", "2026-02-30"),
        ("month.md", "2026-13-45"),
        ("list.md", "[1]"),
        ("word.md", "soon"),
    ):
        (folder / name).write_text(f"---\ntitle: Bikes\nupdated: {updated}\n---\nOut back.\n")
    (folder / "real.md").write_text("---\ntitle: Real\nupdated: 2026-02-28\n---\nOut back.\n")
    (folder / "timed.md").write_text("---\ntitle: Timed\nupdated: 2026-02-28 10:30:00\n---\nOut back.\n")
    loaded = load_folder(folder)
    assert {Path(e.path).name: (e.line, e.message) for e in loaded.errors} == {
        "feb.md": (3, "field 'updated' must be a date (YYYY-MM-DD), not '2026-02-30'"),
        "month.md": (3, "field 'updated' must be a date (YYYY-MM-DD), not '2026-13-45'"),
        "list.md": (3, "field 'updated' must be a date (YYYY-MM-DD), not a list"),
        "word.md": (3, "field 'updated' must be a date (YYYY-MM-DD), not 'soon'"),
    }
    assert sorted((r.id, r.updated) for r in loaded.recipes) == [
        ("real", "2026-02-28"),
        ("timed", "2026-02-28 10:30:00"),
    ]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.md").write_text("---\ntitle: Page\ndate: 2016-99-99 14:05:56\nupdated: soon\n---\nOut back.\n")
    page = load_folder(docs, base_url="https://docs.example.org/")
    assert not page.errors and [(r.id, r.updated) for r in page.recipes] == [("page", "")]
