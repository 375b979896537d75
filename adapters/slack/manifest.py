"""The Slack app manifest, rendered from the core registry's slash commands.

``communitybot slack manifest`` prints it; ``slack/manifest.yml`` is the checked-in copy for the default install
(a test keeps the two equal). The events and scopes are those the adapter uses, and nothing more: each scope is
listed with the feature that needs it in the README's Slack section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from adapters.slack.translate import CATCH_ALL
from bot.registry import SlashCommand

__all__ = ["EXAMPLE_URL", "render_manifest"]

EXAMPLE_URL = "https://bot.example.org"
_HEADER = """\
# Paste into https://api.slack.com/apps -> "Create New App" -> "From an app manifest".
{replace}# Rendered by `communitybot slack manifest` from the bot's commands; do not edit by hand.
"""
_REPLACE = """\
# Replace {url} with the public address of `communitybot run slack --http`
# (or render it with `communitybot slack manifest --url https://your.address`).
"""
_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "reactions:read",
    "usergroups:read",
)
_EVENTS = ("app_home_opened", "app_mention", "message.channels", "message.groups", "message.im", "reaction_added")


def render_manifest(
    commands: Sequence[SlashCommand],
    base_url: str | None = None,
    name: str = "communitybot",
    description: str = "Answers learning-circle questions, runs study-group check-ins and takes consulting requests.",
) -> str:
    """The manifest as YAML: the registry's Slack slash ``commands`` and the app's own catch-all command.

    Without ``base_url`` the address is :data:`EXAMPLE_URL`, and a comment says to replace it.
    """
    url = f"{(base_url or EXAMPLE_URL).rstrip('/')}/slack/events"
    slash = [_slash(c.name, c.slash.description, c.slash.usage_hint, url) for c in commands if c.slash.slack]
    slash.append(_slash(CATCH_ALL.removeprefix("/"), "Help and every other command", "help", url))
    manifest: dict[str, Any] = {
        "display_information": {"name": name, "description": description, "background_color": "#1d4f91"},
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": slash,
        },
        "oauth_config": {"scopes": {"bot": list(_SCOPES)}},
        "settings": {
            "event_subscriptions": {"request_url": url, "bot_events": list(_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
    body = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=120, indent=2)
    replace = _REPLACE.format(url=EXAMPLE_URL) if base_url is None else ""
    return _HEADER.format(replace=replace) + body


def _slash(name: str, description: str, usage_hint: str, url: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": f"/{name}", "url": url, "description": description}
    if usage_hint:
        entry["usage_hint"] = usage_hint
    entry["should_escape"] = False
    return entry
