"""The ``communitybot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.errors import CommunityBotError, ConfigError, UsageError
from bot.logs import configure_logging
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.app import BotApp
    from bot.runtime import HealthReport, Service

__all__ = ["main"]

log = logging.getLogger(__name__)


def _aware_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z or an offset like +02:00")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-02") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="communitybot", description="A community support bot for learning circles.")
    parser.add_argument("--config", type=Path, help="YAML settings file (default ./communitybot.yaml if present)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="override log_level")
    parser.add_argument("--log-format", choices=["text", "json"], default="text", help="text (default) or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (or script it through stdin)")
    chat.add_argument("--user", default="you", help="user id to act as (default: you)")
    chat.add_argument("--role", default="member", choices=["member", "facilitator", "staff", "admin"])
    chat.add_argument("--channel", help="channel to act in (default: a direct message)")
    chat.add_argument("--now", type=_aware_datetime, help="pretend it is this instant (for scripts and demos)")

    run = sub.add_parser("run", help="run every configured adapter (Slack, Discord) and the scheduler")
    run.add_argument(
        "platforms", nargs="*", metavar="PLATFORM", help="slack and/or discord (default: each whose token is set)"
    )
    run.add_argument("--http", action="store_true", help="serve Slack's Events API over HTTP at /slack/events")
    run.add_argument("--port", type=int, help="Slack HTTP port (default: slack_port, 3000)")
    run.add_argument("--health-port", type=int, help="serve /healthz and /metrics on this port (default: health_port)")

    discord_cmd = sub.add_parser("discord", help="Discord tools")
    discord_sub = discord_cmd.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    invite = discord_sub.add_parser("invite-url", help="print the link that adds the bot to a server")
    invite.add_argument("--application-id", type=int, help="default: discord_application_id")

    sub.add_parser("doctor", help="check settings, tokens, database, recipes and time zones; say what to fix")

    ask = sub.add_parser("ask", help="answer one question and exit")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply every pending migration")
    down = db_sub.add_parser("downgrade", help="undo migrations down to a revision ('base' for none)")
    down.add_argument("revision")
    db_sub.add_parser("current", help="show the revision the database is at")

    config = sub.add_parser("config", help="settings")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_sub.add_parser("show", help="print the effective settings, secrets masked")

    scheduler = sub.add_parser("scheduler", help="periodic work")
    scheduler_sub = scheduler.add_subparsers(dest="scheduler_command", required=True, metavar="ACTION")
    tick = scheduler_sub.add_parser("tick", help="do what is due now (or at --now) and exit")
    tick.add_argument("--now", type=_aware_datetime, help="ISO 8601 instant with a zone, e.g. 2026-03-02T09:00Z")

    report = sub.add_parser("report", help="write the community pulse report (default: the last 8 full weeks)")
    report.add_argument("--since", type=_date, help="first day, YYYY-MM-DD (weeks are in digest_timezone)")
    report.add_argument("--until", type=_date, help="last day, included, YYYY-MM-DD")
    report.add_argument("--out", type=Path, default=Path("reports"), help="folder to write into (default ./reports)")
    report.add_argument("--format", choices=["html", "md", "json"], default="html", help="html (default), md or json")

    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    check = kb_sub.add_parser("check", help="validate a folder of recipes")
    check.add_argument("path", type=Path)
    gaps = kb_sub.add_parser("gaps", help="write recipe stubs for questions the bot could not answer")
    gaps.add_argument("--stubs", type=Path, required=True, metavar="DIR", help="folder to write the stubs into")
    ev = kb_sub.add_parser("eval", help="measure answer quality on a question file (JSON lines)")
    ev.add_argument("--kb", type=Path, required=True, help="folder of recipes to answer from")
    ev.add_argument("--questions", type=Path, required=True, help='file of {"q": ..., "expect": [...]} lines')
    ev.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    ev.add_argument("--details", type=Path, help="write one JSON line per question to this file")
    ev.add_argument("--base-url", help="load --kb as a docs tree published at this URL, as knowledge_dirs does")
    ev.add_argument("--semantic-model", help="as the setting: off, auto, or a model (default: the setting)")
    return parser


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console import ConsoleAdapter
    from bot.app import BotApp
    from bot.clock import utcnow
    from bot.tasks import spawn

    app = BotApp(settings, clock=(lambda: args.now) if args.now else utcnow)
    try:
        await app.start()
        console = ConsoleAdapter(
            app.dispatcher.handle,
            sys.stdout,
            user=args.user,
            role=args.role,
            channel=args.channel,
            export_dir=settings.data_dir / "exports",
        )
        pending = await app.dispatcher.pending_prompt(console.origin)
        interactive = sys.stdin.isatty()
        stop = asyncio.Event()
        if interactive and args.now is None:
            # A live session ticks on the real clock, so check-ins and reminders show up as they fall due.
            spawn(app.scheduler.run(utcnow, console.show, stop), name="scheduler")
        try:
            await console.run(sys.stdin, interactive=interactive, pending=pending)
        finally:
            stop.set()
    finally:
        await app.close()
    return 0


async def _doctor(settings: Settings) -> int:
    from bot.doctor import run_checks

    checks = await run_checks(settings)
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    print(f"{len(failed)} problem(s)" if failed else "all good")
    return 1 if failed else 0


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    import signal

    from bot.app import BotApp
    from bot.runtime import ServiceStates, run_services

    configured = {"slack": settings.slack_bot_token is not None, "discord": settings.discord_token is not None}
    platforms = list(dict.fromkeys(args.platforms)) or [p for p, ok in configured.items() if ok]
    unknown = [p for p in platforms if p not in configured]
    if unknown:
        raise UsageError(f"unknown platform {unknown[0]!r}: choose slack and/or discord")
    if not platforms:
        raise ConfigError(
            "no adapter is configured: set SLACK_BOT_TOKEN (with SLACK_APP_TOKEN, or SLACK_SIGNING_SECRET and --http)"
            " or DISCORD_TOKEN; `communitybot chat` needs neither"
        )
    _check_tokens(settings, platforms, args.http)
    app = BotApp(settings)
    await app.start()
    states = ServiceStates(max_down=timedelta(seconds=settings.health_max_down_seconds))

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

        services.append(HealthServer(health, app.metrics.render, health_port))
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
    )
    if args.http:
        return SlackService(adapter, port=args.port if args.port is not None else settings.slack_port)
    assert settings.slack_app_token is not None
    return SlackService(adapter, app_token=settings.slack_app_token.get_secret_value())


def _discord_service(app: BotApp, settings: Settings) -> Service:
    try:
        from adapters.discord import for_app
    except ImportError:
        raise ConfigError("the Discord adapter is not installed: pip install 'communitybot[discord]'") from None
    assert settings.discord_token is not None
    return for_app(app, settings, settings.discord_token.get_secret_value())


def _invite_url(settings: Settings, args: argparse.Namespace) -> int:
    try:
        from adapters.discord.app import invite_url
    except ImportError:
        raise ConfigError("the Discord adapter is not installed: pip install 'communitybot[discord]'") from None
    application_id = args.application_id or settings.discord_application_id
    if application_id is None:
        raise ConfigError(
            "set COMMUNITYBOT_DISCORD_APPLICATION_ID (the Application ID on the Developer Portal's General "
            "Information page) or pass --application-id"
        )
    print(invite_url(application_id))
    return 0


async def _tick(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console import ConsoleAdapter
    from bot.app import BotApp
    from bot.clock import utcnow

    app = BotApp(settings)
    try:
        await app.start()
        now = args.now or utcnow()
        await app.scheduler.tick(now)
        console = ConsoleAdapter(app.dispatcher.handle, sys.stdout, export_dir=settings.data_dir / "exports")
        sent = await app.scheduler.deliver_due(now, console.show)
        print(f"tick at {now.isoformat()}: {sent} message(s)")
    finally:
        await app.close()
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    # No database (answering one question learns nothing) and no app: only what answering needs is imported.
    from knowledge.cache import IndexCache, build_index, sources_of
    from knowledge.vectors import make_encoder

    cache = IndexCache(settings.data_dir / "kb-cache")
    encoder = make_encoder(settings.semantic_model, cache.folder)
    kb = build_index(sources_of(settings), threshold=settings.answer_threshold, encoder=encoder, cache=cache).kb
    answer = kb.answer(args.question)
    if args.json:
        best = answer.best
        print(
            json.dumps(
                {
                    "answered": best is not None,
                    "id": best.recipe.id if best else None,
                    "title": best.recipe.title if best else None,
                    "score": best.score if best else None,
                    "text": best.recipe.body if best else None,
                    "link": best.recipe.link if best else None,
                    "suggestions": [
                        {"id": h.recipe.id, "title": h.recipe.title, "score": h.score} for h in answer.suggestions
                    ],
                },
                indent=2,
            )
        )
    elif answer.best is not None:
        recipe = answer.best.recipe
        print(f"{recipe.title}\n\n{recipe.body}")
        if recipe.link:
            print(f"\nRead more: {recipe.link}")
    else:
        print("I'm not sure I know the answer to that.")
        for hit in answer.suggestions:
            print(f"  did you mean: {hit.recipe.title} ({hit.recipe.id})")
    return 0 if answer.best is not None else 1


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage import Database

    db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
    try:
        if args.db_command == "upgrade":
            await db.upgrade()
            print(f"database {db.safe_url} is at revision {await db.current_revision()}")
        elif args.db_command == "downgrade":
            await db.check()
            await db.downgrade(args.revision)
            print(f"database {db.safe_url} is at revision {await db.current_revision() or 'base'}")
        else:
            await db.check()
            print(f"{await db.current_revision() or 'base (empty)'} (code head: {Database.head_revision()})")
    finally:
        await db.close()
    return 0


async def _kb_gaps(settings: Settings, folder: Path) -> int:
    from bot.features.knowledge import gap_stubs
    from storage import Database
    from storage.questions import unanswered_questions

    db = Database(settings.sqlalchemy_url, schema=settings.database_schema)
    try:
        await db.upgrade()
        async with db.session() as session:
            unanswered = await unanswered_questions(session)
    finally:
        await db.close()
    written = gap_stubs([q.question for q in unanswered], folder)
    for path in written:
        print(path)
    print(f"{len(written)} recipe stubs written to {folder} from {len(unanswered)} unanswered questions")
    return 0


def _kb_eval(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.evaluate import evaluate, load_for_eval, read_questions
    from knowledge.vectors import make_encoder

    questions = read_questions(args.questions)
    encoder = make_encoder(args.semantic_model or settings.semantic_model)  # loading a model is not index building
    kb, seconds = load_for_eval(args.kb, args.base_url, settings.answer_threshold, encoder)
    summary, details = evaluate(kb, questions, seconds)
    if args.details:
        args.details.write_text("".join(json.dumps(d) + "\n" for d in details), encoding="utf-8")
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import utcnow
    from bot.pulse.command import report_command

    for path in asyncio.run(report_command(settings, args.since, args.until, args.out, args.format, utcnow())):
        print(path)
    return 0


def _kb_check(path: Path) -> int:
    from knowledge import load_folder

    result = load_folder(path)
    for error in result.errors:
        print(error, file=sys.stderr)
    print(f"{len(result.recipes)} recipes OK, {len(result.errors)} with errors")
    return 1 if result.errors else 0


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        overrides = {"log_level": args.log_level} if args.log_level else {}
        try:
            settings = load_settings(args.config, **overrides)
        except ConfigError as exc:
            if args.command != "doctor":
                raise
            print(f"FAIL  settings: {exc}\n1 problem(s)")
            return 1
        configure_logging(settings.log_level, args.log_format)
        if args.command == "chat":
            return asyncio.run(_chat(settings, args))
        if args.command == "doctor":
            return asyncio.run(_doctor(settings))
        if args.command == "run":
            return _run_bounded(_run(settings, args))
        if args.command == "discord":
            return _invite_url(settings, args)
        if args.command == "scheduler":
            return asyncio.run(_tick(settings, args))
        if args.command == "ask":
            return _ask(settings, args)
        if args.command == "db":
            return asyncio.run(_db(settings, args))
        if args.command == "config":
            print(yaml.safe_dump(settings.public_view(), sort_keys=False), end="")
            return 0
        if args.command == "report":
            return _report(settings, args)
        if args.command == "kb" and args.kb_command == "gaps":
            return asyncio.run(_kb_gaps(settings, args.stubs))
        if args.command == "kb" and args.kb_command == "eval":
            return _kb_eval(settings, args)
        if args.command == "kb":
            return _kb_check(args.path)
    except CommunityBotError as exc:
        print(f"communitybot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
