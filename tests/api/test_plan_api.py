"""The plan through /api/v1/plan: the weeks and sessions the plan page shows, and only
ever the caller's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import ApiClient, assert_error
from tests.plans.conftest import save_week

pytestmark = pytest.mark.django_db

ITEM = re.compile(r'id="item-(\d+)" data-day="([\d-]+)" data-status="(\w+)"')


def test_the_plan_reads_as_on_its_page(athlete: Any, bearer: Callable[..., ApiClient]) -> None:
    save_week(athlete, today=timezone.localdate())
    page = Client()
    page.force_login(athlete)
    shown = [
        (int(pk), day, status)
        for pk, day, status in ITEM.findall(page.get("/plan/").content.decode())
    ]

    answer = bearer(athlete, "read").get("/plan")

    assert answer.status_code == 200
    body = answer.json()
    assert body["has_plan"] is True and body["program_slug"] == "runners-250"
    listed = [
        (item["id"], item["day"], item["status"])
        for item in body["missed"] + [i for week in body["weeks"] for i in week["items"]]
    ]
    assert shown and sorted(listed) == sorted(shown)
    first = next(item for week in body["weeks"] for item in week["items"])
    assert first["program"].startswith("Runner's 250") and first["reasons"]
    assert first["reasons"][0]["says"] and first["day_kind"]


def test_the_plan_is_only_ever_the_callers_own(
    athlete: Any, stranger: Any, bearer: Callable[..., ApiClient]
) -> None:
    save_week(athlete, today=timezone.localdate())

    theirs = bearer(stranger, "read").get("/plan").json()
    assert theirs["has_plan"] is False and theirs["weeks"] == [] and theirs["missed"] == []
    assert_error(ApiClient(Client()).get("/plan"), 401, "login_required")
    assert_error(bearer(athlete, "read").call("POST", "/plan", {}), 405, "method_not_allowed")
