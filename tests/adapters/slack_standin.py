"""A strict loopback stand-in for Slack's Web API: it refuses what Slack refuses, in Slack's own error shapes.

Serve it with :func:`serving` (aiohttp on 127.0.0.1, port 0) and point ``AsyncWebClient(base_url=api_url)`` at it.
Every call is recorded (``calls``, :meth:`SlackApi.of`, :meth:`SlackApi.wait_for`). Refusals are answered as Slack
answers them: HTTP 200 with ``{"ok": false, "error": CODE}``, plus ``errors`` / ``response_metadata.messages`` naming
the JSON pointer for Block Kit problems; 429 with ``Retry-After`` for rate limits. Socket Mode connections can be
dropped and refused for a while (:meth:`SlackApi.go_offline`), as when the network goes away.

The other direction, signed requests into the bot (:func:`post`), holds the bot to Slack's acknowledgement time: a
request not answered within three seconds fails as it does for the user (:class:`NotAcknowledged`).

Each limit cites the Slack page that documents it; the Block Kit and view limits live in ``slack_blockkit.py``, the
methods' own rules here, so a platform change is one edit.
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
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import aiohttp
from aiohttp import web

from tests.adapters.slack_blockkit import (
    ACK_WITHIN,
    MAX_BLOCKS_TEXT,
    MAX_FILE_BYTES,
    MAX_MESSAGE_BLOCKS,
    MAX_MESSAGE_TEXT,
    TRIGGER_TTL,
    blocks_text_length,
    validate_blocks,
    validate_view,
)

if TYPE_CHECKING:
    from bot.main.wiring import BotApp

__all__ = [
    "ACK_WITHIN",
    "FOLLOW_UP_ANSWER",
    "MAX_BLOCKS_TEXT",
    "MAX_FILE_BYTES",
    "MAX_MESSAGE_BLOCKS",
    "MAX_MESSAGE_TEXT",
    "SECRET",
    "TRIGGER_TTL",
    "NotAcknowledged",
    "SlackApi",
    "answered",
    "fixture",
    "follow_up",
    "post",
    "post_event",
    "post_form",
    "refusal",
    "serving",
    "validate_blocks",
    "validate_view",
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
        offline: when set, ``apps.connections.open`` and the websocket URL answer 503 (no network to Slack).
        connections: how many Socket Mode websockets were opened.
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
        self.offline = False
        self.connections = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self.missing_channels: set[str] = set()
        self.max_file_bytes = MAX_FILE_BYTES
        self.uploads: dict[str, bytes] = {}
        self._declared: dict[str, int] = {}
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._ids = itertools.count(1)
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message, as Slack keeps them

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

    async def go_offline(self) -> None:
        """The network to Slack goes away: open websockets close, and new connections are refused until back."""
        self.offline = True
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        """Socket Mode: say hello, push queued envelopes, collect the acks."""
        if self.offline:
            return web.Response(status=503)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self._sockets.add(ws)
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
            self._sockets.discard(ws)
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
        if method == "apps.connections.open" and self.offline:
            return web.Response(status=503, text="no route to Slack")
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
            if blocks_text_length(blocks) > MAX_BLOCKS_TEXT:
                return refusal("msg_blocks_too_long")
        return None

    async def _chat_postMessage(self, params: dict[str, Any]) -> web.Response:
        problem = self._message_problem(params)
        if problem is not None:
            return problem
        ts = f"1710000999.{next(self._ids):06d}"
        channel = str(params.get("channel"))
        self.posted(channel, ts, "U0BOT", str(params.get("text") or ""), params.get("thread_ts") or None)
        return web.json_response({"ok": True, "ts": ts, "channel": channel})

    def posted(self, channel: str, ts: str, user: str, text: str = "", thread_ts: str | None = None) -> None:
        """A message now in ``channel`` (a person's, sent to the bot as an event too; or the bot's own)."""
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = self.messages.get((channel, thread_ts))
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
        self.messages[(channel, ts)] = message

    async def _conversations_replies(self, params: dict[str, Any]) -> web.Response:
        """https://api.slack.com/methods/conversations.replies: ``channel`` and ``ts`` (a thread's parent or any
        message in it) are required; the thread comes back parent first, ``limit`` messages at most."""
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if not channel or channel in self.missing_channels:
            return refusal("channel_not_found")
        if not ts:
            return refusal("invalid_arguments", ["missing required field: ts"])
        message = self.messages.get((channel, ts))
        if message is None:
            return refusal("thread_not_found")
        parent_ts = message.get("thread_ts", ts)
        thread = [
            m for (c, t), m in sorted(self.messages.items()) if c == channel and m.get("thread_ts", t) == parent_ts
        ]
        limit = int(params.get("limit") or 1000)
        return web.json_response({"ok": True, "messages": thread[:limit], "has_more": len(thread) > limit})

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


FOLLOW_UP_ANSWER = "How long and how often should a learning circle meet?"


def follow_up(n: int = 1) -> dict[str, Any]:
    """A fresh question in Ann's DM (its own event id), answered with :data:`FOLLOW_UP_ANSWER` in ``D0ANN``.

    Sent after a request that must not be answered, its answer shows the bot has dealt with what came before: count
    then, rather than after a fixed sleep.
    """
    event = fixture("message_im.json")
    event["event_id"] = f"Ev0FOLLOWUP{n}"
    event["event"]["ts"] = event["event"]["event_ts"] = f"1710000900.{n:06d}"
    return event


def answered(params: dict[str, Any]) -> tuple[str, str]:
    """Where a chat.postMessage went and its header (the recipe's title)."""
    header = next((b["text"]["text"] for b in params.get("blocks") or [] if b["type"] == "header"), "")
    return str(params["channel"]), header


class NotAcknowledged(AssertionError):
    """The bot did not answer a request within Slack's three seconds: Slack shows the user an error (a slash command
    "failed with the error operation_timeout", a modal "We had some trouble connecting") and, for events, retries."""


async def post(
    url: str,
    body: str | bytes,
    content_type: str,
    *,
    secret: str = SECRET,
    age: int = 0,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST ``body`` signed as Slack signs it (https://api.slack.com/authentication/verifying-requests-from-slack).

    Raises:
        NotAcknowledged: no response within :data:`ACK_WITHIN` seconds, after which Slack gives up.
    """
    raw = body.encode() if isinstance(body, str) else body
    timestamp = str(int(time.time()) - age)
    signature = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    sent = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
        **(headers or {}),
    }
    started = time.monotonic()
    try:
        async with asyncio.timeout(ACK_WITHIN):
            async with aiohttp.ClientSession() as session, session.post(url, data=raw, headers=sent) as response:
                return response.status, await response.text()
    except TimeoutError:
        waited = time.monotonic() - started
        raise NotAcknowledged(f"no answer within {waited:.1f} s (Slack waits {ACK_WITHIN} s)") from None


async def post_event(url: str, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
    """A signed Events API callback."""
    return await post(url, json.dumps(payload), "application/json", **kw)


async def post_form(url: str, fields: Mapping[str, str | bytes], **kw: Any) -> tuple[int, str]:
    """A signed slash command, or an interaction (``{"payload": json}``)."""
    return await post(url, urlencode(fields), "application/x-www-form-urlencoded", **kw)


def mrkdwn_texts(params: dict[str, Any]) -> list[str]:
    """Every text Slack parses for mentions and links: the top-level text and every mrkdwn text object."""
    found = [str(params.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    blocks = params.get("blocks")
    walk(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return found


@asynccontextmanager
async def bot_over_http(app: BotApp) -> AsyncIterator[tuple[str, SlackApi]]:
    """``app`` behind the Slack adapter in HTTP mode on a loopback port: its events URL and the Web API stand-in."""
    from adapters.slack.app import SlackAdapter

    async with serving() as api:
        adapter = SlackAdapter(app.dispatcher.handle, "xoxb-test", SECRET, api.base_url + "/api/")
        port = await adapter.start(host="127.0.0.1", port=0)
        try:
            yield f"http://127.0.0.1:{port}/slack/events", api
        finally:
            await adapter.stop()
