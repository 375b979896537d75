"""Slack's Block Kit and view limits as the strict stand-in checks them, each next to the page documenting it.

Refusals name the problem the way Slack does: ``MESSAGE [json-pointer:/blocks/0/text]``.
"""

from __future__ import annotations

import json
from typing import Any

# https://api.slack.com/reference/block-kit/blocks ("blocks: maximum of 50 in a message, 100 in modals or Home")
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
# https://api.slack.com/reference/block-kit/blocks#section (text 3000; fields: 10 items, 2000 each)
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
# https://api.slack.com/reference/block-kit/blocks#header (plain_text only, 150 characters)
MAX_HEADER_TEXT = 150
# https://api.slack.com/reference/block-kit/blocks#context (10 elements)
MAX_CONTEXT_ELEMENTS = 10
# https://api.slack.com/reference/block-kit/blocks#actions (25 elements)
MAX_ACTIONS_ELEMENTS = 25
# https://api.slack.com/reference/block-kit/blocks#input (label and hint: plain_text, 2000 characters)
MAX_INPUT_LABEL = 2000
# https://api.slack.com/reference/block-kit/blocks (block_id: 255 characters, unique in a message or view)
MAX_BLOCK_ID = 255
# https://api.slack.com/reference/block-kit/block-elements#button (text 75, value 2000, action_id 255, url 3000;
# action_id unique among the block's elements)
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BUTTON_URL = 3000
# https://api.slack.com/reference/block-kit/block-elements#static_select (100 options)
MAX_OPTIONS = 100
# https://api.slack.com/reference/block-kit/composition-objects#option (text: plain_text 75; value 150)
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
# https://api.slack.com/reference/block-kit/block-elements#input (plain_text_input max_length up to 3000)
MAX_INPUT_LENGTH = 3000
# https://api.slack.com/reference/surfaces/views (title, submit, close: plain_text, 24; private_metadata 3000)
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
# https://api.slack.com/methods/chat.postMessage ("msg_too_long": text over 40,000 characters)
MAX_MESSAGE_TEXT = 40_000
# https://api.slack.com/interactivity/handling#modal_responses (trigger_id: used once, expires after 3 seconds)
TRIGGER_TTL = 3.0
# https://api.slack.com/interactivity/handling#acknowledgment_response (slash commands, button presses and modal
# submissions must be answered with HTTP 200 within 3000 ms; https://api.slack.com/apis/events-api#responding: the
# Events API retries an event not acknowledged within 3 seconds)
ACK_WITHIN = 3.0
# chat.postMessage refuses blocks whose text adds up to more than about 12,000 characters with msg_blocks_too_long.
# Undocumented: https://github.com/slackapi/bolt-js/issues/2509 (refused from ~13,200 characters; Slack's answer
# there: "12,000 text characters with a buffer for block containers") and bolt-js#2867. The stand-in holds the bot
# to the 12,000 Slack named, counting every text string in the blocks.
MAX_BLOCKS_TEXT = 12_000
# https://api.slack.com/methods/files.getUploadURLExternal and https://api.slack.com/messaging/files (1 GB a file)
MAX_FILE_BYTES = 1024**3

_TEXT_TYPES = {"plain_text", "mrkdwn"}
_BLOCK_TYPES = {"section", "header", "context", "actions", "divider", "input", "image"}


def blocks_text_length(node: Any) -> int:
    """The characters of every ``text`` string in ``node`` (blocks, their text objects and elements)."""
    if isinstance(node, dict):
        own = len(node["text"]) if isinstance(node.get("text"), str) else 0
        return own + sum(blocks_text_length(v) for v in node.values() if isinstance(v, dict | list))
    if isinstance(node, list):
        return sum(blocks_text_length(v) for v in node)
    return 0


class BlockErrors:
    """Collects Block Kit problems as Slack words them: ``MESSAGE [json-pointer:/blocks/0/text]``."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, pointer: str, message: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def text(self, pointer: str, obj: Any, limit: int, *, plain_only: bool = False, required: bool = True) -> None:
        """Check a text object: its type (plain_text where only that is allowed), non-empty, within ``limit``."""
        if obj is None:
            if required:
                self.add(pointer, "missing required field: text")
            return
        if not isinstance(obj, dict) or obj.get("type") not in _TEXT_TYPES:
            self.add(pointer, "must be a text object")
            return
        if plain_only and obj["type"] != "plain_text":
            self.add(f"{pointer}/type", "must be plain_text")
        self.length(f"{pointer}/text", str(obj.get("text", "")), limit, minimum=1)

    def length(self, pointer: str, value: str, limit: int, minimum: int = 0) -> None:
        if len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")
        if len(value) < minimum:
            self.add(pointer, f"must be more than {minimum - 1} characters")


def validate_blocks(blocks: Any, limit: int, *, surface: str) -> list[str]:
    """Slack's Block Kit checks for ``blocks`` on ``surface`` (``message``, ``modal`` or ``home``)."""
    errs = BlockErrors()
    if not isinstance(blocks, list):
        errs.add("/blocks", "must be an array")
        return errs.errors
    if len(blocks) > limit:
        errs.add("/blocks", f"no more than {limit} items allowed")
    block_ids: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"/blocks/{n}"
        if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
            errs.add(where, "unsupported type")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            errs.length(f"{where}/block_id", str(block_id), MAX_BLOCK_ID, minimum=1)
            if block_id in block_ids:
                errs.add(f"{where}/block_id", "duplicate block_id")
            block_ids.add(block_id)
        _validate_block(errs, where, block, surface)
    return errs.errors


def _validate_block(errs: BlockErrors, where: str, block: dict[str, Any], surface: str) -> None:
    kind = block["type"]
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            errs.add(where, "must provide either text or fields")
        errs.text(f"{where}/text", block.get("text"), MAX_SECTION_TEXT, required=False)
        fields = block.get("fields") or []
        if len(fields) > MAX_SECTION_FIELDS:
            errs.add(f"{where}/fields", f"no more than {MAX_SECTION_FIELDS} items allowed")
        for i, item in enumerate(fields):
            errs.text(f"{where}/fields/{i}", item, MAX_FIELD_TEXT)
    elif kind == "header":
        errs.text(f"{where}/text", block.get("text"), MAX_HEADER_TEXT, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= MAX_CONTEXT_ELEMENTS:
            errs.add(f"{where}/elements", f"must have between 1 and {MAX_CONTEXT_ELEMENTS} items")
        for i, element in enumerate(elements):
            errs.text(f"{where}/elements/{i}", element, MAX_SECTION_TEXT)
    elif kind == "actions":
        _validate_actions(errs, where, block.get("elements") or [])
    elif kind == "input":
        if surface == "message":
            errs.add(where, "input blocks are only allowed in modals and Home tabs")
        errs.text(f"{where}/label", block.get("label"), MAX_INPUT_LABEL, plain_only=True)
        errs.text(f"{where}/hint", block.get("hint"), MAX_INPUT_LABEL, plain_only=True, required=False)
        _validate_element(errs, f"{where}/element", block.get("element") or {})


def _validate_actions(errs: BlockErrors, where: str, elements: list[Any]) -> None:
    if not 1 <= len(elements) <= MAX_ACTIONS_ELEMENTS:
        errs.add(f"{where}/elements", f"must have between 1 and {MAX_ACTIONS_ELEMENTS} items")
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        pointer = f"{where}/elements/{i}"
        action_id = element.get("action_id")
        if action_id is not None and action_id in action_ids:
            errs.add(f"{pointer}/action_id", "duplicate action_id")
        action_ids.add(action_id)
        _validate_element(errs, pointer, element)


def _validate_element(errs: BlockErrors, where: str, element: dict[str, Any]) -> None:
    kind = element.get("type")
    if element.get("action_id") is not None:
        errs.length(f"{where}/action_id", str(element["action_id"]), MAX_ACTION_ID, minimum=1)
    if kind == "button":
        errs.text(f"{where}/text", element.get("text"), MAX_BUTTON_TEXT, plain_only=True)
        if "value" in element:
            errs.length(f"{where}/value", str(element["value"]), MAX_BUTTON_VALUE, minimum=1)
        if "url" in element:
            errs.length(f"{where}/url", str(element["url"]), MAX_BUTTON_URL, minimum=1)
    elif kind == "static_select":
        options = element.get("options") or []
        if not 1 <= len(options) <= MAX_OPTIONS:
            errs.add(f"{where}/options", f"must have between 1 and {MAX_OPTIONS} items")
        for i, option in enumerate(options):
            errs.text(f"{where}/options/{i}/text", option.get("text"), MAX_OPTION_TEXT, plain_only=True)
            errs.length(f"{where}/options/{i}/value", str(option.get("value", "")), MAX_OPTION_VALUE, minimum=1)
    elif kind == "plain_text_input":
        if int(element.get("max_length", 0)) > MAX_INPUT_LENGTH:
            errs.add(f"{where}/max_length", f"must be at most {MAX_INPUT_LENGTH}")
    else:
        errs.add(f"{where}/type", "unsupported element type")


def validate_view(view: Any) -> list[str]:
    """Slack's checks for a modal or Home view (``views.open``, ``views.publish``)."""
    if isinstance(view, str):
        view = json.loads(view)
    errs = BlockErrors()
    if view.get("type") not in {"modal", "home"}:
        errs.add("/view/type", "must be modal or home")
        return errs.errors
    if view["type"] == "modal":
        errs.text("/view/title", view.get("title"), MAX_VIEW_TITLE, plain_only=True)
        for key in ("submit", "close"):
            errs.text(f"/view/{key}", view.get(key), MAX_VIEW_TITLE, plain_only=True, required=False)
    errs.length("/view/private_metadata", str(view.get("private_metadata", "")), MAX_PRIVATE_METADATA)
    return errs.errors + [
        e.replace("[json-pointer:/blocks", "[json-pointer:/view/blocks")
        for e in validate_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS, surface=view["type"])
    ]
