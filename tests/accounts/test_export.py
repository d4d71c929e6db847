"""An athlete's export (``runstrong export``, the profile's download) and its import
(``runstrong import-export``, the profile's upload): the round trip into a fresh
instance, the format's schema and CSVs, and hostile files."""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.apps import apps
from django.utils import timezone

from runstrong.accounts import portability
from runstrong.workouts.models import Result, WorkoutSession
from tests.conftest import RUNSTRONG
from tests.runs.conftest import read

pytestmark = pytest.mark.django_db

RUN_FILES = ("gpx/cerknicko-jezero.gpx", "tcx/test.tcx", "fit/activity-small-fenix2-run.fit")


def _export(athlete: Any, path: Path) -> Path:
    with path.open("wb") as stream:
        portability.export_to(athlete=athlete, stream=stream)
    return path


def _document(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        document: dict[str, Any] = json.loads(archive.read("runstrong.json"))
    return document


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document less what may differ between instances: the export's time, the
    account's join date, and the session id of a result logged by hand (logged
    again there under a new one)."""
    kept = copy.deepcopy(document)
    kept.pop("exported_at")
    kept["sections"]["accounts"]["profile"].pop("date_joined")
    manual = [
        session
        for session in kept["sections"]["workouts"]["sessions"]
        if session["result"] and session["result"]["manual"]
    ]
    renamed = {session["id"]: f"manual-{n}" for n, session in enumerate(manual)}
    for session in manual:
        session["id"] = renamed[session["id"]]
    community = kept["sections"]["community"]
    for given in [*community["cheers"], *community["comments"]]:
        given["session"] = renamed.get(given["session"], given["session"])
    return kept


def _figures(document: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Every result, by program and start."""
    return {
        (session["program"], session["result"]["started_at"]): session["result"]
        for session in document["sections"]["workouts"]["sessions"]
        if session["result"] is not None
    }


def _counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


# ---------------------------------------------------------------------------
# The export itself.


def test_the_export_validates_against_its_json_schema(full_athlete: Any, tmp_path: Path) -> None:
    document = _document(_export(full_athlete, tmp_path / "alex.zip"))

    jsonschema.Draft202012Validator(portability.export_schema()).validate(document)
    assert portability.schema_problem(document) is None
    sections = document["sections"]
    assert document["format"] == "runstrong-export" and document["version"] == 1
    assert len(sections["workouts"]["sessions"]) == 6
    assert {s["status"] for s in sections["workouts"]["sessions"]} == {"finished", "ready"}
    assert len(sections["runs"]["runs"]) == len(RUN_FILES)
    assert sections["plans"]["week"]["days"][1] == "quality"
    assert len(sections["community"]["comments"]) == 2  # the ones Alex wrote


def test_the_zip_holds_the_original_run_files_as_uploaded(
    full_athlete: Any, tmp_path: Path
) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")

    with zipfile.ZipFile(path) as archive:
        runs = _document(path)["sections"]["runs"]["runs"]
        originals = {run["original_name"]: archive.read(run["file"]) for run in runs}
    assert originals == {name.split("/")[-1]: read(name) for name in RUN_FILES}


def test_the_csvs_open_with_the_csv_module_and_name_their_units(
    full_athlete: Any, tmp_path: Path
) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")
    with zipfile.ZipFile(path) as archive:
        results = list(csv.DictReader(io.StringIO(archive.read("results.csv").decode("utf-8-sig"))))
        runs = list(csv.DictReader(io.StringIO(archive.read("runs.csv").decode("utf-8-sig"))))

    assert len(results) == 5
    assert [row["manual"] for row in results] == ["False"] * 4 + ["True"]
    first = results[0]
    assert {"total_s", "total_m:ss", "slot_1_split_s", "slot_1_split_m:ss", "slot_5_rest_s"} <= set(
        first
    )
    result = Result.objects.get(session_id=first["session_id"])
    assert float(first["total_s"]) == pytest.approx(result.total_ms / 1000, abs=0.05)
    assert first["slot_2_split_m:ss"].count(":") == 1
    assert len(runs) == len(RUN_FILES)
    assert {
        "distance_km",
        "distance_mi",
        "pace_s_per_km",
        "pace_min:ss_per_mi",
        "avg_heart_rate_bpm",
        "ef_m_per_min_per_beat",
    } <= set(runs[0])
    with_distance = [row for row in runs if row["distance_km"]]
    assert with_distance
    for row in with_distance:
        assert float(row["distance_mi"]) == pytest.approx(
            float(row["distance_km"]) / 1.609344, abs=0.002
        )


def test_a_large_account_is_written_as_a_stream(full_athlete: Any) -> None:
    chunks = list(portability.export_chunks(athlete=full_athlete))

    assert b"".join(chunks).startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None
        assert {"runstrong.json", "results.csv", "runs.csv"} <= set(archive.namelist())


# ---------------------------------------------------------------------------
# The round trip, through the command line into a fresh instance.


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUNSTRONG), *args],
        env={**env, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_round_trip_into_a_fresh_instance_keeps_everything(
    full_athlete: Any, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    first = _export(full_athlete, tmp_path / "first.zip")
    assert _run(cli_env, "setup").returncode == 0

    imported = _run(cli_env, "import-export", str(first))
    assert imported.returncode == 0, imported.stderr
    # What could not come over is said: cheers and comments on Jo's result, which
    # is not on the new instance, and Jo's club, which needs its invite link.
    assert "Passed over: 1 cheer(s)" in imported.stdout
    assert "Passed over: 1 comment(s)" in imported.stdout
    assert "Passed over: club Jo's Gym" in imported.stdout
    assert (
        "Imported: 6 sessions, 5 results, 1 cheers, 1 comments, 1 clubs, 3 run files, 1 plan."
        in imported.stdout
    )

    again = _run(cli_env, "import-export", str(first))
    assert again.returncode == 0, again.stderr
    assert "Imported: nothing new." in again.stdout

    second = tmp_path / "second.zip"
    exported = _run(cli_env, "export", "--athlete", "alex", str(second))
    assert exported.returncode == 0, exported.stderr

    before, after = _document(first), _document(second)
    expected = _comparable(before)
    community = expected["sections"]["community"]
    theirs = {c["session"] for c in community["comments"] if c["text"] == "Great time!"}
    community["cheers"] = [c for c in community["cheers"] if c["session"] not in theirs]
    community["comments"] = [c for c in community["comments"] if c["session"] not in theirs]
    community["clubs"] = [c for c in community["clubs"] if c["role"] == "admin"]
    assert _comparable(after) == expected
    # Every result's figures, worked out again by the engine there, are equal.
    assert _figures(after) == _figures(before)
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        assert sorted(n for n in one.namelist() if n.startswith("runs/")) == sorted(
            n for n in two.namelist() if n.startswith("runs/")
        )
        for name in (n for n in one.namelist() if n.startswith("runs/")):
            assert one.read(name) == two.read(name)


# ---------------------------------------------------------------------------
# Importing in this instance.


def _import(path: Path, **options: Any) -> portability.ImportReport:
    with path.open("rb") as stream:
        return portability.import_export(source=stream, **options)


def test_importing_twice_into_the_same_account_duplicates_nothing(
    full_athlete: Any, tmp_path: Path
) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")
    before = _counts()

    report = _import(path, athlete=full_athlete)
    _import(path, athlete=full_athlete)

    assert report.summary() == "Imported: nothing new."
    changed = {label: (n, _counts()[label]) for label, n in before.items() if _counts()[label] != n}
    # Saving the week again is the only write, and it makes no new rows.
    assert changed == {}


def test_an_import_into_another_account_recomputes_every_result(
    full_athlete: Any, tmp_path: Path
) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")
    original = _document(path)
    # The sessions' ids belong to Alex here: a copy under another name must move them.
    WorkoutSession.objects.filter(athlete=full_athlete).delete()

    report = _import(path, athlete_name="alex-again")

    assert report.athlete.username == "alex-again"
    assert report.counts["results"] == 5
    copy_ = _document(_export(report.athlete, tmp_path / "copy.zip"))
    assert _figures(copy_) == _figures(original)


def test_a_result_figure_in_the_file_is_not_believed(full_athlete: Any, tmp_path: Path) -> None:
    path = _export(full_athlete, tmp_path / "alex.zip")
    document = _document(path)
    figures = copy.deepcopy(_figures(document))
    WorkoutSession.objects.filter(athlete=full_athlete).delete()
    for session in document["sections"]["workouts"]["sessions"]:
        if session["result"] and not session["result"]["manual"]:
            session["result"]["total_ms"] = 1000
            session["result"]["unverified"] = False
            for slot in session["plan"]["slots"]:
                slot["floor_seconds_per_rep"] = 0  # an easier floor, claimed
    edited = _rewrite(path, tmp_path / "edited.zip", document)

    _import(edited, athlete=full_athlete)

    again = _document(_export(full_athlete, tmp_path / "again.zip"))
    assert _figures(again) == figures
    assert Result.objects.filter(athlete=full_athlete, unverified=True).count() == 1


# ---------------------------------------------------------------------------
# Hostile files: one clear message, nothing changed.


def _rewrite(source: Path, target: Path, document: dict[str, Any]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "runstrong.json":
                data = json.dumps(document).encode()
            new.writestr(info.filename, data)
    return target


def _bad_schema(source: Path, tmp_path: Path) -> Path:
    document = _document(source)
    document["sections"]["workouts"]["sessions"][1]["events"][3]["at"] = "soon"
    return _rewrite(source, tmp_path / "bad.zip", document)


def _traversal(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "traversal.zip"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        new.writestr("../../etc/cron.d/evil", b"* * * * * root true\n")
    return target


def _bomb(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        new.writestr("runs/huge.gpx", b"\0" * (200 * 1024 * 1024))
    return target


def _truncated(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "truncated.zip"
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def _malformed_json(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "malformed.zip"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "runstrong.json":
                data = data.replace(b'"format"', b"format", 1)
            new.writestr(info.filename, data)
    return target


def _nested(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "nested.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as new:
        new.writestr("runstrong.json", "[" * 200_000)
    return target


def _not_an_export(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "photos.zip"
    with zipfile.ZipFile(target, "w") as new:
        new.writestr("holiday.jpg", b"\xff\xd8")
    return target


def _unknown_program(source: Path, tmp_path: Path) -> Path:
    document = _document(source)
    document["sections"]["plans"]["week"]["program"] = "runners-1000"
    return _rewrite(source, tmp_path / "unknown.zip", document)


HOSTILE: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "bad schema": (
        _bad_schema,
        'runstrong.json: sections.workouts.sessions[1].events[3].at: must be integer, not "soon"',
    ),
    "path traversal": (
        _traversal,
        "../../etc/cron.d/evil: an entry whose name leaves the archive's folder",
    ),
    "zip bomb": (_bomb, "runs/huge.gpx: it unpacks to 200 MB from"),
    "truncated zip": (_truncated, "the zip archive is damaged or truncated"),
    "malformed JSON": (_malformed_json, "runstrong.json: line 2, column 2: not valid JSON"),
    "deeply nested JSON": (_nested, "runstrong.json: nested too deeply"),
    "not an export": (_not_an_export, "this is not a RunStrong export: it has no runstrong.json"),
    "a program not installed": (
        _unknown_program,
        "runstrong.json: sections.plans.week.program: the program 'runners-1000' is not installed",
    ),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_export_gets_one_clear_message_and_changes_nothing(
    kind: str, full_athlete: Any, tmp_path: Path
) -> None:
    make, message = HOSTILE[kind]
    hostile = make(_export(full_athlete, tmp_path / "alex.zip"), tmp_path)
    WorkoutSession.objects.filter(athlete=full_athlete).delete()  # so a good file would add rows
    before = _counts()

    with pytest.raises(portability.ImportRefused) as refused:
        _import(hostile, athlete=full_athlete)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _counts() == before


def test_a_file_refused_halfway_leaves_nothing_behind(full_athlete: Any, tmp_path: Path) -> None:
    """Valid as a file, refused by the engine at the last session: the sessions
    before it are rolled back too."""
    path = _export(full_athlete, tmp_path / "alex.zip")
    document = _document(path)
    WorkoutSession.objects.filter(athlete=full_athlete).delete()
    last = document["sections"]["workouts"]["sessions"][3]
    last["events"].insert(
        1, {"type": "reps", "at": last["events"][0]["at"] + 1000, "slot": 3, "n": 5}
    )
    before = _counts()

    with pytest.raises(portability.ImportRefused) as refused:
        _import(_rewrite(path, tmp_path / "late.zip", document), athlete=full_athlete)

    assert str(refused.value).startswith(
        "runstrong.json: sections.workouts.sessions[3].events[1]: "
    )
    assert _counts() == before


def test_the_schema_reader_agrees_with_jsonschema_on_broken_documents(
    full_athlete: Any, tmp_path: Path
) -> None:
    document = _document(_export(full_athlete, tmp_path / "alex.zip"))
    validator = jsonschema.Draft202012Validator(portability.export_schema())
    breakages: list[Callable[[dict[str, Any]], None]] = [
        lambda d: d.pop("sections"),
        lambda d: d.update(version=2),
        lambda d: d["sections"]["accounts"]["profile"].update(units="furlongs"),
        lambda d: d["sections"]["workouts"]["sessions"][0].update(id="not-a-uuid"),
        lambda d: d["sections"]["workouts"]["sessions"][0]["events"].append({"type": "jump"}),
        lambda d: d["sections"]["runs"]["runs"][0].update(file="../outside.gpx"),
        lambda d: d["sections"]["community"]["comments"][0].update(text="x" * 501),
        lambda d: d["sections"]["plans"]["week"].update(days=["rest"] * 6),
        lambda d: d["sections"]["workouts"]["sessions"][0].update(extra=True),
        lambda d: d["sections"]["workouts"]["sessions"][0]["result"].update(on_boards=1),
    ]
    for breakage in breakages:
        broken = copy.deepcopy(document)
        breakage(broken)
        assert not validator.is_valid(broken)
        assert portability.schema_problem(broken) is not None, breakage


def test_an_unknown_session_id_is_not_taken_from_another_athlete(
    full_athlete: Any, stranger: Any, tmp_path: Path
) -> None:
    """Alex's sessions keep their ids: Sam uploading Alex's export cannot take them."""
    path = _export(full_athlete, tmp_path / "alex.zip")
    before = _counts()

    with pytest.raises(portability.ImportRefused) as refused:
        _import(path, athlete=stranger)

    assert "belongs to another athlete here" in str(refused.value)
    assert _counts() == before


def test_the_export_file_name_is_safe(athlete: Any) -> None:
    athlete.username = "a/../b c"
    name = portability.export_file_name(athlete, timezone.now() - timedelta(days=0))
    assert "/" not in name and " " not in name
