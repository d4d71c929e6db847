"""``runstrong export`` and ``runstrong import-export``: an athlete's data out as one
zip, and back in on another instance (``accounts/portability.py`` does the work)."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from runstrong.cli import CommandError, _ready, console

if TYPE_CHECKING:
    from runstrong.accounts.models import User


def _athlete(name: str | None) -> User:
    from runstrong.accounts.models import User
    from runstrong.workouts.services import athlete_local

    if name is None:
        return athlete_local()
    athlete = User.objects.filter(username=name).first()
    if athlete is None:
        raise CommandError(f"no athlete named {name!r} here")
    return athlete


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} kB"


def cmd_export(args: argparse.Namespace) -> None:
    target = Path(args.file)
    if target.is_dir():
        raise CommandError(f"{target} is a folder: name the zip file to write")
    if not target.parent.is_dir():
        raise CommandError(f"{target.parent}: no such folder")
    _ready()
    from runstrong.accounts import portability

    athlete = _athlete(args.athlete)
    began = time.perf_counter()
    # Written beside the target and renamed at the end: a failed export never
    # leaves half a zip under the name asked for.
    handle, partial = tempfile.mkstemp(prefix=".runstrong-export-", dir=target.parent or ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            portability.export_to(athlete=athlete, stream=stream)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    console.print(
        f"Exported {athlete.username}'s data to {target}: {_size(target.stat().st_size)} "
        f"in {time.perf_counter() - began:.2f} s.",
        markup=False,
    )


def cmd_import_export(args: argparse.Namespace) -> None:
    source = Path(args.file)
    if not source.is_file():
        raise CommandError(f"{source}: no such file")
    _ready()
    from runstrong.accounts import portability

    try:
        with source.open("rb") as stream:
            report = portability.import_export(source=stream, athlete_name=args.athlete)
    except portability.ImportRefused as error:
        raise CommandError(f"{source.name}: {error} (nothing was imported)") from None
    for note in report.notes:
        console.print(f"Passed over: {note}", markup=False)
    console.print(f"{report.summary()} (athlete {report.athlete.username})", markup=False)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` and ``import-export`` to the ``runstrong`` command's sub-commands."""
    export = commands.add_parser(
        "export", help="write an athlete's data (workouts, runs, clubs, plan) to one zip"
    )
    export.add_argument("file", metavar="FILE.zip", help="the zip to write")
    export.add_argument("--athlete", metavar="NAME", help="whose data (default: the local athlete)")
    export.set_defaults(func=cmd_export)

    restore = commands.add_parser(
        "import-export", help="bring an athlete's export (from any RunStrong) into this one"
    )
    restore.add_argument("file", metavar="FILE.zip", help="a zip made by `runstrong export`")
    restore.add_argument(
        "--athlete",
        metavar="NAME",
        help="into whose account (made if there is none; default: the export's user name)",
    )
    restore.set_defaults(func=cmd_import_export)
