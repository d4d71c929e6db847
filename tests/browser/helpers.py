"""Steps the browser tests share: log in, open a session page, tap, read what it shows."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page

from runstrong.workouts import services
from runstrong.workouts.models import Program, WorkoutSession


def log_in(context: BrowserContext, base_url: str, user: Any) -> None:
    """Log ``user`` in to the browser context by handing it a server session cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def new_session(user: Any, slug: str = "runners-250") -> WorkoutSession:
    return services.session_start(athlete=user, program=Program.objects.get(slug=slug))


def session_url(base_url: str, session: WorkoutSession) -> str:
    return f"{base_url}/sessions/{session.id}/"


def use_preferences(context: BrowserContext, *, set_size: int = 25, lead_in: int = 0) -> None:
    """The athlete's remembered set size and count-in, there before any page script runs."""
    values = json.dumps({"runstrong.setSize": str(set_size), "runstrong.leadIn": str(lead_in)})
    context.add_init_script(
        f"try {{ for (const [k, v] of Object.entries({values})) localStorage.setItem(k, v); }}"
        " catch (error) {}"
    )


def view(page: Page) -> str:
    return str(page.get_attribute("#live", "data-view"))


def wait_for_view(page: Page, name: str) -> None:
    page.wait_for_selector(f"#live[data-view='{name}']")


def event_count(page: Page) -> int:
    return int(page.evaluate("() => window.runstrongSession.events.length"))


def tap(page: Page, times: int = 1) -> None:
    """Tap the big button, each time waiting until the tap is stored and shown."""
    for _ in range(times):
        before = event_count(page)
        page.click("#tap")
        page.wait_for_function(
            "before => window.runstrongSession.events.length > before", arg=before
        )


def start(page: Page) -> None:
    wait_for_view(page, "ready")
    page.click("#start")
    wait_for_view(page, "run")


def shown_result(page: Page) -> dict[str, Any]:
    """What the finished page shows: total and splits in milliseconds, reps."""
    wait_for_view(page, "done")
    splits = page.eval_on_selector_all(
        "#splits li", "items => items.map(item => Number(item.dataset.splitMs))"
    )
    return {
        "total_ms": int(str(page.get_attribute("#result-total", "data-total-ms"))),
        "splits_ms": splits,
        "meta": page.text_content("#result-meta"),
    }


def wait_until_saved(page: Page) -> None:
    page.wait_for_selector("#save-status[data-saved='yes']")


def ready_device(context: BrowserContext, base_url: str, user: Any) -> None:
    """A device logged in as ``user``, taps logging sets of 25, no count-in."""
    log_in(context, base_url, user)
    use_preferences(context, set_size=25)


def started_session(
    context: BrowserContext, page: Page, base_url: str, user: Any
) -> WorkoutSession:
    """On a device made ready for ``user``, a new Runner's 250 opened on ``page``
    and started."""
    ready_device(context, base_url, user)
    session = new_session(user)
    page.goto(session_url(base_url, session))
    start(page)
    return session
