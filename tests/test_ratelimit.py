"""The rate limiter: at most N hits in any window, shared through the cache."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import time_machine

from runstrong import ratelimit
from runstrong.accounts.models import RateBucket

pytestmark = pytest.mark.django_db


def test_hits_are_allowed_up_to_the_limit_then_refused() -> None:
    decisions = [ratelimit.hit("k", 3, 60) for _ in range(4)]

    assert [decision.allowed for decision in decisions] == [True, True, True, False]
    assert [decision.remaining for decision in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after > 0


def test_keys_are_counted_apart() -> None:
    for _ in range(2):
        ratelimit.hit("a", 2, 60)

    assert not ratelimit.hit("a", 2, 60).allowed
    assert ratelimit.hit("b", 2, 60).allowed


def test_the_window_slides_each_hit_frees_its_slot_after_the_window() -> None:
    with time_machine.travel("2026-03-01 10:00:00Z", tick=False) as clock:
        ratelimit.hit("k", 2, 600)
        clock.shift(300)
        ratelimit.hit("k", 2, 600)
        clock.shift(60)

        refused = ratelimit.hit("k", 2, 600)
        assert not refused.allowed and refused.retry_after == 240
        assert refused.retry_after_minutes == 4

        clock.shift(241)  # the first hit has left the window, the second has not
        assert ratelimit.hit("k", 2, 600).allowed
        assert not ratelimit.hit("k", 2, 600).allowed


def test_a_refused_hit_does_not_push_the_wait_further_out() -> None:
    with time_machine.travel("2026-03-01 10:00:00Z", tick=False) as clock:
        ratelimit.hit("k", 1, 600)
        for _ in range(5):
            clock.shift(60)
            ratelimit.hit("k", 1, 600)

        clock.shift(299)
        assert not ratelimit.peek("k", 1, 600).allowed
        clock.shift(2)  # 601 s after the only counted hit
        assert ratelimit.hit("k", 1, 600).allowed


def test_peek_counts_nothing() -> None:
    for _ in range(5):
        assert ratelimit.peek("k", 1, 60).allowed

    ratelimit.hit("k", 1, 60)
    assert not ratelimit.peek("k", 1, 60).allowed


def test_reset_forgets_the_hits() -> None:
    ratelimit.hit("k", 1, 60)
    ratelimit.reset("k", 1)

    assert ratelimit.hit("k", 1, 60).allowed


def test_retry_after_minutes_rounds_up_and_is_at_least_one() -> None:
    assert ratelimit.Decision(False, 0, 1).retry_after_minutes == 1
    assert ratelimit.Decision(False, 0, 61).retry_after_minutes == 2
    assert ratelimit.Decision(False, 0, 900).retry_after_minutes == 15


def test_any_text_makes_a_valid_cache_key() -> None:
    key = "login:email:" + "ü x\n" * 100
    assert ratelimit.hit(key, 1, 60).allowed
    assert not ratelimit.hit(key, 1, 60).allowed


# ``spend``: the request limiter (one row per key, generic cell rate algorithm),
# on its own and after a lookup (``spend_if_found``: one statement on PostgreSQL).

Spender = Callable[[str, int, float], ratelimit.Decision]


def _after_a_lookup(key: str, limit: int, window: float) -> ratelimit.Decision:
    row, decision = ratelimit.spend_if_found(
        "SELECT %(word)s AS word", {"word": "found"}, key, limit, window
    )
    assert row == ("found",) and decision is not None
    return decision


@pytest.fixture(params=["spend", "spend_if_found"])
def spend(request: pytest.FixtureRequest) -> Spender:
    return ratelimit.spend if request.param == "spend" else _after_a_lookup


def test_spend_allows_a_burst_of_the_limit_then_refuses(spend: Spender) -> None:
    with time_machine.travel("2026-03-01 10:00:00Z", tick=False):
        decisions = [spend("k", 4, 60) for _ in range(5)]

    assert [decision.allowed for decision in decisions] == [True, True, True, True, False]
    assert [decision.remaining for decision in decisions] == [3, 2, 1, 0, 0]
    # The allowance comes back one request every 60 / 4 = 15 s.
    assert decisions[-1].retry_after == 15


@pytest.mark.parametrize(("limit", "window"), [(100, 10), (30, 7), (7, 60), (1000, 3600)])
def test_spend_allows_exactly_the_limit_at_once_whatever_the_rounding(
    spend: Spender, limit: int, window: int
) -> None:
    with time_machine.travel("2026-03-01 10:00:00.123Z", tick=False):
        allowed = [spend("k", limit, window).allowed for _ in range(limit + 1)]
    assert allowed == [True] * limit + [False]


def test_spend_gives_the_allowance_back_one_request_per_interval(spend: Spender) -> None:
    with time_machine.travel("2026-03-01 10:00:00Z", tick=False) as clock:
        for _ in range(4):
            spend("k", 4, 60)
        clock.shift(14)
        assert not spend("k", 4, 60).allowed
        clock.shift(1)
        assert spend("k", 4, 60).allowed
        assert not spend("k", 4, 60).allowed

        clock.shift(60)  # a whole window quiet: the whole burst is back
        assert [spend("k", 4, 60).allowed for _ in range(5)] == [True] * 4 + [False]


def test_spend_never_lets_more_than_the_rate_through_over_a_long_run(spend: Spender) -> None:
    allowed = 0
    with time_machine.travel("2026-03-01 10:00:00Z", tick=False) as clock:
        for _ in range(1000):  # ten requests a second for 100 s
            allowed += spend("k", 10, 10).allowed
            clock.shift(0.1)

    # At most the burst plus one a second.
    assert allowed <= 10 + 100
    assert allowed >= 100


def test_a_refused_spend_is_not_counted(spend: Spender) -> None:
    with time_machine.travel("2026-03-01 10:00:00Z", tick=False) as clock:
        spend("k", 1, 600)
        for _ in range(5):
            clock.shift(60)
            refused = spend("k", 1, 600)
            assert not refused.allowed
        assert refused.retry_after == 300

        clock.shift(300)
        assert spend("k", 1, 600).allowed


def test_spend_counts_keys_apart_and_any_text_is_a_key(spend: Spender) -> None:
    strange = "a\x00é" * 500
    assert spend(strange, 1, 60).allowed
    assert not spend(strange, 1, 60).allowed
    assert spend("other", 1, 60).allowed


def test_nothing_found_counts_nothing_and_leaves_no_row() -> None:
    for _ in range(3):
        row, decision = ratelimit.spend_if_found(
            "SELECT 1 AS one WHERE %(word)s = 'never'", {"word": "other"}, "k", 1, 60
        )
        assert (row, decision) == (None, None)

    assert not RateBucket.objects.exists()
    assert ratelimit.spend("k", 1, 60).allowed  # the allowance is whole
