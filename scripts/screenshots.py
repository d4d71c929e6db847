"""Screenshots of every page a person uses, at phone and desktop size, for the README.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only home,result]

It starts the real site (``runstrong serve``, started as tests/served starts
it) on a throwaway data folder with SQLite, and makes a believable club
through the services: a runner with two months of results, clubmates on the
boards, cheers, comments and notifications, a running week with its strength
plan, a workout half done, and runs imported from the real files in
../shared/data/activities/. Each page is captured in Debian's Chromium at
390×844 (touch, device scale 1) and at 1280×800, into ``<page>-phone.png`` and
``<page>-desktop.png``: the first screen, as a person sees it on arrival,
reduced to a palette (Pillow) so that each file stays small. The share card is
saved as the server draws it (``card.png``). Nothing is loaded from the
network; it takes about a minute.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# The served-site suite's own ways to start the site and log in: the
# screenshots show the site those tests ask.
from PIL import Image  # noqa: E402
from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS  # noqa: E402
from tests.conftest import runstrong_env  # noqa: E402
from tests.runs.conftest import ACTIVITIES  # noqa: E402
from tests.served.conftest import PASSWORD, ServedSite, serving  # noqa: E402

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
# Enough for the site's few colours and for anti-aliased type; the PNGs then
# weigh 10–40 KB each instead of several times that.
PALETTE_COLOURS = 96
DAY_MS = 86_400_000

# Seconds a rep takes, done at a steady effort; a runner's own pace scales these.
SECONDS_PER_REP = {
    "mountain-climber": 1.0,
    "sit-up": 2.0,
    "calf-raise": 1.1,
    "donkey-kick": 1.5,
    "squat-to-curl": 3.0,
    "back-extension": 2.2,
}
# e-mail, name, sex, birth year, pace (1 = the table above), results
ALEX = ("alex@example.com", "Alex Moreno", "f", 1988, 1.0, 0)  # the one logged in
CLUBMATES = [
    ("casey@example.com", "Casey Lin", "m", 1979, 1.0, 3),
    ("sam@example.com", "Sam Okafor", "m", 1991, 0.92, 3),
    ("priya@example.com", "Priya Shah", "f", 1984, 1.05, 2),
    ("jonas@example.com", "Jonas Berg", "m", 1969, 1.18, 2),
]
RUN_FILES = [
    "fit/garmin-fenix-5-run.fit",
    "fit/activity-small-fenix2-run.fit",
    "tcx/test.tcx",
    "gpx/cerknicko-jezero.gpx",
    "fit/garmin-fenix-5-bike.fit",
    "fit/Settings.fit",  # not an activity: the import page says so
]
RUN_SHOWN = "fit/activity-small-fenix2-run.fit"  # the longest steady run: the run page shows it


@dataclass(frozen=True)
class Shot:
    name: str
    path: str  # formatted with the seed data
    athlete: bool = True  # logged in as Alex, or a visitor
    ready: Callable[[Page], None] | None = None  # after load, before the picture
    sizes: tuple[str, ...] = ("phone", "desktop")
    dark: bool = False


def _resume_workout(page: Page) -> None:
    """A device that has not seen the session yet offers Resume or Discard."""
    page.wait_for_selector("#resume-dialog[open]")
    page.click("#resume-yes")
    page.wait_for_selector("#live[data-view='run']")
    page.wait_for_timeout(1_100)  # the clock's next tick


def _first_picture(page: Page) -> None:
    """Scrolled to the first exercise, its picture loaded (it loads lazily)."""
    page.eval_on_selector(".exercise", "section => section.scrollIntoView()")
    page.wait_for_function(
        "() => { const img = document.querySelector('img.exercise-picture');"
        " return img.complete && img.naturalWidth > 0; }"
    )


def _charts_drawn(page: Page) -> None:
    page.wait_for_selector("svg")


SHOTS = [
    Shot("home", "/"),
    Shot("home-dark", "/", sizes=("phone",), dark=True),
    Shot("programs", "/programs/"),
    Shot("program", "/programs/runners-250/"),
    Shot("program-pictures", "/programs/runners-250/", ready=_first_picture),
    Shot("session", "/sessions/{session_id}/", ready=_resume_workout),
    Shot("result", "/results/{result_id}/", ready=_charts_drawn),
    Shot("cheers", "/results/{result_id}/#cheers"),
    Shot("history", "/history/", ready=_charts_drawn),
    Shot("plan", "/plan/"),
    Shot("boards", "/boards/"),
    Shot("board", "/boards/runners-250/"),
    Shot("clubs", "/clubs/"),
    Shot("club", "/clubs/{club_slug}/"),
    Shot("notifications", "/notifications/"),
    Shot("share", "/r/{result_id}/", athlete=False),
    Shot("runs", "/runs/"),
    Shot("run", "/runs/{activity_id}/", ready=_charts_drawn),
    Shot("trend", "/runs/trend/", ready=_charts_drawn),
    Shot("upload", "/runs/upload/"),
    Shot("import", "/runs/imports/{batch_id}/"),
    Shot("me", "/accounts/me/"),
    Shot("profile", "/accounts/profile/"),
    Shot("your-data", "/accounts/your-data/"),
    Shot("log-workout", "/history/log/"),
    Shot("delete-account", "/accounts/delete/"),
    Shot("log-in", "/accounts/log-in/", athlete=False),
    Shot("sign-up", "/accounts/sign-up/", athlete=False),
    Shot("password-reset", "/accounts/password-reset/", athlete=False),
]


# --- data ------------------------------------------------------------------


def _workout_events(
    plan: dict[str, Any], *, start_ms: int, pace: float, rng: random.Random, upto: int | None = None
) -> list[dict[str, Any]]:
    """A believable log: sets of 25 with a breather between them, a rest
    between exercises; every rep done, or only the first ``upto`` sets."""
    events: list[dict[str, Any]] = [{"type": "start", "at": start_ms}]
    now = start_ms
    for position, slot in enumerate(plan["slots"]):
        seconds = SECONDS_PER_REP.get(slot["exercise"], 1.5) * pace
        left = slot["reps"]
        while left:
            if upto is not None and len(events) > upto:
                return events
            reps = min(25, left)
            now += int(reps * seconds * rng.uniform(0.9, 1.15) * 1000)
            events.append({"type": "reps", "at": now, "slot": position, "n": reps})
            left -= reps
            now += int(rng.uniform(6, 14) * 1000)  # breath between sets
        now += int(rng.uniform(15, 35) * 1000)  # rest before the next exercise
    events.append({"type": "finish", "at": events[-1]["at"]})
    return events


def _make_data() -> dict[str, Any]:
    """Two months of a small club, through the services; the ids the pages need."""
    from django.db import connections

    from runstrong.accounts import services as accounts
    from runstrong.accounts.models import Privacy, User
    from runstrong.community import services as community
    from runstrong.plans import services as plans
    from runstrong.runs import services as runs
    from runstrong.workouts import services as workouts
    from runstrong.workouts.models import Program

    rng = random.Random(15)  # noqa: S311 (the same pictures each time, no secret)
    now_ms = int(time.time() * 1000)
    runners_250 = Program.objects.get(slug="runners-250")
    runners_500 = Program.objects.get(slug="runners-500")

    def finish(athlete: User, program: Program, *, days_ago: float, pace: float) -> int:
        session = workouts.session_start(athlete=athlete, program=program)
        start = now_ms - int(days_ago * DAY_MS)
        events = _workout_events(session.plan, start_ms=start, pace=pace, rng=rng)
        appended = None
        for seq, event in enumerate(events):
            appended = workouts.session_append(
                session_id=session.id, athlete=athlete, seq=seq, event=event
            )
        assert appended is not None and appended.result is not None
        community.result_visibility_set(
            athlete=athlete, result_id=appended.result.pk, visibility=Privacy.PUBLIC
        )
        return int(appended.result.pk)

    people: dict[str, User] = {}
    for email, name, sex, born, _pace, _count in [ALEX, *CLUBMATES]:
        person = accounts.user_sign_up(email=email, password=PASSWORD, display_name=name)
        accounts.profile_update(
            user=person,
            display_name=name,
            units="km",
            sex=sex,
            birth_year=born,
            default_privacy=Privacy.PUBLIC,
        )
        people[email.split("@")[0]] = person
    alex = people["alex"]
    club = community.club_create(
        creator=alex,
        name="Riverside Runners",
        description="Tuesday track, Thursday tempo, strength on the days between.",
    )
    for email, _name, _sex, _born, pace, count in CLUBMATES:
        person = people[email.split("@")[0]]
        community.club_join(athlete=person, token=club.invite_token)
        for index in range(count):
            days_ago = 26 - 9 * index + rng.uniform(0, 2)
            finish(person, runners_250, days_ago=days_ago, pace=pace - 0.02 * index)

    # Alex: one 500 to try it, then the 250 twice a week, a little quicker each time.
    finish(alex, runners_500, days_ago=60, pace=1.2)
    days = (58, 54, 47, 43, 36, 29, 22, 15, 8, 2)
    results = [
        finish(alex, runners_250, days_ago=day, pace=1.25 - 0.03 * index)
        for index, day in enumerate(days)
    ]
    latest = results[-1]
    casey, sam, priya = people["casey"], people["sam"], people["priya"]
    community.cheer_toggle(athlete=casey, result_id=latest, kind="pr", on=True)
    community.cheer_toggle(athlete=casey, result_id=latest, kind="strong", on=True)
    community.cheer_toggle(athlete=sam, result_id=latest, kind="cheer", on=True)
    community.cheer_toggle(athlete=priya, result_id=latest, kind="pr", on=True)
    community.comment_add(
        author=casey, result_id=latest, text="A new best! The calf raises look quick."
    )
    community.comment_add(author=sam, result_id=latest, text="See you at Thursday's tempo run.")
    community.comment_add(
        author=alex, result_id=latest, text="Thanks both. The back extensions still burn."
    )

    # Runs from real watch and app files, and one file that is not a run at all.
    files = [(Path(name).name, (ACTIVITIES / name).read_bytes()) for name in RUN_FILES]
    batch = runs.batch_import(athlete=alex, files=files)
    run_id = next(o.activity_id for o in batch.outcomes if o.name == Path(RUN_SHOWN).name)

    # Alex's running week, around which the plan places two strength sessions.
    plans.plan_save(
        athlete=alex,
        days=["easy", "quality", "easy", "quality", "rest", "long", "easy"],
        per_week=2,
        program_slug="runners-250",
        race_day=None,
        race_is_a=False,
    )

    # Today's workout, half done: started five and a half minutes ago.
    session = workouts.session_start(athlete=alex, program=runners_250)
    events = _workout_events(session.plan, start_ms=now_ms - 330_000, pace=1.0, rng=rng, upto=5)
    for seq, event in enumerate(events):
        workouts.session_append(session_id=session.id, athlete=alex, seq=seq, event=event)

    connections.close_all()  # the browser comes next, in another thread of this process
    return {
        "result_id": latest,
        "session_id": session.id,
        "club_slug": club.slug,
        "activity_id": run_id,
        "batch_id": batch.batch.pk,
    }


def seed(site: ServedSite) -> dict[str, Any]:
    """Make the data in this process, on the site's own data folder and settings.

    Not tests/served/seed.py: its data is dated so that every URL has an
    argument, a year back in one go, which reads oddly on a history chart.
    """
    os.environ.update(site.env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "runstrong.settings")
    import django

    django.setup()
    return _make_data()


# --- pictures --------------------------------------------------------------


def small_png(png: bytes) -> bytes:
    """The same picture with a palette and no dithering: type stays crisp and
    flat colour compresses well."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    reduced = image.quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def capture(site: ServedSite, data: dict[str, Any], out: Path, only: set[str]) -> list[Path]:
    alex_cookies = [
        {"name": cookie.name, "value": str(cookie.value), "url": site.url}
        for cookie in site.logged_in("alex@example.com").cookies
    ]
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        contexts: dict[tuple[str, bool, bool], BrowserContext] = {}

        def context_for(size: str, athlete: bool, dark: bool) -> BrowserContext:
            key = (size, athlete, dark)
            if key not in contexts:
                context = browser.new_context(
                    **SIZES[size], color_scheme="dark" if dark else "light"
                )
                context.set_default_timeout(15_000)
                if athlete:
                    context.add_cookies(alex_cookies)  # type: ignore[arg-type]
                contexts[key] = context
            return contexts[key]

        for shot in SHOTS:
            if only and shot.name not in only:
                continue
            for size in shot.sizes:
                page = context_for(size, shot.athlete, shot.dark).new_page()
                page.goto(site.url + shot.path.format(**data), wait_until="networkidle")
                if shot.ready:
                    shot.ready(page)
                target = out / f"{shot.name}-{size}.png"
                target.write_bytes(small_png(page.screenshot(animations="disabled")))
                written.append(target)
                print(f"{target.name}  {target.stat().st_size / 1024:.0f} KB")
                page.close()
        browser.close()
    if not only or "card" in only:
        card = site.client().get(f"/r/{data['result_id']}/card.png")
        assert card.status == 200, card.status
        target = out / "card.png"
        target.write_bytes(small_png(card.body))
        written.append(target)
        print(f"{target.name}  {target.stat().st_size / 1024:.0f} KB")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--only", default="", help="comma-separated page names, e.g. home,result")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    only = {name for name in args.only.split(",") if name}
    # Always a throwaway SQLite data folder, never a database named in the environment.
    os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="runstrong-screenshots.") as name:
        folder = Path(name)
        with runstrong_env(folder / "data") as env, serving(env, folder) as url:
            site = ServedSite(url=url, env=env, log=folder / "serve.log")
            capture(site, seed(site), args.out, only)


if __name__ == "__main__":
    main()
