"""``runstrong manage board_rebuild``: rebuild every board entry from the results.

For after bulk changes made around the services (an import, a data fix, a
change to the board rules); the services keep entries current otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from runstrong.community.services_boards import board_rebuild_all


class Command(BaseCommand):
    help = "Rebuild every athlete's board entries from their results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            type=int,
            default=500,
            help="athletes per transaction (default 500)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch < 1:
            self.stderr.write("--batch must be at least 1")
            raise SystemExit(2)

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total} athletes", ending="\r" if done < total else "\n")
            self.stdout.flush()

        written = board_rebuild_all(batch_athletes=batch, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"{written} board entries written."))
