"""Where strength sessions go: worked examples from real runners' weeks, and the
properties that hold for any week and wish (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from runstrong.plans.rules import (
    RULES,
    Day,
    Race,
    Rule,
    Week,
    Wish,
    move_problems,
    next_valid_day,
    place,
)

R, E, Q, L = Day.REST, Day.EASY, Day.QUALITY, Day.LONG
MONDAY = date(2026, 12, 7)


def on(offset: int) -> date:
    """A day counted from MONDAY (0: Monday 7 December 2026)."""
    return MONDAY + timedelta(days=offset)


def weekdays_of(days: list[date]) -> list[str]:
    return [day.strftime("%a") for day in days]


def wish(per_week: int, race: Race | None = None) -> Wish:
    """A runner who has done the 250 often (no reduced sessions)."""
    return Wish(per_week=per_week, program="runners-250", race=race, full_250s_done=10)


# ---------------------------------------------------------------------------
# Worked examples.

THREE_RUNS: Week = (R, E, R, Q, R, L, R)  # Tue easy, Thu intervals, Sat long


def test_three_runs_a_week_two_sessions_on_the_easy_and_the_quality_day() -> None:
    # Tue (easy) and Thu (after the intervals): both on running days, so the four rest
    # days stay free; Wed and Fri are out (the day before the intervals and the long
    # run). Tue→Thu is exactly 48 h.
    plan = place(THREE_RUNS, wish(2), MONDAY)
    assert weekdays_of([item.day for item in plan.items]) == ["Tue", "Thu"] * 4
    assert plan.dropped == ()
    assert all(item.warning is None and not item.reduced for item in plan.items)
    assert plan.items[1].rules[0] is Rule.AFTER_QUALITY
    assert plan.items[0].rules[0] is Rule.EASY_DAY


FIVE_HARD: Week = (R, Q, Q, E, Q, Q, L)  # Tue, Wed, Fri, Sat quality; Sun long


def test_three_sessions_with_five_hard_days_drops_one_and_says_why() -> None:
    # Only Wednesday (before the easy Thursday) and Sunday (before the rest Monday) are
    # not the day before a hard run; a third session would need one of those days.
    plan = place(FIVE_HARD, wish(3), MONDAY)
    assert weekdays_of([item.day for item in plan.items]) == ["Wed", "Sun"] * 4
    assert [dropped.week_start for dropped in plan.dropped] == [on(0), on(7), on(14), on(21)]
    assert all(dropped.count == 1 for dropped in plan.dropped)
    assert Rule.DAY_BEFORE_HARD in plan.dropped[0].rules
    assert "1 of 3 sessions dropped" in plan.dropped[0].reason
    assert "day before" in plan.dropped[0].reason


def test_every_rule_has_a_sentence_and_a_source() -> None:
    for rule in Rule:
        text = RULES[rule]
        assert text.says.endswith(".") and len(text.says) > 20
        assert text.source.strip()


def test_move_onto_the_day_before_intervals_names_the_rule() -> None:
    # Thursday's session moved to Wednesday, the day before the intervals.
    problems = move_problems(THREE_RUNS, wish(2), [on(8)], on(2))
    assert [rule for rule, _ in problems] == [Rule.DAY_BEFORE_HARD]
    assert "quality run on Thursday" in problems[0][1]


def test_move_next_to_another_session_breaks_the_48_hours() -> None:
    problems = move_problems(THREE_RUNS, wish(2), [on(3)], on(4))
    assert Rule.GAP_48H in [rule for rule, _ in problems]
    assert "Thursday 10 December" in dict(problems)[Rule.GAP_48H]


def test_move_into_the_taper_is_refused() -> None:
    race = Race(day=on(20), a_race=True)
    problems = move_problems(THREE_RUNS, wish(2, race=race), [], on(15))
    assert [rule for rule, _ in problems] == [Rule.TAPER]


def test_next_valid_day_skips_days_that_break_a_rule() -> None:
    # Missed Tuesday's session, Thursday's still planned: Wed is within 48 h of Thu,
    # Fri is the day before the long run and within 48 h, Sat is after the long run,
    # 48 h after Thursday: the first valid day.
    assert next_valid_day(THREE_RUNS, wish(2), [on(3)], on(1)) == on(5)


def test_next_valid_day_none_when_the_limit_is_too_short() -> None:
    assert next_valid_day(THREE_RUNS, wish(2), [on(3)], on(1), limit_days=3) is None


def test_new_runner_gets_half_reps_for_the_first_two_weeks() -> None:
    new = Wish(per_week=2, program="runners-250", full_250s_done=0)
    plan = place(THREE_RUNS, new, MONDAY)
    assert [item.reduced for item in plan.items] == [True] * 4 + [False] * 4
    assert all(Rule.NEW_ATHLETE in item.rules for item in plan.items[:4])
    assert not plan.offer_500
