"""`runstrong plan`: the coming weeks in the terminal, and `--ics FILE`, the same
calendar as the feed, as a user runs it (a separate process on a fresh data
folder). The plan itself is saved with the plans services, as the plan page
saves it, through `runstrong manage shell`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import icalendar
import pytest

from runstrong.plans import rules
from tests.plans.calendar_helpers import events, vobject_events
from tests.runs.test_cli_import import Runner, lines

# Tuesday and Thursday intervals, a Sunday long run: three sessions fit most weeks.
WEEK = ["easy", "quality", "easy", "quality", "easy", "rest", "long"]
# Five hard days: a third session a week cannot be placed and is dropped.
CROWDED = ["quality", "long", "quality", "easy", "quality", "rest", "long"]


@pytest.fixture
def runstrong(cli_env: dict[str, str], tmp_path: Path) -> Runner:
    folder = tmp_path / "work"
    folder.mkdir()
    run = Runner(cli_env, folder)
    assert run("setup").returncode == 0  # required on PostgreSQL
    return run


def shell(runstrong: Runner, code: str) -> str:
    done = runstrong("manage", "shell", "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout


def save_plan(runstrong: Runner, days: list[str], *, per_week: int = 2) -> list[dict[str, str]]:
    """Save the local athlete's week as the plan page does; the items it placed."""
    return [
        json.loads(line)
        for line in lines(
            shell(
                runstrong,
                "import json\n"
                "from runstrong.plans.services import plan_save\n"
                "from runstrong.workouts.services import athlete_local\n"
                "athlete = athlete_local()\n"
                f"plan_save(athlete=athlete, days={days!r}, per_week={per_week},"
                " program_slug='runners-250', race_day=None, race_is_a=False,"
                " guessed_from_runs=12)\n"
                "for item in athlete.plan_items.order_by('day'):\n"
                "    print(json.dumps({'id': item.pk, 'uid': str(item.uid),"
                " 'day': item.day.isoformat(), 'status': item.status}))\n",
            )
        )
        if line.startswith("{")
    ]


def test_with_no_plan_it_says_where_to_set_one_up_and_writes_no_calendar(
    runstrong: Runner,
) -> None:
    done = runstrong("plan")

    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == [
        "No plan yet — set up your week at http://127.0.0.1:8000/plan/ and come back."
    ]
    written = runstrong("plan", "--ics", "plan.ics")
    assert written.returncode == 1
    assert "No plan yet" in written.stderr and "Nothing was written" in written.stderr
    assert not (runstrong.folder / "plan.ics").exists()


def test_the_coming_weeks_show_each_session_with_why_and_the_feed_address(
    runstrong: Runner,
) -> None:
    items = save_plan(runstrong, WEEK, per_week=2)
    assert items

    done = runstrong("plan", "--base-url", "https://runstrong.example/")

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Your strength plan: 2 sessions a week (week guessed from 12 runs)" in out
    assert re.search(r"^Week of Mon \d+ \w{3}$", out, re.MULTILINE)
    # New to the workout: the first sessions are at half reps, the core slot rotates.
    assert re.search(r"^  \w{3} \d+ \w{3}  Runner's 250, half reps · core: ", out, re.MULTILINE)
    assert "core: Mountain climbers" in out and "core: Sit-ups" in out
    gap = rules.RULES[rules.Rule.GAP_48H]
    assert f"      why: {gap.says} ({gap.source})" in out
    token = re.search(
        r"^Subscribe in your calendar app: https://runstrong\.example/plan/calendar/([\w-]+)\.ics$",
        out,
        re.MULTILINE,
    )
    assert token, out


def test_dropped_sessions_warnings_skips_and_done_ones_are_shown(runstrong: Runner) -> None:
    items = save_plan(runstrong, CROWDED, per_week=3)
    first, second, third = items[0], items[1], items[2]
    shell(
        runstrong,
        "from runstrong.plans.models import PlanItem\n"
        "from runstrong.plans.services import item_skip\n"
        "from runstrong.workouts.services import athlete_local\n"
        f"PlanItem.objects.filter(pk={second['id']}).update(warning='Keep it light: a long run"
        " follows.')\n"
        f"PlanItem.objects.filter(pk={third['id']}).update(status='done')\n"
        f"item_skip(athlete=athlete_local(), item_id={first['id']}, reason='sore calf')\n",
    )

    out = runstrong("plan").stdout

    assert "skipped: sore calf" in out
    assert re.search(r"^  \w{3} \d+ \w{3}  Runner's 250.*  ✓ done$", out, re.MULTILINE), out
    assert "warning: Keep it light: a long run follows." in out
    assert re.search(r"^  dropped: .+", out, re.MULTILINE), out


def test_ics_writes_the_calendar_that_both_parsers_read(runstrong: Runner) -> None:
    items = save_plan(runstrong, WEEK, per_week=2)

    done = runstrong("plan", "--ics", "plan.ics", "--base-url", "https://runstrong.example")

    assert done.returncode == 0, done.stderr
    assert f"Wrote {len(items)} events to plan.ics" in done.stdout
    body = (runstrong.folder / "plan.ics").read_bytes()
    expected = {f"{item['uid']}@runstrong" for item in items}
    assert set(events(body)) == set(vobject_events(body)) == expected
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["X-WR-CALNAME"] == "RunStrong strength sessions"
    for event in calendar.walk("VEVENT"):
        assert str(event["URL"]) == "https://runstrong.example/plan/"
        assert event["STATUS"] == "CONFIRMED"
        assert len(event.walk("VALARM")) == 1
    first = events(body)[f"{items[0]['uid']}@runstrong"]
    assert first.start.isoformat() == items[0]["day"]


def test_ics_to_standard_output_is_the_same_calendar(runstrong: Runner) -> None:
    save_plan(runstrong, WEEK)
    assert runstrong("plan", "--ics", "plan.ics").returncode == 0

    done = runstrong("plan", "--ics", "-")

    assert done.returncode == 0, done.stderr
    # (Read as text, the CRLF line ends iCalendar requires come out as LF.)
    written = (runstrong.folder / "plan.ics").read_bytes()
    assert written.count(b"\r\n") == written.count(b"\n")
    assert done.stdout.encode() == written.replace(b"\r\n", b"\n")


def test_a_base_url_that_is_not_an_address_is_refused(runstrong: Runner) -> None:
    done = runstrong("plan", "--base-url", "runstrong.example")

    assert done.returncode == 1
    assert "--base-url 'runstrong.example' must be an http(s) address" in done.stderr
