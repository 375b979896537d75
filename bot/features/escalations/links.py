"""Links to a thread, as each platform writes them; a plain reference where there is no web address (console)."""

from __future__ import annotations

from bot.events import Origin
from bot.features.escalations import text
from storage.threads import HelpThread

__all__ = ["link_to_thread", "thread_link"]


def thread_link(platform: str, site: str, channel: str, thread: str | None) -> str:
    """Where a peer can read and answer the thread ``thread`` of ``channel``.

    ``site`` is the workspace or server address the adapter gave (:attr:`bot.events.Origin.site`): Slack's
    ``https://acme.slack.com`` gives ``https://acme.slack.com/archives/C0HELP/p1712345678000100``, Discord's
    ``https://discord.com/channels/GUILD`` gives ``.../GUILD/CHANNEL/MESSAGE`` (a Discord thread's id is its
    first message's, so this opens the thread too), or ``.../GUILD/THREAD`` when the thread is the channel.
    Without a site (the console, an event that did not say) it is a plain reference.
    """
    if site and platform == "slack":
        return f"{site}/archives/{channel}" + (f"/p{thread.replace('.', '')}" if thread else "")
    if site and platform == "discord":
        return f"{site}/{channel}" + (f"/{thread}" if thread and thread != channel else "")
    if thread and thread != channel:
        return text.CONSOLE_LINK.format(channel=channel, thread=thread)
    return text.CONSOLE_CHANNEL.format(channel=channel)


def link_to_thread(thread: HelpThread, origin: Origin) -> str:
    """A link to the help thread ``thread`` for whoever acts from ``origin``: a web link when they are on its
    platform (their event names the workspace or server), else a plain reference."""
    site = origin.site if origin.platform == thread.platform else ""
    return thread_link(thread.platform, site, thread.channel, thread.thread)
