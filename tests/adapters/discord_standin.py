"""A loopback stand-in for Discord: the REST API and a zlib-stream gateway, enough for the unchanged discord.py client.

Payloads come from tests/fixtures/discord/ (Discord's documented shapes); this module is the one place that knows
them. The stand-in records every REST call the bot makes, so tests assert on what would have reached Discord.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discord"
BOT_ID = "1100000000000000001"
GUILD_ID = "1200000000000000001"
HELP_CHANNEL = "1500000000000000001"
STAFF_ROLE = "1400000000000000001"
MEMBER_ID = "1300000000000000001"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]


@dataclass
class DiscordStandIn:
    """Start with :meth:`start`; ``api_url`` and ``gateway_url`` are what discord.py gets pointed at."""

    calls: list[Call] = field(default_factory=list)
    identify: dict[str, Any] = field(default_factory=dict)
    _ws: web.WebSocketResponse | None = None
    _compress: Any = None
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1900000000000000001))
    _runner: web.AppRunner | None = None
    port: int = 0
    new_call: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- gateway ---------------------------------------------------------------------------------------------

    async def _send(self, payload: dict[str, Any]) -> None:
        assert self._ws is not None
        data = self._compress.compress(json.dumps(payload).encode()) + self._compress.flush(zlib.Z_SYNC_FLUSH)
        await self._ws.send_bytes(data)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push a gateway event (MESSAGE_CREATE, INTERACTION_CREATE, ...) to the bot."""
        await self._send({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws, self._compress = ws, zlib.compressobj()
        await self._send({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for message in ws:
            payload = json.loads(message.data)
            if payload["op"] == 2:  # IDENTIFY
                self.identify = payload["d"]
                ready = fixture("ready")
                ready["resume_gateway_url"] = self.gateway_url
                await self.dispatch("READY", ready)
                await self.dispatch("GUILD_CREATE", fixture("guild_create"))
            elif payload["op"] == 1:  # heartbeat
                await self._send({"op": 11})
        return ws

    # -- REST -----------------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                elif part.name:  # type: ignore[union-attr]
                    data = bytes(await part.read())  # type: ignore[union-attr]  # files may be binary (PNG)
                    body.setdefault("_files", []).append(data.decode(errors="replace"))
                    body.setdefault("_uploads", []).append((part.filename, data))  # type: ignore[union-attr]
        async with self.new_call:
            self.calls.append(Call(request.method, path, body))
            self.new_call.notify_all()
        return self._json(self._answer(request.method, path, body))

    @staticmethod
    def _json(data: Any) -> web.Response:
        # discord.py parses JSON only when the Content-Type is exactly application/json.
        return web.Response(body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    def _answer(self, method: str, path: str, body: dict[str, Any]) -> Any:
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
            return []
        if path.endswith("/callback"):
            return {"interaction": {"id": path.split("/")[2], "type": 2}}
        if path == "/users/@me/channels":
            user = {"id": str(body.get("recipient_id")), "username": "member", "discriminator": "0", "avatar": None}
            return {"id": "1550000000000000001", "type": 1, "recipients": [user]}
        if path.startswith("/users/"):
            uid = path.split("/")[2]
            return {"id": uid, "username": f"user{uid[-3:]}", "discriminator": "0", "avatar": None}
        if path.startswith("/channels/") and method == "GET":
            cid = path.split("/")[2]
            return {"id": cid, "type": 0, "guild_id": GUILD_ID, "name": "x", "position": 0, "permission_overwrites": []}
        if "/messages" in path or path.startswith("/webhooks/"):
            channel = path.split("/")[2] if path.startswith("/channels/") else HELP_CHANNEL
            return self.message(channel, body)
        return {}

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
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": body.get("flags") or 0,
        }

    async def wait_for(self, predicate: Any) -> Call:
        """The first recorded call (past or future) that ``predicate`` accepts."""

        def found() -> Call | None:
            return next((c for c in self.calls if predicate(c)), None)

        async with asyncio.timeout(5), self.new_call:
            await self.new_call.wait_for(lambda: found() is not None)
        call = found()
        assert call is not None
        return call
