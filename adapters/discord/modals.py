"""Core forms as Discord modals: at most five inputs each, and what was typed kept (in memory) between the steps of
a long form or for reopening a rejected one."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.translate import form_steps, text_input
from bot.events import Button, Form, Reply, Visibility

__all__ = ["PARTIAL_TTL", "REOPEN", "ModalForms", "short_context", "with_reopen"]

PARTIAL_TTL = 1800.0  # seconds a half-filled multi-step form waits for its next step
REOPEN = "discordform:reopen"  # the action of the adapter's own "Continue" / "Edit answers" buttons

Key = tuple[str, str, str]


class ModalForms:
    """Half-filled or rejected modal forms, by (user, form id, context), to continue or reopen them."""

    def __init__(self) -> None:
        self._partial: dict[Key, tuple[float, Form, dict[str, str]]] = {}

    def modal(self, form: Form, step: int, user: str, values: dict[str, str] | None = None) -> discord.ui.Modal:
        """The modal for ``step`` of ``form``, filled with ``values``; remembered for the next step or a reopen."""
        current = form_steps(form)[step]
        modal = discord.ui.Modal(
            title=current.title, custom_id=f"{current.custom_id}|{short_context(form.context)}", timeout=900
        )
        for field in current.fields:
            modal.add_item(text_input(field, (values or {}).get(field.name, "")))
        self.remember(user, form, dict(values or {}))
        return modal

    def remember(self, user: str, form: Form, values: dict[str, str]) -> None:
        """Keep what ``user`` typed in ``form`` (dropping forms older than :data:`PARTIAL_TTL`)."""
        now = time.monotonic()
        self._partial = {k: v for k, v in self._partial.items() if now - v[0] < PARTIAL_TTL}
        self._partial[(user, form.form_id, short_context(form.context))] = (now, form, values)

    def get(self, key: Key) -> tuple[float, Form, dict[str, str]] | None:
        """What was kept for ``(user, form id, context)``, if anything."""
        return self._partial.get(key)


def short_context(context: str) -> str:
    """A form's context as it fits in a custom_id (Discord allows 100 characters in all)."""
    return context[:50]


def with_reopen(reply: Reply, interaction: discord.Interaction[Any]) -> Reply:
    """A rejected form: the errors, privately, with a button to reopen the form with the answers kept."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    parts = str(data.get("custom_id", "")).split("|", 3)
    if len(parts) < 3 or parts[0] != "form":
        return replace(reply, visibility=Visibility.EPHEMERAL)
    lines = "\n".join(f"- {message}" for _, message in reply.form_errors)
    button = Button("Edit answers", REOPEN, f"{parts[1]}|0|{parts[3] if len(parts) > 3 else ''}")
    return Reply(f"Please fix these and submit again:\n{lines}", buttons=(button,), visibility=Visibility.EPHEMERAL)
