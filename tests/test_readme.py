"""The README's quick start is what CI runs."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    """Two commands: install + start the console bot, install + run the tests; .ci/run picks up the second."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("communitybot chat") and commands[0].startswith("pip install")
    ci = (ROOT / ".ci" / "run").read_text()
    pattern = re.search(r'grep -m1 -E "(.*?)" README.md', ci)
    assert pattern is not None and re.match(pattern.group(1), commands[1])


def test_every_setting_is_in_the_environment_table() -> None:
    """The README's environment table names the variable of every setting the bot reads."""
    from bot.settings import Settings

    readme = (ROOT / "README.md").read_text()
    table = readme.split("| environment variable | YAML key | default | meaning |", 1)[1].split("\n\n", 1)[0]
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env = alias.choices[0] if alias is not None else f"COMMUNITYBOT_{name.upper()}"  # type: ignore[union-attr]
        assert f"`{env}`" in table, env


def sh_blocks(readme: str) -> list[str]:
    """The README's shell examples, each as one string."""
    return re.findall(r"```(?:sh|bash)\n(.*?)```", readme, re.S)


def test_every_published_draft_is_saved_earlier_in_its_example() -> None:
    """A reader starts with no drafts: each `kb publish NAME` an example types follows, in the same example, the
    `kb save` that writes the draft (the walk-through itself is run by tests/adapters/test_console_escalations.py)."""
    published = 0
    for block in sh_blocks((ROOT / "README.md").read_text()):
        for name in re.findall(r"kb publish ([\w-]+)", block):
            published += 1
            before = block.split(f"kb publish {name}", 1)[0]
            assert "kb save " in before, f"`kb publish {name}` with no `kb save` before it:\n{block}"
    assert published  # the README still shows publishing
