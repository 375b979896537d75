"""Slack HTTP mode under load: signed events at stepped rates, and a large unsigned body beside /healthz.

    python benchmarks/slack_load.py [--rates 20,50,100,200] [--seconds 5] [--postgres URL]

Runs the real adapter (slack-bolt, signature checks, event_id dedupe in the database) on a loopback port and the
strict Slack stand-in from the tests as the Web API. Each step sends signed ``message.im`` events (a question, each
in its own DM channel) at a fixed rate for a bounded time, then waits for the answers. It prints, per rate: events
sent, acknowledgement latency p50/p99 (the HTTP 200 Slack waits for), and how many events got exactly one answer
(none missing, none doubled). Then it sends unsigned 1 MiB bodies while timing ``GET /healthz``: the refusal must
not hold /healthz up beyond 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.slack.app import SlackAdapter
from bot.main.wiring import BotApp
from bot.settings import Settings
from tests.adapters.slack_standin import SECRET, SlackApi, serving

QUESTION = "how long should a meeting be"
HEALTHZ_BUDGET = 0.100


def signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest,
        "Content-Type": "application/json",
    }


def event(step: int, n: int) -> bytes:
    channel = f"D{step:03d}X{n:06d}"
    payload = {
        "type": "event_callback",
        "team_id": "T0TEAM",
        "event_id": f"Ev{step:03d}X{n:06d}",
        "event": {
            "type": "message",
            "channel_type": "im",
            "user": "U0LOAD",
            "text": QUESTION,
            "ts": f"1710000000.{n:06d}",
            "channel": channel,
        },
    }
    return json.dumps(payload).encode()


async def one(session: aiohttp.ClientSession, url: str, body: bytes, acks: list[float], codes: Counter[int]) -> None:
    started = time.perf_counter()
    async with session.post(url, data=body, headers=signed(body)) as response:
        await response.read()
        codes[response.status] += 1
    acks.append(time.perf_counter() - started)


async def step(url: str, api: SlackApi, rate: int, seconds: float) -> dict[str, Any]:
    """Send ``rate`` events a second for ``seconds``; wait up to 60 s for the answers."""
    acks: list[float] = []
    codes: Counter[int] = Counter()
    total = int(rate * seconds)
    before = len(api.accepted)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:
        start = time.perf_counter()
        tasks = []
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(session, url, event(rate, n), acks, codes)))
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + 60
    prefix = f"D{rate:03d}X"
    while time.monotonic() < deadline:
        answers = Counter(
            p["channel"]
            for m, p in api.accepted[before:]
            if m == "chat.postMessage" and p["channel"].startswith(prefix)
        )
        if len(answers) >= total:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # any late duplicate
    answers = Counter(
        p["channel"] for m, p in api.accepted[before:] if m == "chat.postMessage" and p["channel"].startswith(prefix)
    )
    cuts = statistics.quantiles(acks, n=100) if len(acks) > 1 else acks * 99
    return {
        "rate": rate,
        "sent": total,
        "http_200": codes[200],
        "ack_p50_ms": round(cuts[49] * 1000, 1),
        "ack_p99_ms": round(cuts[98] * 1000, 1),
        "exactly_once": sum(1 for c in answers.values() if c == 1),
        "missing": total - len(answers),
        "doubled": sum(1 for c in answers.values() if c > 1),
        "refused_by_slack": len(api.calls) - len(api.accepted),
    }


async def healthz_beside_big_bodies(base: str, rounds: int = 5) -> dict[str, Any]:
    """Time /healthz alone, then while unsigned 1 MiB bodies are refused."""
    big = b"{" + b"a" * (1024**2 - 2) + b"}"
    async with aiohttp.ClientSession() as session:

        async def health() -> float:
            started = time.perf_counter()
            async with session.get(base + "/healthz") as response:
                await response.read()
            return time.perf_counter() - started

        alone = [await health() for _ in range(rounds)]
        beside: list[float] = []
        statuses: Counter[int] = Counter()
        for _ in range(rounds):
            posting = asyncio.ensure_future(
                session.post(base + "/slack/events", data=big, headers={"Content-Type": "application/json"})
            )
            await asyncio.sleep(0.005)  # the body is on its way
            beside.append(await health())
            async with await posting as response:
                statuses[response.status] += 1
    return {
        "healthz_alone_max_ms": round(max(alone) * 1000, 1),
        "healthz_beside_1MiB_max_ms": round(max(beside) * 1000, 1),
        "unsigned_1MiB_statuses": dict(statuses),
        "within_100ms": max(beside) <= HEALTHZ_BUDGET,
    }


async def main(rates: list[int], seconds: float, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database_url or f"sqlite+aiosqlite:///{tmp}/load.db")
        bot = BotApp(settings)
        await bot.start()
        async with serving() as api:
            adapter = SlackAdapter(
                bot.dispatcher.handle,
                "xoxb-load",
                SECRET,
                api.base_url + "/api/",
                health=bot.healthy,
                metrics=bot.metrics.render,
            )
            port = await adapter.start(host="127.0.0.1", port=0)
            base = f"http://127.0.0.1:{port}"
            ok = True
            try:
                for rate in rates:
                    result = await step(base + "/slack/events", api, rate, seconds)
                    print(json.dumps(result))
                    ok = ok and result["missing"] == 0 and result["doubled"] == 0
                health = await healthz_beside_big_bodies(base)
                print(json.dumps(health))
                ok = ok and bool(health["within_100ms"])
            finally:
                await adapter.stop()
                await bot.close()
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="20,50,100,200", help="events per second, comma separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each rate is held")
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of a SQLite file")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    sys.exit(asyncio.run(main(rates, args.seconds, args.postgres)))
