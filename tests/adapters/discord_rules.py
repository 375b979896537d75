"""What Discord refuses, as the strict stand-in enforces it: pure checks on REST bodies, in Discord's error shape.

Each limit cites the Discord developer docs page it comes from. A check returns nothing for a body Discord accepts
and raises :class:`Refusal` (status and JSON body as Discord sends them) for one it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DOCS = "https://discord.com/developers/docs"

# https://discord.com/developers/docs/resources/message#create-message (content, nonce)
CONTENT_MAX = 2000
NONCE_MAX = 25
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
# https://discord.com/developers/docs/resources/message#embed-object-embed-structure (url: the title links to it;
# only http and https are taken, else 400/50035 URL_TYPE_INVALID_SCHEME, as seen in discord/discord-api-docs#5837)
EMBED_URL_SCHEMES = ("http", "https")
# https://discord.com/developers/docs/components/reference#action-row and #button
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
# https://discord.com/developers/docs/components/reference#string-select
SELECT_OPTIONS_MAX = 25
OPTION_TEXT_MAX = 100
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
# https://discord.com/developers/docs/components/reference#label and #text-input
INPUT_LABEL_MAX = 45
LABEL_DESCRIPTION_MAX = 100
TEXT_INPUT_VALUE_MAX = 4000
# https://discord.com/developers/docs/reference#uploading-files (25 MiB unless the server is boosted)
ATTACHMENT_MAX = 25 * 1024 * 1024

_BUTTON, _ROW, _TEXT_INPUT, _LABEL = 2, 1, 4, 18
_SELECTS = frozenset({3, 5, 6, 7, 8})


@dataclass
class Refusal(Exception):
    """Discord's answer to a refused request."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: int, message: str) -> Refusal:
    """A refusal with one of Discord's JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json)."""
    return Refusal(status, {"code": code, "message": message})


Problem = tuple[tuple[str | int, ...], str, str]  # path in the body, Discord's error code, its message


def _max_length(path: tuple[str | int, ...], value: Any, limit: int) -> list[Problem]:
    if isinstance(value, str) and len(value) > limit:
        return [(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def _max_items(path: tuple[str | int, ...], items: Sequence[Any], limit: int) -> list[Problem]:
    if len(items) > limit:
        return [(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def invalid_form_body(problems: Iterable[Problem]) -> Refusal:
    """HTTP 400, code 50035, with ``errors`` nested along each problem's path as Discord nests them."""
    errors: dict[str, Any] = {}
    for path, code, message in problems:
        node = errors
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return Refusal(400, {"code": 50035, "message": "Invalid Form Body", "errors": errors})


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise invalid_form_body(problems)


# -- messages ---------------------------------------------------------------------------------------------------


def check_message(body: Mapping[str, Any], file_sizes: Sequence[int] = (), size_limit: int = ATTACHMENT_MAX) -> None:
    """A message to create (channel message, interaction response data, webhook follow-up).

    Raises:
        Refusal: 413/40005 for a file over ``size_limit``; 400/50006 for an empty message; 400/50035 otherwise.
    """
    if any(size > size_limit for size in file_sizes):
        # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json (40005)
        raise error(413, 40005, "Request entity too large")
    embeds = list(body.get("embeds") or [])
    components = list(body.get("components") or [])
    if not (body.get("content") or embeds or components or file_sizes or body.get("sticker_ids")):
        raise error(400, 50006, "Cannot send an empty message")
    problems = _max_length(("content",), body.get("content"), CONTENT_MAX)
    nonce = body.get("nonce")
    if isinstance(nonce, str):
        problems += _max_length(("nonce",), nonce, NONCE_MAX)
    problems += _embeds(embeds)
    problems += _components(components)
    _raise(problems)


def _embeds(embeds: list[dict[str, Any]]) -> list[Problem]:
    problems = _max_items(("embeds",), embeds, EMBEDS_MAX)
    total = 0
    for n, embed in enumerate(embeds):
        at: tuple[str | int, ...] = ("embeds", n)
        texts = [
            (("title",), embed.get("title"), EMBED_TITLE_MAX),
            (("description",), embed.get("description"), EMBED_DESCRIPTION_MAX),
            (("footer", "text"), (embed.get("footer") or {}).get("text"), EMBED_FOOTER_MAX),
            (("author", "name"), (embed.get("author") or {}).get("name"), EMBED_AUTHOR_MAX),
        ]
        problems += _url((*at, "url"), embed.get("url"))
        fields = list(embed.get("fields") or [])
        problems += _max_items((*at, "fields"), fields, EMBED_FIELDS_MAX)
        for i, item in enumerate(fields):
            texts.append((("fields", i, "name"), item.get("name"), EMBED_FIELD_NAME_MAX))
            texts.append((("fields", i, "value"), item.get("value"), EMBED_FIELD_VALUE_MAX))
            if not item.get("name") or not item.get("value"):
                problems.append(((*at, "fields", i), "BASE_TYPE_REQUIRED", "This field is required"))
        for path, text, limit in texts:
            problems += _max_length((*at, *path), text, limit)
            total += len(text) if isinstance(text, str) else 0
    if total > EMBED_TOTAL_MAX:
        problems.append(
            (("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")
        )
    return problems


def _url(path: tuple[str | int, ...], url: Any) -> list[Problem]:
    scheme = str(url).split(":", 1)[0].lower() if url is not None and ":" in str(url) else ""
    if url is None or scheme in EMBED_URL_SCHEMES:
        return []
    supported = ", ".join(repr(s) for s in EMBED_URL_SCHEMES)
    return [
        (path, "URL_TYPE_INVALID_SCHEME", f'Scheme "{scheme}" is not supported. Scheme must be one of ({supported}).')
    ]


def _components(rows: list[dict[str, Any]]) -> list[Problem]:
    problems = _max_items(("components",), rows, ACTION_ROWS_MAX)
    seen: set[str] = set()
    for r, row in enumerate(rows):
        at: tuple[str | int, ...] = ("components", r)
        if row.get("type") != _ROW:
            problems.append(((*at, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'))
            continue
        items = list(row.get("components") or [])
        if not items:
            problems.append(((*at, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
        problems += _max_items((*at, "components"), items, ROW_BUTTONS_MAX)
        if any(i.get("type") in _SELECTS for i in items) and len(items) > 1:
            problems.append(
                (
                    (*at, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            )
        for i, item in enumerate(items):
            problems += _interactive((*at, "components", i), item, seen)
    return problems


def _interactive(at: tuple[str | int, ...], item: Mapping[str, Any], seen: set[str]) -> list[Problem]:
    """A button or select: custom_id present (not on link buttons), short, unique in the message; label short."""
    problems: list[Problem] = []
    is_link = item.get("type") == _BUTTON and item.get("style") == 5
    custom_id = item.get("custom_id")
    if is_link:
        if not item.get("url"):
            problems.append(((*at, "url"), "BASE_TYPE_REQUIRED", "This field is required"))
    elif not custom_id:
        problems.append(((*at, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
    else:
        problems += _max_length((*at, "custom_id"), custom_id, CUSTOM_ID_MAX)
        if custom_id in seen:
            problems.append(
                ((*at, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
            )
        seen.add(custom_id)
    if item.get("type") == _BUTTON:
        if not item.get("label") and not item.get("emoji"):
            problems.append(((*at, "label"), "BASE_TYPE_REQUIRED", "This field is required"))
        problems += _max_length((*at, "label"), item.get("label"), BUTTON_LABEL_MAX)
    elif item.get("type") == 3:
        problems += _options(at, list(item.get("options") or []))
    return problems


def _options(at: tuple[str | int, ...], options: list[dict[str, Any]]) -> list[Problem]:
    problems = _max_items((*at, "options"), options, SELECT_OPTIONS_MAX)
    if not options:
        problems.append(((*at, "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
    for n, option in enumerate(options):
        for key in ("label", "value", "description"):
            problems += _max_length((*at, "options", n, key), option.get(key), OPTION_TEXT_MAX)
    return problems


# -- modals -----------------------------------------------------------------------------------------------------


def check_modal(data: Mapping[str, Any]) -> None:
    """A modal (interaction callback type 9): title, custom_id, at most five labelled inputs.

    Raises:
        Refusal: 400/50035.
    """
    problems = _max_length(("title",), data.get("title"), MODAL_TITLE_MAX)
    if not data.get("title"):
        problems.append((("title",), "BASE_TYPE_REQUIRED", "This field is required"))
    problems += _max_length(("custom_id",), data.get("custom_id"), CUSTOM_ID_MAX)
    rows = list(data.get("components") or [])
    problems += _max_items(("components",), rows, MODAL_COMPONENTS_MAX)
    if not rows:
        problems.append((("components",), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
    seen: set[str] = set()
    for n, row in enumerate(rows):
        at: tuple[str | int, ...] = ("components", n)
        if row.get("type") == _LABEL:
            problems += _max_length((*at, "label"), row.get("label"), INPUT_LABEL_MAX)
            problems += _max_length((*at, "description"), row.get("description"), LABEL_DESCRIPTION_MAX)
            problems += _input((*at, "component"), row.get("component") or {}, seen)
        elif row.get("type") == _ROW:
            inner = list(row.get("components") or [])
            problems += _max_items((*at, "components"), inner, 1)
            for i, item in enumerate(inner):
                problems += _max_length((*at, "components", i, "label"), item.get("label"), INPUT_LABEL_MAX)
                problems += _input((*at, "components", i), item, seen)
        else:
            problems.append(((*at, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1, 18).'))
    _raise(problems)


def _input(at: tuple[str | int, ...], item: Mapping[str, Any], seen: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if item.get("type") == _TEXT_INPUT:
        custom_id = str(item.get("custom_id") or "")
        problems += _max_length((*at, "custom_id"), custom_id, CUSTOM_ID_MAX)
        if custom_id in seen:
            problems.append(
                ((*at, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
            )
        seen.add(custom_id)
        max_length = item.get("max_length")
        if isinstance(max_length, int) and not 1 <= max_length <= TEXT_INPUT_VALUE_MAX:
            problems.append(
                (
                    (*at, "max_length"),
                    "NUMBER_TYPE_MAX",
                    f"int value should be less than or equal to {TEXT_INPUT_VALUE_MAX}.",
                )
            )
        problems += _max_length((*at, "value"), item.get("value"), TEXT_INPUT_VALUE_MAX)
        problems += _max_length((*at, "placeholder"), item.get("placeholder"), OPTION_TEXT_MAX)
        return problems
    if item.get("type") in _SELECTS:
        return _interactive(at, item, seen)
    return [((*at, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (3, 4).')]


def check_callback(body: Mapping[str, Any], file_sizes: Sequence[int], size_limit: int) -> None:
    """An interaction response: a message (types 4 and 7), a modal (9) or autocomplete choices (8).

    Raises:
        Refusal: as :func:`check_message`, :func:`check_modal` and :func:`check_choices` do, with the errors under
            ``data``, where they are in the request body (as in discord/discord-api-docs#5837:
            ``{"errors": {"data": {"embeds": {"0": ...}}}}``).
    """
    kind, data = body.get("type"), body.get("data") or {}
    try:
        if kind in (4, 7):
            check_message(data, file_sizes, size_limit)
        elif kind == 9:
            check_modal(data)
        elif kind == 8:
            check_choices(data)
    except Refusal as refusal:
        if "errors" in refusal.body:
            refusal.body["errors"] = {"data": refusal.body["errors"]}
        raise


# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete
# (at most 25 choices) and .../application-commands#application-command-object-application-command-option-choice-
# structure (name 1-100 characters; a string value at most 100)
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100


def check_choices(data: Mapping[str, Any]) -> None:
    """The choices of an autocomplete result (interaction callback type 8).

    Raises:
        Refusal: 400/50035.
    """
    choices = list(data.get("choices") or [])
    problems = _max_items(("choices",), choices, CHOICES_MAX)
    for n, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name") or "")) <= CHOICE_TEXT_MAX:
            problems.append(
                (("choices", n, "name"), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {CHOICE_TEXT_MAX} in length.")
            )
        problems += _max_length(("choices", n, "value"), choice.get("value"), CHOICE_TEXT_MAX)
    _raise(problems)


# -- application commands ---------------------------------------------------------------------------------------

# https://discord.com/developers/docs/interactions/application-commands#application-command-object
COMMANDS_MAX = 100  # global or per-server chat-input commands
OPTIONS_MAX = 25  # options of a command, and subcommands of a group
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")  # lower case where the script has case
COMMAND_DESCRIPTION_MAX = 100


def check_commands(commands: Sequence[Mapping[str, Any]]) -> None:
    """A bulk overwrite of application commands (``PUT /applications/{id}/commands``)."""
    problems = _max_items((), commands, COMMANDS_MAX)
    problems += _unique((), commands)
    for n, command in enumerate(commands):
        problems += _command((n,), command)
    _raise(problems)


def _command(at: tuple[str | int, ...], item: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    name = str(item.get("name", ""))
    if not COMMAND_NAME.match(name) or name != name.lower():
        problems.append(((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
    description = str(item.get("description", ""))
    if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
        problems.append(((*at, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    options = list(item.get("options") or [])
    problems += _max_items((*at, "options"), options, OPTIONS_MAX)
    problems += _unique((*at, "options"), options)
    required_after_optional = False
    seen_optional = False
    for n, option in enumerate(options):
        problems += _command((*at, "options", n), option)
        if option.get("type") in (1, 2):
            continue  # a subcommand or group: its own options are checked above
        if option.get("required"):
            required_after_optional |= seen_optional
        else:
            seen_optional = True
    if required_after_optional:
        problems.append(
            (
                (*at, "options"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        )
    return problems


def _unique(at: tuple[str | int, ...], items: Sequence[Mapping[str, Any]]) -> list[Problem]:
    names = [str(item.get("name", "")) for item in items]
    if len(set(names)) != len(names):
        return [(at, "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")]
    return []


# -- mentions ---------------------------------------------------------------------------------------------------


def live_mentions(body: Mapping[str, Any]) -> list[str]:
    """What a sent message would ping: ``everyone``, ``role:ID``, ``user:ID`` (empty when nothing would).

    Without ``allowed_mentions`` Discord parses every mention in the content
    (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
    """
    content = str(body.get("content") or "")
    allowed = body.get("allowed_mentions")
    parse = {"everyone", "roles", "users"} if allowed is None else set(allowed.get("parse") or [])
    users = set((allowed or {}).get("users") or [])
    roles = set((allowed or {}).get("roles") or [])
    found: list[str] = []
    if "everyone" in parse and re.search(r"@(everyone|here)", content):
        found.append("everyone")
    found += [f"role:{r}" for r in re.findall(r"<@&(\d+)>", content) if "roles" in parse or r in roles]
    found += [f"user:{u}" for u in re.findall(r"<@!?(\d+)>", content) if "users" in parse or u in users]
    return found
