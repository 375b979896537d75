"""A strict loopback stand-in for Slack's Web API: it refuses what Slack refuses, in Slack's own error shapes.

Serve it with :func:`serving` (aiohttp on 127.0.0.1, port 0) and point ``AsyncWebClient(base_url=api_url)`` at it.
Every call is recorded (``calls``, :meth:`SlackApi.of`, :meth:`SlackApi.wait_for`). Refusals are answered as Slack
answers them: HTTP 200 with ``{"ok": false, "error": CODE}``, plus ``errors`` / ``response_metadata.messages`` naming
the JSON pointer for Block Kit problems; 429 with ``Retry-After`` for rate limits.

Each limit cites the Slack page that documents it. Limits live in this module only, so a platform change is one edit.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
from aiohttp import web

# -- limits, with the page that documents each -----------------------------------------------------------------
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
# https://api.slack.com/methods/files.getUploadURLExternal and https://api.slack.com/messaging/files (1 GB a file)
MAX_FILE_BYTES = 1024**3

_TEXT_TYPES = {"plain_text", "mrkdwn"}
_BLOCK_TYPES = {"section", "header", "context", "actions", "divider", "input", "image"}


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


def refusal(error: str, messages: list[str] | None = None, status: int = 200) -> web.Response:
    """Slack's shape for a refused call."""
    body: dict[str, Any] = {"ok": False, "error": error}
    if messages:
        body["errors"] = messages
        body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in messages]}
    return web.json_response(body, status=status)


class SlackApi:
    """The stand-in: records calls, checks them as Slack does, and can be told to fail, rate-limit or hang.

    Attributes:
        calls: every ``(method, params)`` received, refused or not.
        accepted: the calls Slack would have accepted (what users see).
        rate_limit_next: methods whose next call gets 429 with ``Retry-After: 1``.
        fail_next: method -> ``(http status, error code)`` for its next call (e.g. ``(500, "internal_error")``).
        hang: when set, ``apps.connections.open`` never answers (a Slack that does not respond).
        uploads: file id -> bytes received at the upload URL.
        max_file_bytes: the upload size limit (Slack's 1 GB by default; smaller in tests).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.accepted: list[tuple[str, dict[str, Any]]] = []
        self.app = web.Application(client_max_size=64 * 1024**2)
        self.app.router.add_post("/api/{method}", self._call)
        self.app.router.add_get("/api/{method}", self._call)
        self.app.router.add_post("/upload/{file_id}", self._upload)
        self.app.router.add_get("/link", self._socket)
        self.envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.acks: list[dict[str, Any]] = []
        self.acked = asyncio.Event()
        self.base_url = ""
        self.ws_url = ""
        self.rate_limit_next: set[str] = set()
        self.fail_next: dict[str, tuple[int, str]] = {}
        self.hang = False
        self.missing_channels: set[str] = set()
        self.max_file_bytes = MAX_FILE_BYTES
        self.uploads: dict[str, bytes] = {}
        self._declared: dict[str, int] = {}
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._ids = itertools.count(1)

    # -- test helpers -------------------------------------------------------------------------------------------

    def trigger(self, age: float = 0.0) -> str:
        """A fresh trigger id, as Slack puts in a slash command or button press, issued ``age`` seconds ago."""
        trigger_id = f"{next(self._ids)}.5678.trig"
        self._triggers[trigger_id] = time.monotonic() - age
        return trigger_id

    def of(self, method: str, *, refused: bool = False) -> list[dict[str, Any]]:
        """The params of every call to ``method`` Slack would have accepted (with ``refused``: every call)."""
        return [params for name, params in (self.calls if refused else self.accepted) if name == method]

    async def wait_for(
        self, method: str, count: int = 1, within: float = 5.0, *, refused: bool = False
    ) -> list[dict[str, Any]]:
        """Poll until ``count`` accepted calls (with ``refused``: any calls) to ``method`` arrived."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(self.of(method, refused=refused)) >= count:
                return self.of(method, refused=refused)
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {self.calls}")

    # -- Socket Mode ---------------------------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, push queued envelopes, collect the acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})

        async def push() -> None:
            while True:
                await ws.send_json(await self.envelopes.get())

        pusher = asyncio.create_task(push())
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
                    self.acked.set()
        finally:
            pusher.cancel()
        return ws

    # -- Web API -------------------------------------------------------------------------------------------------

    async def _call(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        if method in self.rate_limit_next:
            # https://api.slack.com/apis/web-api/rate-limits (HTTP 429 with a Retry-After header, in seconds)
            self.rate_limit_next.discard(method)
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        if method in self.fail_next:
            status, error = self.fail_next.pop(method)
            return refusal(error, status=status)
        if method == "apps.connections.open" and self.hang:
            await asyncio.Event().wait()  # never answers; the client must give up or be stopped
        if not request.headers.get("Authorization", "").startswith("Bearer ") and "token" not in params:
            return refusal("not_authed")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        answer: web.Response = web.json_response({"ok": True}) if handler is None else await handler(params)
        if answer.status == 200 and answer.text is not None and json.loads(answer.text)["ok"]:
            self.accepted.append((method, params))
        return answer

    async def _auth_test(self, params: dict[str, Any]) -> web.Response:
        return web.json_response({"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0TEAM"})

    async def _usergroups_list(self, params: dict[str, Any]) -> web.Response:
        groups = [
            {"id": "S0STAFF", "team_id": "T0TEAM", "handle": "p2pu-staff", "users": ["U0SAM"]},
            {"id": "S0OTHER", "team_id": "T0TEAM", "handle": "gardeners", "users": ["U0ANN"]},
        ]
        return web.json_response({"ok": True, "usergroups": groups})

    async def _apps_connections_open(self, params: dict[str, Any]) -> web.Response:
        return web.json_response({"ok": True, "url": self.ws_url})

    async def _conversations_open(self, params: dict[str, Any]) -> web.Response:
        # https://api.slack.com/methods/conversations.open (users: a user id; returns the DM's channel id)
        users = str(params.get("users", ""))
        if not users.startswith(("U", "W")) or "," in users:
            return refusal("user_not_found")
        return web.json_response({"ok": True, "channel": {"id": "D" + users[1:]}})

    def _channel_problem(self, channel: Any) -> web.Response | None:
        # chat.postMessage takes a conversation id, a user id (the DM) or a channel name.
        if not channel or channel in self.missing_channels:
            return refusal("channel_not_found")
        return None

    def _message_problem(self, params: dict[str, Any]) -> web.Response | None:
        """chat.postMessage / chat.postEphemeral checks: https://api.slack.com/methods/chat.postMessage."""
        problem = self._channel_problem(params.get("channel"))
        if problem is not None:
            return problem
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        text = params.get("text") or ""
        if not text and not blocks:
            return refusal("no_text")
        if len(text) > MAX_MESSAGE_TEXT:
            return refusal("msg_too_long")
        if blocks is not None:
            errors = validate_blocks(blocks, MAX_MESSAGE_BLOCKS, surface="message")
            if errors:
                return refusal("invalid_blocks", errors)
        return None

    async def _chat_postMessage(self, params: dict[str, Any]) -> web.Response:
        problem = self._message_problem(params)
        if problem is not None:
            return problem
        ts = f"1710000999.{next(self._ids):06d}"
        return web.json_response({"ok": True, "ts": ts, "channel": params.get("channel")})

    async def _chat_postEphemeral(self, params: dict[str, Any]) -> web.Response:
        # https://api.slack.com/methods/chat.postEphemeral (user: required)
        if not params.get("user"):
            return refusal("invalid_arguments", ["missing required field: user"])
        if str(params.get("channel", "")).startswith(("U", "W")):
            return refusal("channel_not_found")  # an ephemeral goes to a conversation, not a user id
        problem = self._message_problem(params)
        return problem or web.json_response({"ok": True, "message_ts": f"1710000999.{next(self._ids):06d}"})

    async def _views_open(self, params: dict[str, Any]) -> web.Response:
        # https://api.slack.com/methods/views.open (trigger ids: single use, 3 s; errors below are Slack's)
        trigger_id = str(params.get("trigger_id", ""))
        if trigger_id in self._used_triggers:
            return refusal("exchanged_trigger_id")
        if trigger_id not in self._triggers:
            return refusal("invalid_trigger_id")
        if time.monotonic() - self._triggers[trigger_id] > TRIGGER_TTL:
            return refusal("expired_trigger_id")
        errors = validate_view(params.get("view") or {})
        if errors:
            return refusal("invalid_arguments", errors)
        self._used_triggers.add(trigger_id)
        return web.json_response({"ok": True, "view": {"id": f"V{next(self._ids)}"}})

    async def _views_publish(self, params: dict[str, Any]) -> web.Response:
        # https://api.slack.com/methods/views.publish
        if not params.get("user_id"):
            return refusal("invalid_arguments", ["missing required field: user_id"])
        errors = validate_view(params.get("view") or {})
        return refusal("invalid_arguments", errors) if errors else web.json_response({"ok": True})

    async def _files_getUploadURLExternal(self, params: dict[str, Any]) -> web.Response:
        # https://api.slack.com/methods/files.getUploadURLExternal (filename and length required, length > 0)
        try:
            length = int(params.get("length", 0))
        except ValueError:
            return refusal("invalid_arguments", ["length must be an integer"])
        if not params.get("filename") or length <= 0:
            return refusal("missing_argument")
        if length > self.max_file_bytes:
            return refusal("file_upload_size_restricted")
        file_id = f"F{next(self._ids):08d}"
        self._declared[file_id] = length
        return web.json_response({"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id})

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: the bytes must match the declared length."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.calls.append(("upload", {"file_id": file_id, "bytes": len(data)}))
        if file_id not in self._declared or len(data) != self._declared[file_id]:
            return web.Response(status=400, text="length does not match")
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _files_completeUploadExternal(self, params: dict[str, Any]) -> web.Response:
        # https://api.slack.com/methods/files.completeUploadExternal (channel_id: a conversation id)
        files = json.loads(params.get("files") or "[]")
        if not files or any(f.get("id") not in self.uploads for f in files):
            return refusal("file_not_found")
        channel = params.get("channel_id")
        if channel is not None and (not str(channel).startswith(("C", "D", "G")) or self._channel_problem(channel)):
            return refusal("channel_not_found")
        return web.json_response({"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]})


async def _params(request: web.Request) -> dict[str, Any]:
    """Arguments from the query string and the body (JSON, form-encoded or multipart), as Slack reads them."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "GET" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.content_type == "multipart/form-data":
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    else:
        params.update({k: v[0] for k, v in parse_qs(await request.text()).items()})
    return params


@asynccontextmanager
async def serving(api: SlackApi | None = None) -> AsyncIterator[SlackApi]:
    """Serve ``api`` (a new stand-in by default) on a free loopback port; ``api.base_url + "/api/"`` is its URL."""
    api = api or SlackApi()
    runner = web.AppRunner(api.app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    api.base_url = f"http://127.0.0.1:{port}"
    api.ws_url = f"ws://127.0.0.1:{port}/link"
    try:
        yield api
    finally:
        await runner.cleanup()


# -- the other side: signed requests into the bot, as Slack sends them ---------------------------------------------

SECRET = "test-signing-secret"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"


def fixture(name: str) -> dict[str, Any]:
    """A saved Slack payload (tests/fixtures/slack)."""
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


async def post(
    url: str,
    body: str | bytes,
    content_type: str,
    *,
    secret: str = SECRET,
    age: int = 0,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST ``body`` signed as Slack signs it (https://api.slack.com/authentication/verifying-requests-from-slack)."""
    raw = body.encode() if isinstance(body, str) else body
    timestamp = str(int(time.time()) - age)
    signature = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    sent = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
        **(headers or {}),
    }
    async with aiohttp.ClientSession() as session, session.post(url, data=raw, headers=sent) as response:
        return response.status, await response.text()


async def post_event(url: str, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
    """A signed Events API callback."""
    return await post(url, json.dumps(payload), "application/json", **kw)


async def post_form(url: str, fields: Mapping[str, str | bytes], **kw: Any) -> tuple[int, str]:
    """A signed slash command, or an interaction (``{"payload": json}``)."""
    return await post(url, urlencode(fields), "application/x-www-form-urlencoded", **kw)
