"""The plan on a phone in Chromium: set up the week, read the plan and its
reasons, move a session to a day that breaks a rule, finish a planned workout
and see it done on the plan and on home; axe on the plan page, light and dark."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from runstrong.plans import rules
from runstrong.plans.models import ItemStatus, PlanItem

from .helpers import ready_device, start, tap, wait_for_view, wait_until_saved
from .test_accessibility import serious_violations

pytestmark = pytest.mark.usefixtures("catalog_synced")

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
# Relative to today, so the live session finishes on a planned day: intervals
# today (strength after the run), easy days, a long run in five days.
WEEK_FROM_TODAY = ["quality", "easy", "easy", "rest", "easy", "long", "rest"]


def week_for(today: date) -> dict[int, str]:
    """The weekday fields (0 = Monday) with WEEK_FROM_TODAY starting at today."""
    return {(today.weekday() + ahead) % 7: kind for ahead, kind in enumerate(WEEK_FROM_TODAY)}


@pytest.fixture
def phone(new_context: Callable[..., BrowserContext], live_server: Any, athlete: Any) -> Page:
    context = new_context(**PHONE)
    ready_device(context, live_server.url, athlete)
    return context.new_page()


@pytest.fixture
def wednesday_morning(phone: Page) -> Iterator[date]:
    """The server's clock and the phone's both at 10:00 on this week's Wednesday,
    ticking on from there, so every test here sees the same plan whatever day the
    suite runs. A plan made on a Sunday holds nothing that day (one day of a week
    is too few for a share of two sessions: rules.week_target), and the test that
    finishes today's session needs a day that has one; nor may a test cross
    midnight between its today and the server's."""
    wednesday = rules.monday_of(timezone.localdate()) + timedelta(days=2)
    moment = timezone.make_aware(datetime.combine(wednesday, time(10)))
    with time_machine.travel(moment, tick=True):
        phone.context.clock.install(time=moment)
        yield wednesday


def set_up_the_week(page: Page, base_url: str, today: date) -> None:
    page.goto(f"{base_url}/accounts/me/")
    page.get_by_role("link", name="Plan", exact=True).tap()
    page.wait_for_url(f"{base_url}/plan/")
    expect(page.locator("#guess")).to_contain_text("Not enough runs to guess your week")
    for weekday, kind in week_for(today).items():
        page.select_option(f"select[name=day_{weekday}]", kind)
    page.get_by_label("2 (what the studies used most)").check()
    page.get_by_role("button", name="Make my plan").tap()
    page.wait_for_url(f"{base_url}/plan/#coming")


def test_a_runner_plans_moves_a_session_and_finishes_one_on_a_phone(
    live_server: Any, athlete: Any, phone: Page, wednesday_morning: date
) -> None:
    page = phone
    today = wednesday_morning
    assert timezone.localdate() == today
    set_up_the_week(page, live_server.url, today)

    items = list(PlanItem.objects.filter(athlete=athlete, status=ItemStatus.PLANNED))
    todays = next((item for item in items if item.day == today), None)
    assert todays is not None, [item.day for item in items]
    expect(page.locator(".message")).to_contain_text("Week saved")
    card = page.locator(f"#item-{todays.pk}")
    reason = rules.RULES[rules.Rule(todays.rules[0])]
    card.locator(".plan-why summary").tap()
    expect(card.locator(".plan-reasons")).to_be_visible()
    expect(card.locator(".plan-reasons")).to_contain_text(reason.says)
    expect(card.locator("cite").first).to_contain_text(reason.source)
    expect(card).to_contain_text("half reps")

    # Move a later session to the day before the long run: a warning, then confirm.
    before_long = today + timedelta(days=4)
    later = next(item for item in items if item.day > today and item.day != before_long)
    card = page.locator(f"#item-{later.pk}")
    card.locator(".plan-change summary").tap()
    card.locator(f"input[name='move-{later.pk}-to']").fill(before_long.isoformat())
    card.get_by_role("button", name="Move", exact=True).tap()
    warning = page.locator(f"#move-warning-{later.pk}")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"Moving it to {before_long:%A} {before_long.day}")
    later.refresh_from_db()
    assert later.day != before_long
    page.locator(f"#item-{later.pk}").get_by_role("button", name="Move anyway").tap()
    moved = page.locator(f"#item-{later.pk}[data-day='{before_long.isoformat()}']")
    expect(moved).to_be_visible()
    later.refresh_from_db()
    assert later.day == before_long and later.sequence == 1

    # Home says what today holds; Start opens the half-rep session.
    page.goto(f"{live_server.url}/")
    line = page.locator("#plan-today")
    expect(line).to_contain_text("Strength today: Runner's 250 at half reps, after your intervals")
    line.get_by_role("button", name="Start Runner's 250 at half reps").tap()
    page.wait_for_url("**/sessions/*/")
    start(page)
    tap(page, 5)  # five slots of 25 in sets of 25
    wait_for_view(page, "done")
    wait_until_saved(page)

    todays.refresh_from_db()
    assert todays.status == ItemStatus.DONE and todays.result is not None
    page.goto(f"{live_server.url}/plan/")
    expect(page.locator(f"#item-{todays.pk}")).to_have_attribute("data-status", "done")
    expect(page.locator(f"#item-{todays.pk}")).to_contain_text("Done")
    page.goto(f"{live_server.url}/")
    expect(page.locator("#plan-today")).to_contain_text("Strength done today")


def test_a_bad_move_shows_its_message_without_leaving_the_card(
    live_server: Any, athlete: Any, phone: Page, wednesday_morning: date
) -> None:
    page = phone
    today = wednesday_morning
    set_up_the_week(page, live_server.url, today)
    item = PlanItem.objects.filter(athlete=athlete, day__gt=today).first()
    assert item is not None
    card = page.locator(f"#item-{item.pk}")
    card.locator(".plan-change summary").tap()

    card.locator(f"input[name='move-{item.pk}-to']").fill((today - timedelta(days=2)).isoformat())
    card.get_by_role("button", name="Move", exact=True).tap()

    expect(page.locator(f"#item-{item.pk} .errorlist")).to_contain_text("into the past")
    item.refresh_from_db()
    assert item.sequence == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_plan_page_passes_axe(
    live_server: Any, athlete: Any, phone: Page, scheme: str, wednesday_morning: date
) -> None:
    page = phone
    today = wednesday_morning
    page.emulate_media(color_scheme=scheme)
    set_up_the_week(page, live_server.url, today)
    assert serious_violations(page) == []

    item = (
        PlanItem.objects.filter(athlete=athlete, day__gt=today)
        .exclude(day=today + timedelta(days=4))
        .first()
    )
    assert item is not None
    card = page.locator(f"#item-{item.pk}")
    card.locator(".plan-change summary").tap()
    card.locator(f"input[name='move-{item.pk}-to']").fill((today + timedelta(days=4)).isoformat())
    card.get_by_role("button", name="Move", exact=True).tap()
    expect(page.locator(f"#move-warning-{item.pk}")).to_be_visible()
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/")
    assert serious_violations(page) == []
