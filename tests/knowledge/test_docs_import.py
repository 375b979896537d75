"""Importing an existing docs tree: cleaning, links, sections; on P2PU's real handbook when it is here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.main.doctor import run_checks
from bot.main.wiring import load_knowledge
from bot.settings import Settings
from knowledge import KnowledgeBase, load_folder
from knowledge.docs import clean_markdown, page_url, readable, resolve_links

BASE = "https://docs.p2pu.org/"
LEFTOVERS = re.compile(
    r"\{%|%\}|<a\s|</?[a-z]+[^>]*>|\]\((?!https?://|mailto:)[^)]*\)|\\[\[\]()_]|(?<!\*)\*{4}(?!\*)|^#+[ \t]*$|^[ \t]+$",
    re.MULTILINE,
)


def test_template_tags_and_html_are_removed() -> None:
    """GitBook tags, anchors, tags and entities vanish; the text and links inside them stay."""
    raw = (
        '## Plan <a href="#plan" id="plan"></a>\n{% hint style="info" %}\nBook early!&#x20;\n{% endhint %}\n'
        '{% content-ref url="a.md" %}\n[a.md](a.md)\n{% endcontent-ref %}\n{% embed url="https://v.example/1" %}\n'
        '### **Bold heading**\n<figure><img src="x.png" alt=""><figcaption><p>Cap</p></figcaption></figure>\n'
        "```\nkeep <b>this</b> {% raw %}\n```\n"
    )
    out = clean_markdown(raw)
    assert "{% hint" not in out and "<a href" not in out and "<figure>" not in out
    assert "Book early!" in out and "[a.md](a.md)" in out and "[https://v.example/1](https://v.example/1)" in out
    assert "### Bold heading" in out and "Cap" in out
    assert "keep <b>this</b> {% raw %}" in out  # code blocks are left as written


def test_gitbook_escapes_empty_marks_and_a_repeated_title_are_tidied_when_shown(tmp_path: Path) -> None:
    """Shown, backslash escapes are undone outside code (not for '*'), empty bold and headings go, the page's own
    title is not repeated under it, and lines left blank by dropped images leave no spaces."""
    (tmp_path / "kit.md").write_text(
        "# Promo  Kit\n\n##\n\nLearn **\\[topic]** at [deck](https://d.example/1\\_x) **** now. Keep `a\\_b` and "
        "\\*stars\\*.\n\n![pic](a.png) ![pic](b.png)\n\n## Plain\n\nMore text.\n"
    )
    (recipe,) = load_folder(tmp_path, BASE).recipes
    assert recipe.title == "Promo  Kit"
    assert readable(recipe.body, recipe.title) == (
        "Learn **[topic]** at [deck](https://d.example/1_x) now. Keep `a\\_b` and \\*stars\\*.\n\n"
        "## Plain\n\nMore text."
    )


def test_relative_links_point_at_the_published_pages() -> None:
    """Relative links resolve against the page and the base URL; README is its folder; images are dropped."""
    text = (
        "[guide](../courses/facilitator-guides.md#make) [home](../README.md) ![pic](img.png) [x](https://e.org) "
        "[up](#top)"
    )
    out = resolve_links(text, "facilitation/basics.md", BASE)
    assert "[guide](https://docs.p2pu.org/courses/facilitator-guides#make)" in out
    assert "[home](https://docs.p2pu.org/)" in out and "pic" not in out and "[x](https://e.org)" in out
    assert "[up](https://docs.p2pu.org/facilitation/basics#top)" in out
    assert page_url("teams/README.md", BASE) == "https://docs.p2pu.org/teams"


def test_long_pages_are_split_into_linked_sections(tmp_path: Path) -> None:
    """A long page becomes one recipe per section, each with its own anchor link and the page's title."""
    body = (
        "# Spaces\n\nIntro.\n\n## Meeting In Person\n\n"
        + "Chairs. " * 150
        + "\n\n## Meeting Online\n\n"
        + "Video. " * 150
    )
    (tmp_path / "spaces.md").write_text("---\ndescription: >-\n  All about rooms.\nlayout: wide\n---\n" + body)
    recipes = {r.id: r for r in load_folder(tmp_path, BASE).recipes}
    assert set(recipes) == {"spaces", "spaces#meeting-in-person", "spaces#meeting-online"}
    online = recipes["spaces#meeting-online"]
    assert online.title == "Spaces › Meeting Online" and online.link == "https://docs.p2pu.org/spaces#meeting-online"
    assert recipes["spaces"].summary == "All about rooms."


def test_strict_recipes_still_reject_unknown_keys(tmp_path: Path) -> None:
    """Outside a docs import, a foreign front matter key is still an error (a likely typo)."""
    (tmp_path / "x.md").write_text("---\nlayout: wide\n---\n# X\n")
    assert "unknown front matter key 'layout'" in str(load_folder(tmp_path).errors[0])


def test_knowledge_dirs_accept_paths_and_docs_trees(tmp_path: Path) -> None:
    """Settings take a plain folder or a {path, base_url} docs tree."""
    settings = Settings(knowledge_dirs=[str(tmp_path), {"path": str(tmp_path), "base_url": BASE}])
    assert settings.knowledge_dirs[0].base_url is None and settings.knowledge_dirs[1].base_url == BASE


@pytest.mark.parametrize(
    ("starter", "docs", "loaded"),
    [("auto", False, True), ("auto", True, False), (True, True, True), (False, False, False)],
)
def test_starter_recipes_step_aside_for_an_imported_handbook(
    tmp_path: Path, starter: bool | str, docs: bool, loaded: bool
) -> None:
    """By default the starter recipes load unless a docs tree is imported: a community's own handbook answers its
    members, not the shipped text; ``starter_recipes: true`` keeps them beside it."""
    (tmp_path / "page.md").write_text("# Our page\n\nHow we run things here, in enough words to be an answer.\n")
    folder = {"path": str(tmp_path), "base_url": BASE} if docs else str(tmp_path)
    recipes, errors = load_knowledge(Settings(starter_recipes=starter, knowledge_dirs=[folder]))
    assert errors == []
    ids = {r.id for r in recipes}
    assert "page" in ids
    assert ("circles/group-size" in ids) is loaded


async def test_doctor_says_the_starter_recipes_stepped_aside(tmp_path: Path) -> None:
    """An imported handbook turns the starter recipes off by default: doctor says so and how to keep them; with
    them kept it says how many load beside the handbook."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# Our page\n\nHow we run things here, in enough words.\n")
    docs = {"path": str(tmp_path / "docs"), "base_url": BASE}
    settings = Settings(data_dir=tmp_path, knowledge_dirs=[docs])
    (check,) = [c for c in await run_checks(settings) if c.name == "starter recipes"]
    assert check.ok and check.detail == (
        f"not loaded: answers come from knowledge_dirs only (the docs tree at {BASE}); "
        "set starter_recipes: true to keep them beside it"
    )
    kept = Settings(data_dir=tmp_path, knowledge_dirs=[docs], starter_recipes=True)
    (check,) = [c for c in await run_checks(kept) if c.name == "starter recipes"]
    assert check.ok and check.detail.startswith(f"also loaded (39 alongside the docs tree at {BASE})")


def test_p2pu_handbook_imports_cleanly(shared_dir: Path) -> None:
    """Every handbook page loads; no template tag, HTML or relative link is left; answers link to docs.p2pu.org."""
    handbook = shared_dir / "corpora" / "p2pu-handbook"
    recipes, errors = load_knowledge(
        Settings(starter_recipes=False, knowledge_dirs=[{"path": handbook, "base_url": BASE}])
    )
    assert errors == []
    pages = {p.relative_to(handbook).with_suffix("").as_posix() for p in handbook.rglob("*.md")}
    pages -= {"SUMMARY", "NOTICE"}
    assert pages <= {r.id.split("#")[0] for r in recipes}
    for recipe in recipes:
        body = readable(recipe.body, recipe.title)
        assert not LEFTOVERS.search(body), (recipe.id, LEFTOVERS.search(body))
        assert not body.startswith(f"# {recipe.title}\n"), recipe.id
        assert recipe.link and recipe.link.startswith(BASE), recipe.id
    kb = KnowledgeBase(recipes)
    best = kb.search("what does an in-person meeting space need", limit=1)[0]
    assert best.recipe.id == "facilitation/set-up-your-space#meeting-in-person"
    assert best.recipe.link == "https://docs.p2pu.org/facilitation/set-up-your-space#meeting-in-person"


@pytest.mark.parametrize("name", ["SUMMARY.md", "NOTICE.md"])
def test_table_of_contents_is_not_an_answer(tmp_path: Path, name: str) -> None:
    """A GitBook SUMMARY.md (or a licence NOTICE) is skipped in a docs import."""
    (tmp_path / name).write_text("# Table of contents\n\n* [A](a.md)\n")
    assert load_folder(tmp_path, BASE).recipes == []


def test_jekyll_variables_are_dropped_from_links_and_headings(tmp_path: Path) -> None:
    """`{{ site.baseurl }}` links point at the published page; no braces, escapes or bold marks in titles."""
    (tmp_path / "guide.md").write_text(
        "---\nlayout: page\ntitle: Guide\n---\n# Guide\n\n"
        "Start with [the next module]({{ site.baseurl }}/articles/next).\n\n"
        "### {{ site.assignment }} Write your README\n\n" + "Say what the project does and who it is for. " * 5 + "\n"
        "### Plus/Delta \\(In-Person**/**Online\\)\n\n" + "Ask what went well and what to change. " * 5 + "\n"
    )
    recipes = {r.id: r for r in load_folder(tmp_path, BASE).recipes}
    assert set(recipes) == {"guide", "guide#write-your-readme", "guide#plusdelta-in-persononline"}
    assert recipes["guide#plusdelta-in-persononline"].title == "Guide › Plus/Delta (In-Person/Online)"
    assert "[the next module](https://docs.p2pu.org/articles/next)" in recipes["guide"].body
    assert recipes["guide#write-your-readme"].title == "Guide › Write your README"
    assert "{{" not in recipes["guide"].body


def test_other_tools_block_syntax_reads_as_plain_markdown() -> None:
    """MkDocs admonitions and tabs, Docusaurus and MyST admonitions, MDX module lines and HTML comments: members see
    the titles in bold and the text, never the markers or what a comment hides."""
    raw = (
        "Intro.<!-- TODO: check the\ndates -->\n\nimport Tabs from '@theme/Tabs';\nexport const meta = {};\n\n"
        '!!! note "Bring snacks"\n    Food helps people talk.\n\n    Ask about allergies.\n\nBack to the page.\n\n'
        ":::tip[Be on time]\nStart when you said.\n:::\n\n:::{warning}\nRooms close at nine.\n:::\n\n"
        '=== "Online"\n    Share the link the day before.\n\n??? question\n    Hidden by default.\n'
    )
    assert clean_markdown(raw) == (
        "Intro.\n\n**Bring snacks**\nFood helps people talk.\n\nAsk about allergies.\n\nBack to the page.\n\n"
        "**Be on time**\nStart when you said.\n\n**Warning**\nRooms close at nine.\n\n"
        "**Online**\nShare the link the day before.\n\n**Question**\nHidden by default."
    )


def test_docs_tree_pages_of_other_generators(tmp_path: Path) -> None:
    """A docs tree may use .markdown and .mdx pages, setext headings and Hugo's _index pages; hidden folders,
    node_modules, LICENSE and CHANGELOG are not pages, and a plain recipe folder still reads .md alone."""
    words = "Members meet every week in the library and take turns leading the discussion. " * 2
    (tmp_path / "guide.markdown").write_text(
        f"Running a Circle\n================\n\n{words}\n\nFirst Meeting\n-------------\n\n{words}\n\n"
        f"Last Meeting\n------------\n\n{words}\n"
    )
    (tmp_path / "online.mdx").write_text(f"---\ntitle: Online circles\nsidebar_position: 2\n---\n\n{words}\n")
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "_index.md").write_text(f"# Topics\n\n{words}\n")
    for skipped in (".github/ISSUE_TEMPLATE/bug.md", "node_modules/pkg/README.md", "LICENSE.md", "CHANGELOG.md"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text(f"# Not a page\n\n{words}\n")
    recipes = {r.id: r for r in load_folder(tmp_path, BASE).recipes}
    assert set(recipes) == {
        "guide",
        "guide#first-meeting",
        "guide#last-meeting",
        "online",
        "topics/_index",
    }
    assert recipes["guide#last-meeting"].title == "Running a Circle › Last Meeting"
    assert recipes["guide#last-meeting"].link == "https://docs.p2pu.org/guide#last-meeting"
    assert recipes["online"].title == "Online circles" and recipes["online"].link == "https://docs.p2pu.org/online"
    assert recipes["topics/_index"].link == "https://docs.p2pu.org/topics"
    assert {r.id for r in load_folder(tmp_path).recipes} == {"LICENSE", "CHANGELOG", "topics/_index"}


def test_hugo_toml_front_matter_is_read_not_shown(tmp_path: Path) -> None:
    """A Hugo page's `+++` TOML front matter was shown to members as text; it is read as front matter (title and
    description used, weight and dates of the tool ignored), and a broken one names the file and line."""
    words = "Members meet every week on a video call and take turns leading the discussion. " * 2
    (tmp_path / "online.md").write_text(
        f'+++\ntitle = "Running circles online"\nweight = 3\ndate = 2026-01-05\n'
        f'description = "Video calls and a shared notes pad."\n+++\n\n# Running circles online\n\n{words}\n'
    )
    (recipe,) = load_folder(tmp_path, BASE).recipes
    assert (recipe.title, recipe.summary) == ("Running circles online", "Video calls and a shared notes pad.")
    assert "+++" not in recipe.body and "weight" not in recipe.body
    (tmp_path / "online.md").write_text(f'+++\ntitle = "unclosed\n+++\n\n{words}\n')
    (error,) = load_folder(tmp_path, BASE).errors
    assert (
        str(error)
        == f"{tmp_path / 'online.md'} line 2, column 18: front matter is not valid TOML: Illegal character '\\n'"
    )


def test_an_empty_page_of_a_docs_tree_is_no_answer(tmp_path: Path) -> None:
    """An empty placeholder page loads as nothing (it used to become an answer titled "empty" with no text); a
    title-only stub page is still kept, as other pages link to it."""
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "empty.md").write_text("\n  \n")
    (tmp_path / "guide" / "stub.md").write_text("# Coming soon\n")
    (tmp_path / "guide" / "venues.md").write_text("# Venues\n\nLibraries lend rooms for free.\n")
    loaded = load_folder(tmp_path, BASE)
    assert loaded.errors == []
    assert sorted((r.id, r.title) for r in loaded.recipes) == [
        ("guide/stub", "Coming soon"),
        ("guide/venues", "Venues"),
    ]


def test_a_page_copied_into_two_folders_is_offered_once_and_so_are_two_pages_titled_alike(tmp_path: Path) -> None:
    """Handbooks copy pages between folders (their relative links then differ) and keep old and new versions under
    one title: the user sees one of each, never two suggestions that read the same."""
    reflections = (
        "# Reflections\n\nClose every meeting with a short reflection round. Ask what went well and what to change "
        "next time, then read the [check-in](../check-ins.md) notes aloud.\n"
    )
    for folder in ("activities", "structure"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "reflections.md").write_text(reflections)
    (tmp_path / "activities" / "energizers.md").write_text(
        "# Energizers\n\nA quick game wakes the group up halfway through a long meeting.\n"
    )
    (tmp_path / "old.md").write_text("# Closing a meeting\n\nEnd the reflection round by thanking everyone.\n")
    (tmp_path / "new.md").write_text("# Closing a meeting\n\nEnd each meeting with a reflection and a thank-you.\n")
    kb = KnowledgeBase(load_folder(tmp_path, BASE).recipes)

    hits = kb.search("how do we run the reflection round at the end of a meeting", limit=5)

    ids = [h.recipe.id for h in hits]
    assert len([i for i in ids if i.endswith("reflections")]) == 1, ids
    assert len([i for i in ids if i in ("old", "new")]) == 1, ids
    assert len({h.recipe.title for h in hits}) == len(hits), [h.recipe.title for h in hits]
    links = {h.recipe.id: h.recipe.links[0] for h in hits}
    copy = next(i for i in ids if i.endswith("reflections"))
    assert links[copy] == f"{BASE}{copy}"  # the copy shown links to its own address
