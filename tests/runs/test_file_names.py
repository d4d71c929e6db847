"""Stored file names are the file's own name: never the folders of the importing machine."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from django.apps import apps

from runstrong.runs import intake, services
from runstrong.runs.models import Activity, ImportItem, ImportStatus
from tests.runs.conftest import ACTIVITIES, read, zip_of

migration = importlib.import_module("runstrong.runs.migrations.0002_file_names_without_folders")


def store_path(athlete: Any, path: Path) -> services.BatchOutcome:
    """What `runstrong import PATH` does with one path, in this process."""
    return services.batch_store(
        athlete=athlete, prepared=(intake.prepare(item) for item in intake.expand_path(path))
    )


def test_a_path_given_to_the_import_is_stored_as_the_file_name_only(athlete: Any) -> None:
    result = store_path(athlete, ACTIVITIES / "tcx" / "test.tcx")

    assert [outcome.name for outcome in result.outcomes] == ["test.tcx"]
    assert Activity.objects.get(athlete=athlete).original_name == "test.tcx"
    assert ImportItem.objects.get(batch=result.batch).name == "test.tcx"


def test_a_zip_member_is_named_by_the_archive_and_its_own_name(
    athlete: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "home" / "jane" / "export.zip"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(zip_of({"home/jane/runs/2024/test.tcx": read("tcx/test.tcx")}))

    result = store_path(athlete, archive)

    assert [outcome.name for outcome in result.outcomes] == ["export.zip: test.tcx"]
    assert Activity.objects.get(athlete=athlete).original_name == "export.zip: test.tcx"


def test_a_windows_path_loses_its_folders_too(athlete: Any) -> None:
    outcome = services.activity_import(
        athlete=athlete, name="C:\\Users\\jane\\runs\\test.tcx", data=read("tcx/test.tcx")
    )

    assert outcome.status == ImportStatus.IMPORTED
    assert Activity.objects.get(athlete=athlete).original_name == "test.tcx"


def test_a_refused_file_is_named_without_its_folders(athlete: Any, tmp_path: Path) -> None:
    bad = tmp_path / "jane" / "notes.gpx"
    bad.parent.mkdir()
    bad.write_bytes(b"not a run")

    result = store_path(athlete, bad)

    assert result.outcomes[0].name == "notes.gpx"
    assert result.outcomes[0].status == ImportStatus.ERROR


def test_the_migration_strips_stored_paths_and_the_messages_that_quote_them(
    athlete: Any, stranger: Any
) -> None:
    # As `runstrong import` stored them before: the paths it was given.
    first = services.activity_import(
        athlete=athlete, name="x.tcx", data=read("tcx/test.tcx"), batch=None
    )
    Activity.objects.filter(pk=first.activity_id).update(original_name="/home/jane/runs/test.tcx")
    batch = services.import_batch_start(athlete=athlete)
    ImportItem.objects.create(
        batch=batch,
        position=0,
        name="/home/jane/export.zip: activities/1.tcx",
        status=ImportStatus.DUPLICATE,
        message="already imported (the same file as /home/jane/runs/test.tcx)",
        activity_id=first.activity_id,
    )
    ImportItem.objects.create(
        batch=batch, position=1, name="C:\\Users\\jane\\bad.fit", status=ImportStatus.ERROR
    )
    untouched = services.import_batch_start(athlete=stranger)
    ImportItem.objects.create(
        batch=untouched, position=0, name="plain.gpx", status=ImportStatus.ERROR, message="m"
    )

    migration.strip_folders(apps, None)

    assert Activity.objects.get(pk=first.activity_id).original_name == "test.tcx"
    items = ImportItem.objects.filter(batch=batch).order_by("position")
    assert [(item.name, item.message) for item in items] == [
        ("export.zip: 1.tcx", "already imported (the same file as test.tcx)"),
        ("bad.fit", ""),
    ]
    assert ImportItem.objects.get(batch=untouched).name == "plain.gpx"


def test_the_migrations_rule_matches_the_imports() -> None:
    for name in ("a/b/run.fit", "C:\\x\\run.fit", "run.fit", "export.zip: run.fit"):
        assert migration.stripped(name) == intake.file_name(name) or ": " in name
    assert migration.stripped("/tmp/Export.ZIP: a/b/1.fit.gz") == "Export.ZIP: 1.fit.gz"
