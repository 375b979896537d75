"""A strict loopback stand-in for Discord: the REST API and a zlib-stream gateway, for the unchanged discord.py client.

It refuses what Discord refuses, in Discord's own error shapes (the rules, with the docs they come from, are in
discord_rules.py, and discord_event_rules.py for scheduled events): oversized or malformed messages, embeds, buttons and
modals (400/50035), an interaction answered late or twice (10062 / 40060), follow-ups before the answer, files over the
size limit (413/40005), privileged intents the app was not granted (gateway close 4014), and, without the
message-content intent, it blanks guild messages that do not mention the bot, as Discord does. Tests can make it answer
429 (with ``retry_after`` and the ``Via`` header discord.py needs), fail a route, or drop off the network and come back.

Payloads come from tests/fixtures/discord/ (Discord's documented shapes); this module is the one place that knows
them. Every REST call is recorded with the status it got, so tests assert on what would have reached Discord.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.adapters.discord_event_rules import check_scheduled_event
from tests.adapters.discord_rules import (
    ATTACHMENT_MAX,
    Refusal,
    check_callback,
    check_commands,
    check_message,
    error,
    invalid_form_body,
    live_mentions,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discord"
BOT_ID = "1100000000000000001"
GUILD_ID = "1200000000000000001"
OTHER_GUILD_ID = "1200000000000000099"  # a server the bot is in that the settings do not name
HELP_CHANNEL = "1500000000000000001"
STAFF_CHANNEL = "1500000000000000002"
FORUM_CHANNEL = "1500000000000000003"  # a forum (type 15) with the tags "Solved", "Needs a human" and "Venues"
MAX_THREAD_TAGS = 5  # https://discord.com/developers/docs/resources/channel#modify-channel-json-params-thread
STAFF_ROLE = "1400000000000000001"
MEMBER_ID = "1300000000000000001"

# https://discord.com/developers/docs/topics/gateway#privileged-intents
PRIVILEGED = {"members": 1 << 1, "presences": 1 << 8, "message_content": 1 << 15}
# https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
RESPONSE_WINDOW = 3.0  # seconds to send the first response
FOLLOWUP_WINDOW = 15 * 60.0  # seconds the token stays valid for follow-ups


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


OTHER_STAFF_ROLE = "1400000000000000099"  # named "Staff", like the staff role, in the other server
OTHER_CHANNEL = "1500000000000000099"


def other_guild() -> dict[str, Any]:
    """A second server the bot is in, not named in the settings, with a role named like the staff role."""
    guild = fixture("guild_create")
    guild.update(id=OTHER_GUILD_ID, name="Someone else's server", owner_id="1300000000000000098")
    guild["roles"] = [
        dict(guild["roles"][0], id=OTHER_GUILD_ID),
        dict(guild["roles"][1], id=OTHER_STAFF_ROLE, name="Staff"),
    ]
    guild["channels"] = [dict(guild["channels"][0], id=OTHER_CHANNEL, name="general")]
    return guild


def wire(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The JSON body discord.py sends for ``send(**kwargs)`` (content, one embed, a view, allowed mentions)."""
    body: dict[str, Any] = {"allowed_mentions": kwargs["allowed_mentions"].to_dict()}
    if "content" in kwargs:
        body["content"] = kwargs["content"]
    if "embed" in kwargs:
        body["embeds"] = [kwargs["embed"].to_dict()]
    if "view" in kwargs:
        body["components"] = kwargs["view"].to_components()
    return body


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    status: int = 200
    answer: Any = None
    files: list[bytes] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.status >= 300


@dataclass
class _Interaction:
    token: str
    at: float
    size_limit: int
    acked: bool = False


@dataclass
class _Fault:
    matches: Callable[[str, str], bool]
    times: int
    refusal: Refusal


@dataclass
class DiscordStandIn:
    """Start with :meth:`start`; ``api_url`` and ``gateway_url`` are what discord.py gets pointed at.

    Attributes:
        privileged: privileged intents enabled for the app (as in the developer portal), by name.
        response_window: seconds an interaction may wait for its first response (Discord: 3).
        attachment_limit: bytes per file outside interactions (interactions carry their own limit).
        allow_refusals: a test that provokes refusals sets it; otherwise the ``bot`` fixture fails on any.
        commands: the application commands last synced, by API path (checked as Discord checks them).
        manage_events: the bot has Manage Events in the servers (else scheduled-event calls get 403, code 50013).
        events: scheduled events by id, as Discord holds them.
        now: the instant Discord compares event times with (the real clock when None).
    """

    calls: list[Call] = field(default_factory=list)
    identify: dict[str, Any] = field(default_factory=dict)
    privileged: set[str] = field(default_factory=set)
    response_window: float = RESPONSE_WINDOW
    attachment_limit: int = ATTACHMENT_MAX
    allow_refusals: bool = False
    closes: list[int] = field(default_factory=list)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # synced commands, by API path
    port: int = 0
    new_call: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ws: web.WebSocketResponse | None = None
    _gateway_request: web.Request | None = None
    _compress: Any = None
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1900000000000000001))
    _runner: web.AppRunner | None = None
    _interactions: dict[str, _Interaction] = field(default_factory=dict)
    _faults: list[_Fault] = field(default_factory=list)
    _nonces: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _channels: set[str] = field(default_factory=lambda: {HELP_CHANNEL, STAFF_CHANNEL, OTHER_CHANNEL, FORUM_CHANNEL})
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # thread id -> its channel object
    _updates: set[asyncio.Future[None]] = field(default_factory=set)
    manage_events: bool = True
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    now: datetime | None = None
    identified: asyncio.Event = field(default_factory=asyncio.Event)

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def kill_network(self) -> None:
        """Drop every connection without a goodbye and stop listening, as when the network goes away."""
        if self._gateway_request is not None and self._gateway_request.transport is not None:
            self._gateway_request.transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restore_network(self) -> None:
        """Listen again on the same port."""
        self.identified.clear()
        await self.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- faults tests inject ----------------------------------------------------------------------------------

    def rate_limit(self, path_part: str, retry_after: float = 0.2, times: int = 1) -> None:
        """The next ``times`` calls whose path contains ``path_part`` get 429 (as Discord's edge sends it).

        https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit
        """
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "standin-bucket",
            "X-RateLimit-Scope": "user",
            "Via": "1.1 google",  # discord.py takes a 429 without Via for a Cloudflare ban
        }
        self._faults.append(_Fault(lambda m, p: path_part in p, times, Refusal(429, body, headers)))

    def fail(self, path_part: str, refusal: Refusal, times: int = 1) -> None:
        """The next ``times`` calls whose path contains ``path_part`` get ``refusal``."""
        self._faults.append(_Fault(lambda m, p: path_part in p, times, refusal))

    # -- gateway ---------------------------------------------------------------------------------------------

    async def _send(self, payload: dict[str, Any]) -> None:
        assert self._ws is not None
        data = self._compress.compress(json.dumps(payload).encode()) + self._compress.flush(zlib.Z_SYNC_FLUSH)
        await self._ws.send_bytes(data)

    def _intents(self) -> int:
        return int(self.identify.get("intents", 0))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push a gateway event (MESSAGE_CREATE, INTERACTION_CREATE, ...) to the bot, as Discord would deliver it."""
        data = copy.deepcopy(data)
        if event == "MESSAGE_CREATE":
            data = self._without_content(data)
        elif event == "INTERACTION_CREATE":
            self.expect_interaction(str(data["id"]), str(data["token"]), data.get("attachment_size_limit"))
        await self._send({"op": 0, "t": event, "s": next(self._seq), "d": data})

    def expect_interaction(self, interaction_id: str, token: str, size_limit: int | None = None) -> None:
        """Register an interaction as created now (``dispatch`` does it for INTERACTION_CREATE)."""
        limit = int(size_limit or self.attachment_limit)
        self._interactions[interaction_id] = _Interaction(token, time.monotonic(), limit)

    async def forum_post(self, thread_id: str, message: dict[str, Any], title: str = "A question") -> None:
        """A member opens a post in the forum: THREAD_CREATE, then the post's first message, whose id is the
        thread's (https://discord.com/developers/docs/resources/channel#start-thread-in-forum-or-media-channel)."""
        author = message["author"]
        thread = {
            "id": thread_id,
            "type": 11,
            "guild_id": GUILD_ID,
            "parent_id": FORUM_CHANNEL,
            "owner_id": author["id"],
            "name": title,
            "last_message_id": thread_id,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2026-11-27T10:00:00+00:00",
                "locked": False,
                "create_timestamp": "2026-11-27T10:00:00+00:00",
            },
        }
        self.threads[thread_id] = thread
        self._channels.add(thread_id)
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await self.dispatch("MESSAGE_CREATE", {**message, "id": thread_id, "channel_id": thread_id})

    def _edit_thread(self, thread: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /channels/{thread}``: ``applied_tags`` only in a forum's post, at most five, each one of the
        forum's own tags; refused otherwise with 50035 naming the field."""
        if "applied_tags" in body:
            tags = [str(t) for t in body["applied_tags"] or []]
            forum = next((c for c in fixture("guild_create")["channels"] if c["id"] == thread["parent_id"]), None)
            known = {str(t["id"]) for t in (forum or {}).get("available_tags", [])}
            problems: list[tuple[tuple[str | int, ...], str, str]] = []
            if len(tags) > MAX_THREAD_TAGS:
                problems.append((("applied_tags",), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
            for n, tag in enumerate(tags):
                if tag not in known:
                    problems.append((("applied_tags", n), "CHANNEL_TAG_INVALID", "Tag is not available in this forum."))
            if problems:
                raise invalid_form_body(problems)
            thread["applied_tags"] = tags
        # Discord tells every client of the change (https://discord.com/developers/docs/events/gateway-events#thread-update)
        if self._ws is not None:
            self._updates.add(asyncio.ensure_future(self.dispatch("THREAD_UPDATE", copy.deepcopy(thread))))
        return thread

    def _without_content(self, data: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent, guild messages reach the bot with no text unless they mention it.

        https://discord.com/developers/docs/topics/gateway#message-content-intent
        """
        granted = self._intents() & PRIVILEGED["message_content"]
        mentioned = any(str(m.get("id")) == BOT_ID for m in data.get("mentions", []))
        from_bot = str((data.get("author") or {}).get("id")) == BOT_ID
        if granted or data.get("guild_id") is None or mentioned or from_bot:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws, self._compress, self._gateway_request = ws, zlib.compressobj(), request
        await self._send({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for message in ws:
            payload = json.loads(message.data)
            if payload["op"] == 2:  # IDENTIFY
                self.identify = payload["d"]
                if not await self._intents_allowed(ws):
                    break
                ready = fixture("ready")
                ready["resume_gateway_url"] = self.gateway_url
                await self.dispatch("READY", ready)
                await self.dispatch("GUILD_CREATE", fixture("guild_create"))
                await self.dispatch("GUILD_CREATE", other_guild())
                self.identified.set()
            elif payload["op"] == 6:  # RESUME: this stand-in keeps no sessions; the client identifies again
                await self._send({"op": 9, "d": False})
            elif payload["op"] == 1:  # heartbeat
                await self._send({"op": 11})
        return ws

    async def _intents_allowed(self, ws: web.WebSocketResponse) -> bool:
        """Close 4014 "Disallowed intent(s)" when a privileged intent was not enabled for the app.

        https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
        """
        asked = {name for name, bit in PRIVILEGED.items() if self._intents() & bit}
        if asked <= self.privileged:
            return True
        self.closes.append(4014)
        await ws.close(code=4014, message=b"Disallowed intent(s).")
        return False

    # -- REST -----------------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await self._read(request)
        headers: dict[str, str] = {}
        try:
            self._inject(request.method, path)
            status, answer = 200, self._answer(request.method, path, body, files)
        except Refusal as refusal:
            status, answer, headers = refusal.status, refusal.body, refusal.headers
        async with self.new_call:
            self.calls.append(Call(request.method, path, body, status, answer, files))
            self.new_call.notify_all()
        return self._json(answer, status, headers)

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], list[bytes]]:
        body: dict[str, Any] = {}
        files: list[bytes] = []
        names: list[str | None] = []
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                elif part.name:  # type: ignore[union-attr]
                    files.append(bytes(await part.read()))  # type: ignore[union-attr]  # may be binary (PNG)
                    names.append(part.filename)  # type: ignore[union-attr]
        if files:
            body["_uploads"] = list(zip(names, files, strict=True))
        return body, files

    def _inject(self, method: str, path: str) -> None:
        for fault in self._faults:
            if fault.times > 0 and fault.matches(method, path):
                fault.times -= 1
                raise fault.refusal

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # discord.py parses JSON only when the Content-Type is exactly application/json.
        return web.Response(
            status=status,
            body=json.dumps(data).encode(),
            headers={**(headers or {}), "Content-Type": "application/json"},
        )

    def _answer(self, method: str, path: str, body: dict[str, Any], files: list[bytes]) -> Any:
        if path.startswith("/interactions/"):
            return self._callback(path, body, files)
        if path.startswith("/webhooks/"):
            return self._followup(method, path, body, files)
        if path.startswith("/channels/"):
            return self._channel(method, path, body, files)
        if path.startswith("/guilds/") and "/scheduled-events" in path:
            return self._scheduled_event(method, path, body)
        return self._account(method, path, body)

    def _scheduled_event(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """``/guilds/{guild}/scheduled-events[/{id}]``: POST, PATCH and DELETE, with Manage Events, as Discord checks
        them (https://discord.com/developers/docs/resources/guild-scheduled-event)."""
        parts = path.split("/")  # "", "guilds", guild, "scheduled-events"[, id]
        guild = parts[2]
        if guild not in (GUILD_ID, OTHER_GUILD_ID):
            raise error(404, 10004, "Unknown Guild")
        if not self.manage_events:
            raise error(403, 50013, "Missing Permissions")
        now = self.now or datetime.now(UTC)
        if method == "POST" and len(parts) == 4:
            check_scheduled_event(body, now)
            event = {
                "id": str(next(self._ids)),
                "guild_id": guild,
                "channel_id": None,
                "creator_id": BOT_ID,
                "entity_id": None,
                "status": 1,
                "description": None,
                **body,
            }
            self.events[event["id"]] = event
            return event
        existing = self.events.get(parts[4]) if len(parts) == 5 else None
        if existing is None or existing["guild_id"] != guild:
            raise error(404, 10070, "Unknown Guild Scheduled Event")
        if method == "PATCH":
            check_scheduled_event(body, now, existing)
            existing.update(body)
            return existing
        if method == "DELETE":
            del self.events[parts[4]]
            return None
        raise error(405, 0, "405: Method Not Allowed")

    def _account(self, method: str, path: str, body: dict[str, Any]) -> Any:
        ready = fixture("ready")
        if path == "/users/@me":
            return ready["user"]
        if path == "/oauth2/applications/@me":
            return {
                "id": BOT_ID,
                "name": "communitybot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": {"id": "1300000000000000009", "username": "owner", "discriminator": "0", "avatar": None},
                "team": None,
            }
        if path.endswith("/commands") and method == "PUT":
            check_commands(body if isinstance(body, list) else [])
            self.commands[path] = list(body) if isinstance(body, list) else []
            return []
        if path == "/users/@me/channels":
            recipient = str(body.get("recipient_id"))
            channel = "155" + recipient[3:]
            self._channels.add(channel)
            user = {"id": recipient, "username": "member", "discriminator": "0", "avatar": None}
            return {"id": channel, "type": 1, "recipients": [user]}
        if path.startswith("/users/"):
            uid = path.split("/")[2]
            return {"id": uid, "username": f"user{uid[-3:]}", "discriminator": "0", "avatar": None}
        return {}

    def _callback(self, path: str, body: dict[str, Any], files: list[bytes]) -> Any:
        """``POST /interactions/{id}/{token}/callback``: once, within the window, with a payload Discord accepts."""
        _, _, iid, token, _ = path.split("/")
        pending = self._interactions.get(iid)
        if pending is None or pending.token != token or time.monotonic() - pending.at > self.response_window:
            raise error(404, 10062, "Unknown interaction")
        if pending.acked:
            raise error(400, 40060, "Interaction has already been acknowledged.")
        check_callback(body, [len(f) for f in files], pending.size_limit)
        pending.acked = True
        return {"interaction": {"id": iid, "type": 2}}

    def _interaction_by_token(self, token: str) -> _Interaction | None:
        return next((i for i in self._interactions.values() if i.token == token), None)

    def _followup(self, method: str, path: str, body: dict[str, Any], files: list[bytes]) -> Any:
        """``/webhooks/{app}/{token}[/messages/...]``: only after the first response, for 15 minutes."""
        token = path.split("/")[3]
        pending = self._interaction_by_token(token)
        if pending is None or not pending.acked or time.monotonic() - pending.at > FOLLOWUP_WINDOW:
            raise error(404, 10015, "Unknown Webhook")
        if method == "POST":
            check_message(body, [len(f) for f in files], pending.size_limit)
        return self.message(HELP_CHANNEL, body)

    def _channel(self, method: str, path: str, body: dict[str, Any], files: list[bytes]) -> Any:
        cid = path.split("/")[2]
        if cid not in self._channels:
            raise error(404, 10003, "Unknown Channel")
        if cid in self.threads and path == f"/channels/{cid}" and method in ("GET", "PATCH"):
            return self._edit_thread(self.threads[cid], body) if method == "PATCH" else self.threads[cid]
        if method == "PATCH" and path == f"/channels/{cid}" and "applied_tags" in body:
            # https://discord.com/developers/docs/resources/channel#modify-channel: tags belong to forum posts only
            raise invalid_form_body([(("applied_tags",), "BASE_TYPE_BAD_CHANNEL", "Not a thread in a forum.")])
        if method == "GET" and path == f"/channels/{cid}":
            return {"id": cid, "type": 0, "guild_id": GUILD_ID, "name": "x", "position": 0, "permission_overwrites": []}
        if method == "POST" and path == f"/channels/{cid}/messages":
            check_message(body, [len(f) for f in files], self.attachment_limit)
            nonce = body.get("nonce")
            if body.get("enforce_nonce") and nonce is not None and (cid, str(nonce)) in self._nonces:
                # https://discord.com/developers/docs/resources/message#create-message (enforce_nonce)
                return self._nonces[(cid, str(nonce))]
            message = self.message(cid, body)
            if nonce is not None:
                self._nonces[(cid, str(nonce))] = message
            return message
        return self.message(cid, body)

    def message(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel,
            "type": 0,
            "content": body.get("content") or "",
            "author": copy.deepcopy(fixture("ready")["user"]),
            "timestamp": "2026-11-27T10:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": "everyone" in live_mentions(body),
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": body.get("flags") or 0,
            "nonce": body.get("nonce"),
        }

    # -- what tests look at ---------------------------------------------------------------------------------

    @property
    def refused(self) -> list[Call]:
        return [c for c in self.calls if c.refused]

    @property
    def sent(self) -> list[Call]:
        """Messages Discord accepted: channel posts, interaction responses with a message, follow-ups."""
        return [
            c
            for c in self.calls
            if not c.refused
            and c.method == "POST"
            and (c.path.endswith("/messages") or c.path.startswith("/webhooks/") or c.body.get("type") in (4, 7))
        ]

    async def wait_for(self, predicate: Any, *, accepted: bool = True, seconds: float = 5) -> Call:
        """The first recorded call (past or future) that ``predicate`` accepts (and Discord accepted, by default)."""

        def found() -> Call | None:
            return next((c for c in self.calls if predicate(c) and (not accepted or not c.refused)), None)

        async with asyncio.timeout(seconds), self.new_call:
            await self.new_call.wait_for(lambda: found() is not None)
        call = found()
        assert call is not None
        return call
