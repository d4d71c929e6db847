"""The rate limiter: at most N hits in any window, shared through the cache."""

from __future__ import annotations

import pytest
import time_machine

from runstrong import ratelimit

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
