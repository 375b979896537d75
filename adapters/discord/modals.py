"""Core forms as Discord modals, with no state in the adapter: the core says which page of a form to show (at most
five inputs, filled with the answers so far), the adapter shows it, and sends what was submitted back to the core
with the page's custom_id (the core's draft token and the page number). Half-filled forms live in the core's
database, so "Continue" and "Edit answers" (core buttons) work after a restart.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.custom_ids import page_custom_id, parse_custom_id
from adapters.discord.send import fallback, refused
from adapters.discord.translate import modal_values, page_title, text_input
from bot.events import Form, FormPage, FormSubmission, Origin, Reply, Visibility
from bot.forms.engine import continue_button

__all__ = ["MODAL_TIMEOUT", "open_later", "page_modal", "show_page", "submitted_page"]

MODAL_TIMEOUT = 900  # seconds discord.py listens for a modal's submission (the core keeps the answers longer)
_OPEN = "Open the form"


def page_modal(form: Form, page: FormPage) -> discord.ui.Modal:
    """The modal for ``page`` of ``form``: its fields, filled with the answers so far."""
    modal = discord.ui.Modal(title=page_title(form, page), custom_id=page_custom_id(page), timeout=MODAL_TIMEOUT)
    for field in form.fields[page.start : page.stop]:
        modal.add_item(text_input(field, page.values.get(field.name, "")))
    return modal


async def show_page(interaction: discord.Interaction[Any], form: Form, page: FormPage) -> None:
    """Answer ``interaction`` with the modal of ``page``; if Discord refuses it, the short apology."""
    try:
        await interaction.response.send_modal(page_modal(form, page))
    except discord.HTTPException as exc:
        refused("a form", exc)
        await fallback(interaction)


def open_later(reply: Reply, visibility: Visibility) -> Reply:
    """A form that cannot open now (the interaction was answered already, or in a DM): the core's button that opens
    it."""
    assert reply.form is not None and reply.form_page is not None
    return Reply(
        reply.text or reply.form.title, buttons=(continue_button(reply.form_page, _OPEN),), visibility=visibility
    )


def submitted_page(interaction: discord.Interaction[Any], origin: Origin) -> FormSubmission:
    """A modal submission as the core's page submission.

    A modal whose custom_id names no page (one opened by an older version of the bot) goes to the core as a form of
    that id, and the core says the form is no longer open (unanswered, Discord would say "Something went wrong").
    """
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    custom_id = str(data.get("custom_id", ""))
    parsed = parse_custom_id(custom_id)
    if parsed is None or parsed.kind != "page":
        return FormSubmission(origin, custom_id, modal_values(data))
    return FormSubmission(origin, "", modal_values(data), draft=parsed.key, page=int(parsed.value))
