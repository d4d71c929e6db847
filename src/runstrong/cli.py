"""The ``runstrong`` command: a thin layer over the services, selectors and pure modules.

Each sub-command parses its arguments, calls one function, and prints.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from runstrong.plans.selectors import ItemView, PlanPage

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class CommandError(Exception):
    """A problem to show the user as one clear message (exit status 1 or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "runstrong.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        raise CommandError(f"configuration: {error}") from None


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _ready() -> None:
    """Django set up and the database current. The embedded SQLite database is
    brought up to date on the spot; a shared PostgreSQL one is left to ``setup``."""
    _django()
    from django.conf import settings
    from django.db import OperationalError

    try:
        pending = _pending_migrations()
    except OperationalError as error:
        raise CommandError(f"cannot reach the database: {error}".strip()) from None
    if pending:
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            setup(quiet=True)
        else:
            raise CommandError("the database needs migrating: run `runstrong setup` first")


def setup(*, quiet: bool = False, static: bool = False) -> None:
    """Migrate the database, load the built-in programs, collect static files."""
    _django()
    from django.core.management import call_command

    from runstrong.workouts.services import catalog_sync_builtin

    call_command("migrate", interactive=False, verbosity=0)
    # The accounts migrations create the cache table too; this also covers a
    # database migrated before a cache setting changed (it is a no-op otherwise).
    call_command("createcachetable", verbosity=0)
    exercises, programs = catalog_sync_builtin()
    if static:
        call_command("collectstatic", interactive=False, verbosity=0)
    if not quiet:
        from django.conf import settings

        console.print(
            f"Database ready ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}); "
            f"{programs} programs and {exercises} exercises loaded."
        )


# ---------------------------------------------------------------------------
# Sub-commands.


def cmd_setup(args: argparse.Namespace) -> None:
    setup(static=True)


def cmd_serve(args: argparse.Namespace) -> None:
    setup(static=True)
    from runstrong.server import serve

    console.print(f"RunStrong is running on http://{args.bind}  (Ctrl+C stops it)")
    serve(bind=args.bind, workers=args.workers, task_worker=args.task_worker)


def cmd_worker(args: argparse.Namespace) -> None:
    if args.processes < 1:
        raise CommandError("--processes must be at least 1")
    _ready()
    from runstrong import worker

    worker.run(processes=args.processes, interval=args.interval)


def cmd_manage(args: argparse.Namespace) -> None:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["runstrong manage", *args.rest])


def cmd_programs(args: argparse.Namespace) -> None:
    action = args.action or "list"
    if action == "check":
        _programs_check(args.target)
    elif action == "add":
        _programs_add(args.target, replace=args.replace)
    elif action == "show":
        _programs_show(args.target)
    else:
        _programs_list()


def _need_target(target: str | None, what: str) -> str:
    if not target:
        raise CommandError(f"say which {what}")
    return target


def _programs_list() -> None:
    _ready()
    from runstrong.workouts import selectors

    table = Table(box=None, pad_edge=False)
    table.add_column("program", style="bold")
    table.add_column("name")
    table.add_column("slots", justify="right")
    table.add_column("reps", justify="right")
    table.add_column("cap", justify="right")
    table.add_column("source")
    for program in selectors.program_list():
        cap = f"{program.time_cap_minutes} min" if program.time_cap_minutes else "—"
        table.add_row(
            program.slug,
            program.name,
            str(len(program.slots)),
            str(program.reps_total),
            cap,
            program.source,
        )
    console.print(table)


def _programs_show(target: str | None) -> None:
    slug = _need_target(target, "program to show")
    _ready()
    from runstrong.workouts import pictures, selectors

    program = selectors.program_get(slug)
    if program is None:
        raise CommandError(f"no program '{slug}': `runstrong programs` lists them")
    spec = selectors.program_to_catalog(program)
    exercises = selectors.program_exercises(spec)
    cap = f", {spec.time_cap_minutes}-minute cap" if spec.time_cap_minutes else ""
    console.print(
        f"[bold]{escape(spec.name)}[/] ({spec.slug}): "
        f"{len(spec.slots)} slots, {spec.reps_total} reps{cap}"
    )
    if spec.description:
        console.print(spec.description, markup=False)
    for position, slot in enumerate(spec.slots, start=1):
        names = " ↔ ".join(exercises[slug].name for slug in slot.pool)
        console.print()
        console.print(f"[bold]{position}. {slot.reps} × {escape(names)}[/]  [dim]({slot.key})[/]")
        if slot.rotates:
            console.print(
                "   rotation: each session gives the next of these after the one you did last"
            )
        for slug in slot.pool:
            exercise = exercises[slug]
            prefix = f"   {exercise.name}: " if slot.rotates else "   "
            console.print(f"{prefix}muscles: {', '.join(exercise.muscles)}", markup=False)
            picture = pictures.picture_link(slug)
            if picture:
                # An address on the site (`runstrong serve` shows it).
                console.print(f"     picture: {picture}", markup=False)
            for cue in exercise.cues:
                console.print(f"     • {cue}", markup=False)
            if exercise.easier:
                easier = (exercises[e].name for e in exercise.easier if e in exercises)
                console.print(f"     easier: {', '.join(easier)}", markup=False)


def _programs_check(target: str | None) -> None:
    path = Path(_need_target(target, "file to check"))
    _ready()
    from runstrong.workouts.catalog import CatalogError
    from runstrong.workouts.services import catalog_check

    try:
        loaded = catalog_check(path=path)
    except CatalogError as error:
        raise CommandError(_problems(error.problems)) from None
    console.print(f"{path}: OK — {_summary(loaded)}", markup=False)


def _programs_add(target: str | None, *, replace: bool) -> None:
    path = Path(_need_target(target, "file to add"))
    _ready()
    from runstrong.workouts.catalog import CatalogError
    from runstrong.workouts.services import catalog_install

    try:
        loaded = catalog_install(path=path, replace=replace)
    except CatalogError as error:
        raise CommandError(_problems(error.problems) + "\nNothing was installed.") from None
    console.print(f"Installed {_summary(loaded)} from {path}", markup=False)


def _problems(problems: Sequence[str]) -> str:
    count = len(problems)
    return f"{count} problem{'s' if count != 1 else ''}:\n" + "\n".join(
        f"  {line}" for line in problems
    )


def _summary(loaded: Any) -> str:
    parts = []
    if loaded.programs:
        parts.append(f"{len(loaded.programs)} program(s): {', '.join(loaded.programs)}")
    if loaded.exercises:
        parts.append(f"{len(loaded.exercises)} exercise(s): {', '.join(loaded.exercises)}")
    return "; ".join(parts)


def cmd_go(args: argparse.Namespace) -> None:
    if not args.program and not args.resume:
        raise CommandError("say which program to do (`runstrong programs` lists them), or --resume")
    swaps = _pairs(args.swap, "--swap", str)
    reps = _pairs(args.reps, "--reps", int)
    server = _server_client(args.server, write=True) if args.server else None
    _ready()
    from runstrong.workouts.terminal import GoOptions, go

    go(
        GoOptions(
            program=args.program,
            resume=args.resume,
            set_size=args.set_size,
            lead_in=args.lead_in,
            swaps=swaps,
            reps=reps,
            server=server,
        ),
        console=console,
    )


def _server_url(text: str) -> str:
    from runstrong.workouts import remote

    try:
        return remote.server_url(text)
    except remote.ServerError as error:
        raise CommandError(str(error)) from None


def _server_client(text: str, *, write: bool, offline_ok: bool = True) -> Any:
    """--server URL: a client with the token for it, checked when the server answers.

    Out of reach is no reason not to train: the workout is kept here and sent
    when the server answers. A refused token is, since nothing would ever go."""
    from runstrong.workouts import remote

    url = _server_url(text)
    try:
        token = remote.token_for(url)
    except remote.ServerError as error:
        raise CommandError(str(error)) from None
    if not token:
        raise CommandError(
            f"no token for {url}: run `runstrong login {url}` or set {remote.TOKEN_ENV}"
        )
    client = remote.Client(url, token)
    try:
        remote.check_token(client, write=write)
    except remote.Unreachable as error:
        if not offline_ok:
            raise CommandError(str(error)) from None
        err_console.print(f"{escape(str(error))}: keeping the workout here, sending it later")
    except remote.ServerError as error:
        raise CommandError(str(error)) from None
    return client


def _import_to_server(paths: list[Path], client: Any) -> None:
    """``import --server``: the files as they are, to the site's ``POST /api/v1/runs``."""
    from runstrong.runs import remote as runs_remote
    from runstrong.workouts import remote

    def report(outcomes: list[runs_remote.FileOutcome]) -> None:
        for outcome in outcomes:
            if outcome.status != "imported":
                label = "already there" if outcome.status == "duplicate" else "not imported"
                console.print(f"{outcome.name}: {label}: {outcome.message}", markup=False)

    try:
        outcomes = runs_remote.upload(client, paths, on_batch=report)
    except remote.ServerError as error:
        raise CommandError(str(error)) from None
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("imported", "duplicate", "error")
    }
    console.print(
        f"{client.url}: {counts['imported']} imported, {counts['duplicate']} already there, "
        f"{counts['error']} not imported.",
        markup=False,
    )
    if counts["error"]:
        raise CommandError(f"{counts['error']} file(s) could not be imported")


def cmd_login(args: argparse.Namespace) -> None:
    import getpass

    from runstrong.workouts import remote

    url = _server_url(args.url)
    try:
        token = getpass.getpass(f"Token for {url} (made on your profile page there): ").strip()
    except EOFError:
        token = ""
    if not token:
        raise CommandError("no token given: nothing stored")
    try:
        me = remote.check_token(remote.Client(url, token))
        path = remote.token_save(url, token)
    except remote.ServerError as error:
        raise CommandError(f"{error}; nothing stored") from None
    except OSError as error:
        raise CommandError(f"cannot store the token: {error}") from None
    may = "read and write" if me.get("scope") == "write" else "only read (go --server needs write)"
    console.print(
        f"Logged in to {url} as {me.get('display_name', '?')}: this token may {may}. "
        f"Kept in {path} (readable by you only).",
        markup=False,
    )


def cmd_logout(args: argparse.Namespace) -> None:
    from runstrong.workouts import remote

    url = _server_url(args.url)
    try:
        removed = remote.token_remove(url)
    except (remote.ServerError, OSError) as error:
        raise CommandError(str(error)) from None
    if removed:
        console.print(f"Forgot the token for {url}.", markup=False)
    else:
        console.print(f"No token kept for {url}.", markup=False)


def _pairs(values: Sequence[str] | None, option: str, kind: Callable[[str], Any]) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for value in values or ():
        key, sep, raw = value.partition("=")
        if not sep or not key or not raw:
            raise CommandError(f"{option} takes SLOT=VALUE, e.g. {option} calves=30; got {value!r}")
        try:
            pairs[key] = kind(raw)
        except ValueError:
            raise CommandError(f"{option} {value}: {raw!r} is not a valid value") from None
    return pairs


def cmd_history(args: argparse.Namespace) -> None:
    _ready()
    from runstrong.workouts import selectors
    from runstrong.workouts.formatting import format_duration
    from runstrong.workouts.services import athlete_local

    athlete = athlete_local()
    program = None
    if args.program:
        program = selectors.program_get(args.program)
        if program is None:
            raise CommandError(f"no program '{args.program}'")
    results = selectors.result_list(athlete, program=program, limit=args.limit)
    if not results:
        console.print("No results yet. Start one with `runstrong go runners-250`.")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "date", "program", "core", "time", "reps", "flags"):
        table.add_column(column, justify="right" if column in {"id", "time", "reps"} else "left")
    for result in results:
        table.add_row(
            str(result.pk),
            result.started_at.strftime("%Y-%m-%d %H:%M"),
            result.program.slug,
            result.core_exercise,
            format_duration(result.total_ms, tenths=True),
            str(result.reps_total),
            ", ".join(_flags(result)) or "",
        )
    console.print(table)


def _flags(result: Any) -> list[str]:
    flags = ["manual"] if result.manual else []
    if result.scaled:
        flags.append("scaled")
    if result.capped:
        flags.append(f"capped at {result.reps_at_cap} reps")
    if result.unverified:
        flags.append("unverified")
    if result.paused_ms:
        flags.append("paused")
    return flags


def cmd_show(args: argparse.Namespace) -> None:
    _ready()
    from runstrong.workouts import selectors
    from runstrong.workouts.services import athlete_local
    from runstrong.workouts.terminal import print_result

    result = selectors.result_get(args.result_id, athlete=athlete_local())
    if result is None:
        raise CommandError(f"no result {args.result_id}: `runstrong history` lists yours")
    print_result(result, console=console)


def cmd_log(args: argparse.Namespace) -> None:
    """A workout done without the app, logged by hand: kept, marked manual, off the boards."""
    _ready()
    from django.utils import timezone

    from runstrong.workouts import formatting
    from runstrong.workouts.services import ManualResultError, athlete_local, result_log_manual

    try:
        total_ms = formatting.parse_duration(args.time)
        splits = (
            [formatting.parse_duration(part) for part in args.splits.split(",")]
            if args.splits
            else None
        )
    except ValueError as error:
        raise CommandError(str(error)) from None
    try:
        result = result_log_manual(
            athlete=athlete_local(),
            program=args.program,
            started_at=args.date or timezone.localdate(),
            total_ms=total_ms,
            splits_ms=splits,
            scaled=args.scaled,
        )
    except ManualResultError as error:
        raise CommandError(_problems(error.problems)) from None
    console.print(
        f"Logged result {result.pk}: {result.program.name} on {result.started_at:%Y-%m-%d} "
        f"in {formatting.format_duration(result.total_ms)} (manual, kept off the boards)."
    )


def cmd_import(args: argparse.Namespace) -> None:
    paths = _activity_paths(args.paths)
    if args.server:
        _import_to_server(paths, _server_client(args.server, write=True, offline_ok=False))
        return
    _ready()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from runstrong.runs import intake, parallel, services
    from runstrong.runs.models import ImportSource, ImportStatus
    from runstrong.workouts.services import athlete_local

    athlete = athlete_local()
    total = sum(intake.count_path(path) for path in paths)
    # Starting a worker costs about a second (numpy and the FIT profile to import):
    # a handful of files is quicker in this process.
    workers = args.jobs or (1 if total <= _SMALL_IMPORT else parallel.worker_count())
    incoming = (item for path in paths for item in intake.expand_path(path))
    prepared = parallel.prepare_all(
        incoming, known=services.stored_hashes(athlete=athlete), workers=workers
    )
    with Progress(
        TextColumn("Importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("import", total=total)
        result = services.batch_store(
            athlete=athlete,
            prepared=prepared,
            source=ImportSource.CLI,
            on_outcome=lambda outcome: progress.advance(task),
        )
    for outcome in result.outcomes:
        if outcome.status != ImportStatus.IMPORTED:
            label = "already there" if outcome.status == ImportStatus.DUPLICATE else "not imported"
            console.print(f"{outcome.name}: {label}: {outcome.message}", markup=False)
    imported = result.count(ImportStatus.IMPORTED)
    console.print(
        f"{imported} imported, {result.count(ImportStatus.DUPLICATE)} already there, "
        f"{result.count(ImportStatus.ERROR)} not imported."
    )
    if result.count(ImportStatus.ERROR):
        raise CommandError(f"{result.count(ImportStatus.ERROR)} file(s) could not be imported")


_SMALL_IMPORT = 24  # files


def _activity_paths(arguments: Sequence[str]) -> list[Path]:
    """The files named, and the run files and zips in the folders named (recursively)."""
    from runstrong.runs.intake import is_activity_name

    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            paths.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.is_file() and is_activity_name(found.name)
                )
            )
        elif path.is_file():
            paths.append(path)
        else:
            raise CommandError(f"{argument}: no such file or folder")
    if not paths:
        raise CommandError("no GPX, TCX, FIT or zip files found there")
    return paths


def cmd_trend(args: argparse.Namespace) -> None:
    _ready()
    from runstrong.runs.report import print_trend
    from runstrong.workouts.services import athlete_local

    print_trend(athlete_local(), console, split=args.split)


def cmd_runs(args: argparse.Namespace) -> None:
    action = args.action or "list"
    if action == "list" and args.values:
        raise CommandError("`runstrong runs` takes no more arguments: it lists your activities")
    if action == "sport":
        if len(args.values) != 2:
            raise CommandError("say which activity and which sport: runstrong runs sport ID SPORT")
        _runs_sport(_activity_id(args.values[0]), args.values[1])
    elif action == "delete":
        if len(args.values) != 1:
            raise CommandError("say which activity: runstrong runs delete ID")
        _runs_delete(_activity_id(args.values[0]), yes=args.yes)
    else:
        _runs_list(limit=args.limit)


def _activity_id(text: str) -> int:
    if not text.isdigit() or int(text) >= 2**63:
        raise CommandError(f"{text!r} is not an activity id: `runstrong runs` lists yours")
    return int(text)


def _no_activity(activity_id: int) -> CommandError:
    return CommandError(f"no activity {activity_id}: `runstrong runs` lists yours")


def _runs_list(*, limit: int) -> None:
    _ready()
    from runstrong.runs import formatting, selectors_import, sports
    from runstrong.workouts.services import athlete_local

    athlete = athlete_local()
    activities = selectors_import.activity_page(athlete, page=None).object_list[:limit]
    if not activities:
        console.print("No activities yet. Import run files with `runstrong import PATH…`.")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "date", "sport", "distance", "trend", "file"):
        table.add_column(column, justify="right" if column in {"id", "distance"} else "left")
    for activity in activities:
        table.add_row(
            str(activity.pk),
            activity.start.strftime("%Y-%m-%d %H:%M") if activity.start else "no date",
            sports.label(activity.sport),
            formatting.format_distance(activity.distance_m, athlete.units),
            "counts" if activity.qualifies else "—",
            escape(activity.original_name),
        )
    console.print(table)


def _runs_sport(activity_id: int, sport: str) -> None:
    _ready()
    from runstrong.runs import services, sports
    from runstrong.runs.models import Activity
    from runstrong.workouts.services import athlete_local

    try:
        activity = services.activity_sport_set(
            athlete=athlete_local(), activity_id=activity_id, sport=sport
        )
    except Activity.DoesNotExist:
        raise _no_activity(activity_id) from None
    except sports.UnknownSport as error:
        raise CommandError(str(error)) from None
    reason = (activity.metrics.get("unavailable") or {}).get("qualifies")
    if activity.qualifies:
        counts = "it counts in your efficiency trend"
    else:
        counts = "not in your efficiency trend" + (f": {reason}" if reason else "")
    console.print(
        f"Activity {activity.pk} is now {sports.label(activity.sport).lower()}; {counts}.",
        markup=False,
    )


def _runs_delete(activity_id: int, *, yes: bool) -> None:
    _ready()
    from runstrong.runs import selectors, services, sports
    from runstrong.runs.models import Activity
    from runstrong.workouts.services import athlete_local

    athlete = athlete_local()
    activity = selectors.activity_get(activity_id, athlete)
    if activity is None:
        raise _no_activity(activity_id)
    when = activity.start.strftime("%Y-%m-%d %H:%M") if activity.start else "no date"
    what = f"{sports.label(activity.sport).lower()} of {when} ({activity.original_name})"
    if not yes:
        if not sys.stdin.isatty():
            raise CommandError(f"delete the {what}? Add --yes to delete without being asked")
        answer = console.input(f"Delete the {escape(what)}? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            console.print("Nothing deleted.")
            return
    try:
        services.activity_delete(athlete=athlete, activity_id=activity_id)
    except Activity.DoesNotExist:
        raise _no_activity(activity_id) from None
    console.print(f"Deleted the {what}: it is no longer in your trend.", markup=False)


def cmd_plan(args: argparse.Namespace) -> None:
    base_url = _base_url_option(args.base_url)
    _ready()
    from django.conf import settings
    from django.urls import reverse

    from runstrong.plans import calendar, selectors
    from runstrong.workouts.services import athlete_local

    # The links in the calendar and the messages: --base-url, else the site's
    # public address, else where `runstrong serve` listens.
    bind = os.environ.get("RUNSTRONG_BIND", "127.0.0.1:8000")
    base_url = base_url or settings.RUNSTRONG_PUBLIC_URL or f"http://{bind}"
    athlete = athlete_local()
    page = selectors.plan_page(athlete)
    if page.plan is None:
        where = base_url + reverse("plans:plan")
        message = f"No plan yet — set up your week at {where} and come back."
        if args.ics:
            raise CommandError(message + " Nothing was written.")
        console.print(message, markup=False)
        return
    if not args.ics:
        feed = base_url + reverse("plans_feed:feed", args=[page.plan.feed_token])
        _print_plan(page, feed=feed)
        return
    ical = calendar.athlete_calendar(athlete, base_url=base_url, today=page.today)
    if args.ics == "-":
        sys.stdout.buffer.write(ical)
        return
    try:
        Path(args.ics).write_bytes(ical)
    except OSError as error:
        raise CommandError(f"cannot write {args.ics}: {error.strerror or error}") from None
    events = ical.count(b"BEGIN:VEVENT")
    console.print(
        f"Wrote {events} event{'s' if events != 1 else ''} to {args.ics}: import it in "
        "your calendar app, or subscribe to the feed (`runstrong plan` shows its address) "
        "to keep it up to date.",
        markup=False,
    )


def _base_url_option(option: str | None) -> str:
    """--base-url checked and without its trailing slash ("" when not given)."""
    if option is None:
        return ""
    url = option.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        raise CommandError(
            f"--base-url {option!r} must be an http(s) address, e.g. https://runstrong.example"
        )
    return url


def _print_plan(page: PlanPage, *, feed: str) -> None:
    """The plan page in the terminal: each coming week's sessions with why, what
    was dropped, and what was missed."""
    from runstrong.plans.models import ItemStatus

    def say(text: str = "", style: str | None = None) -> None:
        console.print(text, markup=False, style=style)

    plan = page.plan
    assert plan is not None  # checked by the caller
    per_week = f"{plan.per_week} session{'s' if plan.per_week != 1 else ''} a week"
    guessed = (
        f"week guessed from {plan.guessed_from_runs} runs"
        if plan.guessed_from_runs
        else "week as you entered it"
    )
    say(f"Your strength plan: {per_week} ({guessed})", style="bold")
    if plan.race_day:
        kind = "A race" if plan.race_is_a else "race"
        say(f"Goal {kind}: {plan.race_day:%a %-d %b %Y}")

    def item_lines(view: ItemView) -> None:
        item = view.item
        status = ""
        if item.status == ItemStatus.DONE:
            status = "  ✓ done"
        elif item.status == ItemStatus.SKIPPED:
            status = f"  skipped: {item.skip_reason}" if item.skip_reason else "  skipped"
        core = f" · core: {view.core}" if view.core else ""
        say(f"  {item.day:%a %-d %b}  {view.program}{core}{status}")
        for reason in view.reasons:
            say(f"      why: {reason.says} ({reason.source})")
        if item.warning:
            say(f"      warning: {item.warning}", style="yellow")
        if view.protects is not None and item.status == ItemStatus.PLANNED:
            say(f"      {view.protects.text}")

    if page.missed:
        say()
        say("Missed (move or skip them on the plan page):", style="bold")
        for view in page.missed:
            item_lines(view)
            if view.move_to:
                say(f"      next good day: {view.move_to:%a %-d %b}")
    for week in page.weeks:
        say()
        say(f"Week of {week.start:%a %-d %b}", style="bold")
        for view in week.items:
            item_lines(view)
        for dropped in week.dropped:
            say(
                f"  dropped: {dropped.reason}" if dropped.count else f"  {dropped.reason}",
                style="yellow",
            )
            for reason in dropped.reasons:
                say(f"      why: {reason.says} ({reason.source})")
    if not page.weeks and not page.missed:
        say()
        say("Nothing planned in the coming weeks: save your week again on the plan page.")
    say()
    say(f"Subscribe in your calendar app: {feed}")
    say("(keep this address to yourself; a new one can be made on the plan page)", style="dim")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-03-01") from None


# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runstrong",
        description="Guide, time and keep the 250/500 rep resistance workout for runners.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    setup_parser = commands.add_parser(
        "setup", help="migrate the database and load the built-in programs"
    )
    setup_parser.set_defaults(func=cmd_setup)

    serve_parser = commands.add_parser("serve", help="set up, then start the web server (gunicorn)")
    serve_parser.add_argument(
        "--bind",
        default=os.environ.get("RUNSTRONG_BIND", "127.0.0.1:8000"),
        help="address:port (default 127.0.0.1:8000)",
    )
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="web worker processes (default 2)",
    )
    serve_parser.add_argument(
        "--no-worker",
        dest="task_worker",
        action="store_false",
        help="start no background worker beside the web server (run `runstrong worker` instead)",
    )
    serve_parser.set_defaults(func=cmd_serve)

    worker_parser = commands.add_parser(
        "worker", help="run background tasks (history imports) until stopped"
    )
    worker_parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes, each taking one task at a time (default 1)",
    )
    worker_parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between looks at an empty queue (default 1)",
    )
    worker_parser.set_defaults(func=cmd_worker)

    programs = commands.add_parser("programs", help="list, show, check or add programs")
    programs.add_argument(
        "action", nargs="?", choices=["list", "show", "check", "add"], help="default: list"
    )
    programs.add_argument(
        "target", nargs="?", help="a program slug (show) or a TOML file (check, add)"
    )
    programs.add_argument(
        "--replace", action="store_true", help="add: replace a program you added before"
    )
    programs.set_defaults(func=cmd_programs)

    go_parser = commands.add_parser("go", help="do a workout, guided in the terminal")
    go_parser.add_argument("program", nargs="?", help="program slug, e.g. runners-250")
    go_parser.add_argument(
        "--resume", action="store_true", help="continue the last unfinished session"
    )
    go_parser.add_argument(
        "--set-size",
        type=int,
        default=int(os.environ.get("RUNSTRONG_SET_SIZE", "10")),
        help="reps logged by Enter alone (default 10)",
    )
    go_parser.add_argument(
        "--lead-in",
        type=int,
        default=3,
        help="seconds of countdown before the clock starts (default 3)",
    )
    go_parser.add_argument(
        "--swap",
        action="append",
        metavar="SLOT=EXERCISE",
        help="do an easier alternative in a slot (scaled)",
    )
    go_parser.add_argument(
        "--reps", action="append", metavar="SLOT=N", help="do fewer reps in a slot (scaled)"
    )
    go_parser.add_argument(
        "--server",
        metavar="URL",
        help="also send the session to this RunStrong site (token: RUNSTRONG_TOKEN or "
        "`runstrong login URL`)",
    )
    go_parser.set_defaults(func=cmd_go)

    login = commands.add_parser(
        "login", help="keep an API token for a RunStrong site (for go --server)"
    )
    login.add_argument("url", metavar="URL", help="the site's address, e.g. https://club.example")
    login.set_defaults(func=cmd_login)
    logout = commands.add_parser("logout", help="forget the token kept for a RunStrong site")
    logout.add_argument("url", metavar="URL")
    logout.set_defaults(func=cmd_logout)

    history = commands.add_parser("history", help="your results, newest first")
    history.add_argument("--program", help="only this program")
    history.add_argument("--limit", type=int, default=50)
    history.set_defaults(func=cmd_history)

    show = commands.add_parser("show", help="one result in full")
    show.add_argument("result_id", type=int, metavar="RESULT_ID")
    show.set_defaults(func=cmd_show)

    log = commands.add_parser(
        "log", help="log a workout done without the app (manual: kept, but off the boards)"
    )
    log.add_argument("program", help="program slug, e.g. runners-250")
    log.add_argument(
        "--date", type=_iso_date, metavar="YYYY-MM-DD", help="the day you did it (default today)"
    )
    log.add_argument("--time", required=True, metavar="MM:SS", help="total time, e.g. 24:30")
    log.add_argument(
        "--splits", metavar="A,B,C,…", help="time on each exercise in order; must add up to --time"
    )
    log.add_argument("--scaled", action="store_true", help="you scaled it (easier or fewer reps)")
    log.set_defaults(func=cmd_log)

    import_parser = commands.add_parser(
        "import", help="import run files (GPX, TCX, FIT, gzipped, or zips of them)"
    )
    import_parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files, folders or zip archives (e.g. a Strava export)",
    )
    import_parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="parsing processes (default: one per CPU core, or 1 for a few files)",
    )
    import_parser.add_argument(
        "--server",
        metavar="URL",
        help="upload them to this RunStrong site instead (token: RUNSTRONG_TOKEN or "
        "`runstrong login URL`)",
    )
    import_parser.set_defaults(func=cmd_import)

    trend = commands.add_parser(
        "trend", help="your aerobic efficiency over time, around your workouts"
    )
    trend.add_argument(
        "--split",
        type=_iso_date,
        metavar="DATE",
        help="compare the runs before and after this date (default: your first session)",
    )
    trend.set_defaults(func=cmd_trend)

    runs = commands.add_parser(
        "runs", help="list your activities, set an activity's sport, or delete one"
    )
    runs.add_argument(
        "action", nargs="?", choices=["list", "sport", "delete"], help="default: list"
    )
    runs.add_argument("values", nargs="*", metavar="ID [SPORT]", help="sport: ID SPORT; delete: ID")
    runs.add_argument("--yes", action="store_true", help="delete: do not ask first")
    runs.add_argument("--limit", type=int, default=50, help="list: how many (default 50)")
    runs.set_defaults(func=cmd_runs)

    plan = commands.add_parser(
        "plan", help="your strength sessions for the coming weeks, with why each is where it is"
    )
    plan.add_argument(
        "--ics",
        metavar="FILE",
        help="write them as a calendar file instead (- for standard output)",
    )
    plan.add_argument(
        "--base-url",
        metavar="URL",
        help="the site's address for the links (default: RUNSTRONG_PUBLIC_URL, "
        "else where `runstrong serve` listens)",
    )
    plan.set_defaults(func=cmd_plan)

    from runstrong.backup import add_commands as add_backup_commands

    add_backup_commands(commands)  # backup, restore

    from runstrong.portability_cli import add_commands as add_portability_commands

    add_portability_commands(commands)  # export, import-export

    manage = commands.add_parser("manage", help="run a Django management command (admin chores)")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CommandError as error:
        err_console.print(f"[bold red]runstrong:[/] {escape(str(error))}")
        return error.code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
