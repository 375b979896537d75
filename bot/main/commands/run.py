"""``communitybot run``: every configured adapter (Slack, Discord), the health endpoint and the scheduler."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError, UsageError
from bot.main.commands import Subparsers
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.main.wiring import BotApp
    from bot.service import HealthReport, Service

__all__ = ["add_parser", "main"]

log = logging.getLogger(__name__)


def add_parser(sub: Subparsers) -> None:
    """Add ``run`` and its options."""
    run = sub.add_parser("run", help="run every configured adapter (Slack, Discord) and the scheduler")
    run.add_argument(
        "platforms", nargs="*", metavar="PLATFORM", help="slack and/or discord (default: each whose token is set)"
    )
    run.add_argument("--http", action="store_true", help="serve Slack's Events API over HTTP at /slack/events")
    run.add_argument("--port", type=int, help="Slack HTTP port (default: slack_port, 3000)")
    run.add_argument("--health-port", type=int, help="serve /healthz and /metrics on this port (default: health_port)")


def main(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then stop in order."""
    return _run_bounded(_run(settings, args))


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    import signal

    from bot.main.runtime import run_services
    from bot.main.wiring import BotApp
    from bot.service import ServiceStates

    configured = {"slack": settings.slack_bot_token is not None, "discord": settings.discord_token is not None}
    platforms = list(dict.fromkeys(args.platforms)) or [p for p, ok in configured.items() if ok]
    unknown = [p for p in platforms if p not in configured]
    if unknown:
        raise UsageError(f"Unknown platform {unknown[0]!r}: choose slack and/or discord")
    if not platforms:
        raise ConfigError(
            "no adapter is configured: set SLACK_BOT_TOKEN (with SLACK_APP_TOKEN, or SLACK_SIGNING_SECRET and --http)"
            " or DISCORD_TOKEN; `communitybot chat` needs neither"
        )
    _check_tokens(settings, platforms, args.http)
    app = BotApp(settings)
    await app.start()
    states = ServiceStates(max_down=timedelta(seconds=settings.health_max_down_seconds), metrics=app.metrics)

    async def health() -> HealthReport:
        return await states.report(app.healthy)

    services: list[Service] = []
    try:
        if "slack" in platforms:
            services.append(_slack_service(app, settings, args, health))
        if "discord" in platforms:
            services.append(_discord_service(app, settings))
    except BaseException:
        await app.close()
        raise
    health_port = args.health_port if args.health_port is not None else settings.health_port
    if health_port is not None:
        from adapters.health import HealthServer

        services.append(HealthServer(health, app.metrics.render, health_port, calendar=app.calendar_feed))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("running: %s", ", ".join(s.name for s in services))
    await run_services(app, services, stop, states=states)
    return 0


def _check_tokens(settings: Settings, platforms: list[str], http: bool) -> None:
    if "slack" in platforms:
        needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
        if http:
            needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
        else:
            needed["SLACK_APP_TOKEN"] = settings.slack_app_token
        missing = [name for name, value in needed.items() if value is None]
        if missing:
            mode = "HTTP mode" if http else "Socket Mode"
            raise ConfigError(f"Slack {mode} needs {' and '.join(missing)} in the environment")
    if "discord" in platforms and settings.discord_token is None:
        raise ConfigError("Discord needs DISCORD_TOKEN in the environment")


def _slack_service(
    app: BotApp, settings: Settings, args: argparse.Namespace, health: Callable[[], Awaitable[HealthReport]]
) -> Service:
    try:
        from adapters.slack.app import SlackAdapter, SlackService
    except ImportError:
        raise ConfigError("the Slack adapter is not installed: pip install 'communitybot[slack]'") from None
    assert settings.slack_bot_token is not None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    adapter = SlackAdapter(
        app.dispatcher.handle,
        settings.slack_bot_token.get_secret_value(),
        secret,
        settings.slack_api_url,
        role_groups=frozenset(settings.roles.platform_roles),
        health=health,
        metrics=app.metrics.render,
        team_id=settings.slack_team_id,
        home=app.registry.home_commands(),
        watched=settings.watched_channels("slack"),
        calendar=app.calendar_feed,
    )
    if args.http:
        return SlackService(adapter, port=args.port if args.port is not None else settings.slack_port)
    assert settings.slack_app_token is not None
    return SlackService(adapter, app_token=settings.slack_app_token.get_secret_value())


def _discord_service(app: BotApp, settings: Settings) -> Service:
    try:
        from bot.main.adapters import discord_adapter
    except ImportError:
        raise ConfigError("the Discord adapter is not installed: pip install 'communitybot[discord]'") from None
    assert settings.discord_token is not None
    return discord_adapter(app, settings, settings.discord_token.get_secret_value())


def _run_bounded(main_coro: Coroutine[Any, Any, int]) -> int:
    """Like ``asyncio.run``, but a task that ignores cancellation cannot keep the process alive after ``main_coro``.

    ``asyncio.run`` waits for every leftover task without a bound; the runtime has already given each service its
    bounded stop, so what is left gets two seconds after a cancel and is then abandoned.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main_coro)
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            _, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=2.0))
            if stuck:
                log.error("%d task(s) ignored cancellation; exiting without them", len(stuck))
        loop.close()
