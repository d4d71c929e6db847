"""`runstrong trend`'s text: the same numbers and verdict as the trend page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from rich.console import Console

from runstrong.runs.report import print_trend
from tests.runs.test_run_pages import (
    FIRST_SESSION,
    TREND,
    runs_around_the_first_session,
    strength_session,
    text_of,
)


def printed(athlete: Any) -> str:
    buffer = io.StringIO()
    print_trend(athlete, Console(file=buffer, width=100, color_system=None, soft_wrap=True))
    return buffer.getvalue()


@pytest.mark.usefixtures("catalog_synced")
def test_the_summary_gives_the_pages_numbers_and_verdict(athlete: Any, athlete_client: Any) -> None:
    strength_session(athlete, FIRST_SESSION)
    runs_around_the_first_session(athlete, before=9, after=9, change=0.05, seed=4)

    text = printed(athlete)
    page = text_of(athlete_client.get(TREND))

    change = re.search(r'<dd id="change">([^<]+)</dd>', page)
    interval = re.search(r'<dd id="interval">([^<]+)</dd>', page)
    assert change is not None and interval is not None
    assert f"change in mean EF: {change.group(1)}" in text
    assert f"95% confidence interval: {interval.group(1)}" in text
    assert "verdict: Improved" in text and 'data-verdict="improved"' in page
    assert "runs before: 9; from then on: 9" in text
    assert "18 qualifying runs" in text
    assert "up to 8%" in text


def test_with_nothing_imported_the_summary_says_there_is_not_enough_data(athlete: Any) -> None:
    text = printed(athlete)

    assert "Not enough data: no runs imported yet" in text
    assert "no strength sessions yet" in text


def test_the_summary_says_what_counts_as_steady_as_the_trend_page_does(athlete: Any) -> None:
    text = printed(athlete)

    assert "What counts: " in text
    assert "taken as intervals and left out" in text
