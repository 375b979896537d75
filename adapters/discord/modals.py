"""Core forms as Discord modals: at most five inputs each, and what was typed kept (in memory) between the steps of
a long form or for reopening a rejected one.

What a user typed is kept by (user, form id, context token) and dropped as soon as it is no longer needed: when the
core accepts the submission, when the user presses "Cancel", or :data:`PARTIAL_TTL` seconds after the last step,
whether or not anything else happens in the meantime.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.send import answer, fallback, refused
from adapters.discord.translate import form_steps, modal_values, reply_messages, text_input
from bot.events import Button, Form, Reply, Visibility

__all__ = [
    "CANCEL",
    "PARTIAL_TTL",
    "REOPEN",
    "ModalForms",
    "cancel_button",
    "context_token",
    "is_digest",
    "with_reopen",
]

PARTIAL_TTL = 1800.0  # seconds a half-filled or rejected form waits for its next step
REOPEN = "discordform:reopen"  # the action of the adapter's own "Continue" / "Edit answers" buttons
CANCEL = "discordform:cancel"  # the action of its "Cancel" button: drop what was typed
_LITERAL_MAX = 32  # a context up to this long travels as itself in custom_ids (restart-safe)
_DIGEST = "~"  # marks a token that is a digest of a longer context

_EXPIRED = "That form has expired. Please start again."
_CANCELLED = "Cancelled. Nothing you typed in that form was kept."

Key = tuple[str, str, str]  # (user, form id, context token)


class ModalForms:
    """Half-filled or rejected modal forms, by (user, form id, context token), to continue or reopen them; and
    the interactions that open, continue, reopen or cancel them."""

    def __init__(self) -> None:
        self._partial: dict[Key, tuple[Form, dict[str, str]]] = {}
        self._timers: dict[Key, asyncio.TimerHandle] = {}

    def __len__(self) -> int:
        return len(self._partial)

    def modal(self, form: Form, step: int, user: str, values: dict[str, str] | None = None) -> discord.ui.Modal:
        """The modal for ``step`` of ``form``, filled with ``values``; remembered for the next step or a reopen."""
        current = form_steps(form)[step]
        modal = discord.ui.Modal(
            title=current.title, custom_id=f"{current.custom_id}|{context_token(form.context)}", timeout=900
        )
        for field in current.fields:
            modal.add_item(text_input(field, (values or {}).get(field.name, "")))
        self.remember(user, form, dict(values or {}))
        return modal

    def remember(self, user: str, form: Form, values: dict[str, str]) -> None:
        """Keep what ``user`` typed in ``form`` for :data:`PARTIAL_TTL` seconds from now."""
        key = (user, form.form_id, context_token(form.context))
        self._partial[key] = (form, values)
        self._cancel_timer(key)
        self._timers[key] = asyncio.get_running_loop().call_later(PARTIAL_TTL, self.drop, *key)

    def get(self, user: str, form_id: str, token: str) -> tuple[Form, dict[str, str]] | None:
        """The form and what was typed for ``(user, form id, context token)``, if still kept."""
        return self._partial.get((user, form_id, token))

    def drop(self, user: str, form_id: str, token: str) -> None:
        """Forget what ``user`` typed in that form (nothing happens if nothing is kept)."""
        self._partial.pop((user, form_id, token), None)
        self._cancel_timer((user, form_id, token))

    def _cancel_timer(self, key: Key) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def open_later(self, user: str, reply: Reply, visibility: Visibility) -> Reply:
        """A form that cannot open now (the interaction was answered already, or in a DM): a button that opens it."""
        assert reply.form is not None
        form = reply.form
        self.remember(user, form, {})
        reopen = Button("Open the form", REOPEN, f"{form.form_id}|0|{context_token(form.context)}")
        return Reply(reply.text or form.title, buttons=(reopen,), visibility=visibility)

    async def send_modal(
        self,
        interaction: discord.Interaction[Any],
        form: Form,
        user: str,
        step: int = 0,
        values: dict[str, str] | None = None,
    ) -> None:
        """Answer ``interaction`` with step ``step`` of ``form``, filled with ``values``."""
        try:
            await interaction.response.send_modal(self.modal(form, step, user, values))
        except discord.HTTPException as exc:
            refused("a form", exc)
            await fallback(interaction)

    async def submitted(self, interaction: discord.Interaction[Any]) -> tuple[str, dict[str, str], str] | None:
        """A modal submission: ``(form id, every answer so far, context)`` when the form is complete, for the core.

        None when the adapter answered it itself: a middle step kept (with Continue and Cancel buttons), a form
        whose answers have expired, or a modal that is not one of the bot's forms.
        """
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parts = str(data.get("custom_id", "")).split("|", 3)
        if len(parts) < 3 or parts[0] != "form":
            return None
        form_id, step, context = parts[1], int(parts[2]) if parts[2].isdigit() else 0, "|".join(parts[3:])
        user = str(interaction.user.id)
        values = modal_values(data)
        remembered = self.get(user, form_id, context)
        if remembered is None and is_digest(context):  # the long context it stands for is gone with the answers
            await answer(interaction, reply_messages(Reply(_EXPIRED, visibility=Visibility.EPHEMERAL)))
            return None
        if remembered is None:
            return form_id, values, context  # kept no more (a restart): the core checks what came
        form, earlier = remembered
        values = {**earlier, **values}
        self.remember(user, form, values)
        steps = len(form_steps(form))
        if step + 1 >= steps:
            return form_id, values, form.context
        value = f"{form_id}|{step + 1}|{context}"
        saved = Reply(
            f"Saved part {step + 1} of {steps}.",
            buttons=(Button(f"Continue ({step + 2}/{steps})", REOPEN, value), cancel_button(value)),
            visibility=Visibility.EPHEMERAL,
        )
        await answer(interaction, reply_messages(saved))
        return None

    async def reopen(self, interaction: discord.Interaction[Any], value: str) -> None:
        """The "Continue" / "Edit answers" / "Open the form" button: the form's modal, with what was typed."""
        form_id, step, context = [*value.split("|", 2), "", ""][:3]
        user = str(interaction.user.id)
        remembered = self.get(user, form_id, context)
        if remembered is None:
            await answer(interaction, reply_messages(Reply(_EXPIRED, visibility=Visibility.EPHEMERAL)))
            return
        form, values = remembered
        await self.send_modal(interaction, form, user, int(step) if step.isdigit() else 0, values)

    async def cancel(self, interaction: discord.Interaction[Any], value: str) -> None:
        """The "Cancel" button of a kept form: what the user typed in it is dropped."""
        form_id, _, context = [*value.split("|", 2), "", ""][:3]
        self.drop(str(interaction.user.id), form_id, context)
        await answer(interaction, reply_messages(Reply(_CANCELLED, visibility=Visibility.EPHEMERAL)))


def context_token(context: str) -> str:
    """A form's context as it travels in a custom_id (Discord allows 100 characters in all).

    A short context is itself, so its form still works after a restart; a longer one (or one that looks like a
    digest) becomes a digest of the whole context, so two contexts never share a token as prefixes would.
    """
    if len(context) <= _LITERAL_MAX and not context.startswith(_DIGEST):
        return context
    return _DIGEST + hashlib.sha256(context.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def is_digest(token: str) -> bool:
    """Whether ``token`` stands for a longer context (which only the kept form can give back)."""
    return token.startswith(_DIGEST)


def cancel_button(value: str) -> Button:
    """The "Cancel" button for a kept form; ``value`` is ``form id|step|context token``."""
    return Button("Cancel", CANCEL, value)


def with_reopen(reply: Reply, interaction: discord.Interaction[Any]) -> Reply:
    """A rejected form: the errors, privately, with buttons to reopen it with the answers kept, or to cancel it."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    parts = str(data.get("custom_id", "")).split("|", 3)
    if len(parts) < 3 or parts[0] != "form":
        return replace(reply, visibility=Visibility.EPHEMERAL)
    lines = "\n".join(f"- {message}" for _, message in reply.form_errors)
    value = f"{parts[1]}|0|{parts[3] if len(parts) > 3 else ''}"
    return Reply(
        f"Please fix these and submit again:\n{lines}",
        buttons=(Button("Edit answers", REOPEN, value), cancel_button(value)),
        visibility=Visibility.EPHEMERAL,
    )
