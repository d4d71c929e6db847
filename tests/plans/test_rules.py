"""Where strength sessions go: worked examples from real runners' weeks, and the
properties that hold for any week and wish (Hypothesis)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from runstrong.plans.rules import (
    MIN_GAP_DAYS,
    RACE_BLOCK_WEEKS,
    RECOVERY_DAYS,
    REDUCED_WEEKS,
    RULES,
    TAPER_DAYS,
    WEEKS_AHEAD,
    Day,
    Race,
    Rule,
    Week,
    Wish,
    move_problems,
    next_valid_day,
    place,
    week_target,
)
from runstrong.plans.week_guess import guess_week

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


SIX_RUNS: Week = (R, Q, E, E, E, E, L)  # Tuesday intervals, Sunday long run, Monday off


def test_six_runs_two_sessions_after_the_intervals_and_three_days_later() -> None:
    # Tuesday after the intervals; then an easy day 3 days on (Fri) rather than 2 (Thu),
    # so the week splits 3 + 4 days. Monday (before the intervals) and Saturday (before
    # the long run) are never used.
    plan = place(SIX_RUNS, wish(2), MONDAY)
    assert [item.day for item in plan.items] == [on(n) for n in (1, 4, 8, 11, 15, 18, 22, 25)]
    assert plan.dropped == ()
    assert plan.items[0].rules == (Rule.AFTER_QUALITY, Rule.GAP_48H)
    assert plan.items[1].rules == (Rule.EASY_DAY, Rule.GAP_48H)


def test_six_runs_three_sessions_take_the_long_run_day_as_the_third() -> None:
    # Three sessions 48 h apart that avoid Monday and Saturday must include Sunday:
    # Tue (intervals), Thu (easy), Sun (after the long run). Thursday rather than Friday
    # leaves three days, not two, before Sunday's long run. Sunday to Tuesday is 48 h.
    plan = place(SIX_RUNS, wish(3), MONDAY)
    assert weekdays_of([item.day for item in plan.items]) == ["Tue", "Thu", "Sun"] * 4
    assert plan.dropped == ()
    assert all(item.warning is None for item in plan.items)


def test_a_plan_made_on_a_sunday_says_why_that_day_has_no_session() -> None:
    # Made on Sunday 13 December: one day of that week is left, and a share of two
    # sessions a week for one day rounds to none (week_target). The week is not left
    # out in silence: a note says so; the sessions start on Tuesday.
    plan = place(SIX_RUNS, wish(2), on(6))
    assert plan.items[0].day == on(8)
    note = plan.dropped[0]
    assert note.week_start == MONDAY and note.count == 0
    assert note.rules == (Rule.PART_WEEK,)
    assert note.reason == (
        "No session this week: only Sunday is open to the plan, too few for a share of "
        "your 2 sessions a week (2\u00a0×\u00a01/7 rounds to\u00a00)."
    )
    # On a Saturday the two days left get one session, and nothing needs saying.
    plan = place(SIX_RUNS, wish(2), on(5))
    assert plan.items[0].day == on(6) and plan.dropped == ()
    # A week the plan's end cuts short says nothing: the next placement covers it.
    assert place(SIX_RUNS, wish(2), on(1), weeks=1).dropped == ()


def test_marathon_in_three_weeks() -> None:
    # A marathon (A race) on Sunday 27 December, planned from Monday 7 December with
    # Tue intervals and a Sunday long run, two sessions wished. The 4 weeks before it
    # allow one a week: Tue 8 Dec; Tue 15 Dec is the last before the taper (from Thu
    # 17 Dec); nothing in race week; after it, three days of recovery (Mon–Wed), then
    # one session in what is left of that week: Thursday 31 December.
    race = Race(day=on(20), a_race=True)
    plan = place(SIX_RUNS, wish(2, race=race), MONDAY)
    assert [item.day for item in plan.items] == [on(1), on(8), on(24)]
    assert plan.items[0].rules == (Rule.AFTER_QUALITY, Rule.GAP_48H, Rule.RACE_BLOCK)
    assert plan.items[1].rules == (Rule.AFTER_QUALITY, Rule.GAP_48H, Rule.RACE_BLOCK)
    assert plan.items[2].rules == (Rule.EASY_DAY, Rule.GAP_48H)
    assert plan.dropped == ()


def test_a_race_that_is_not_the_goal_only_keeps_its_day_and_the_day_before() -> None:
    # A tune-up 10 km on Saturday 12 December (not an A race): no session that day or
    # on Friday, the rest of the plan as usual: Tue, then Thu (easy, 2 days before).
    race = Race(day=on(5), a_race=False)
    plan = place(SIX_RUNS, wish(2, race=race), MONDAY, weeks=1)
    assert [item.day for item in plan.items] == [on(1), on(3)]


def test_new_runner_with_no_imported_runs() -> None:
    # Nothing imported: no guess, so they enter their week by hand (Tue and Thu easy
    # runs, a Saturday long run) on Wednesday 9 December. Five days are left of this
    # week, so one session (Thursday, easy; Friday is before the long run); then Tue and
    # Thu each week. Half reps until Tuesday 22 December (two weeks from the start), the
    # full 250 from Thursday 24 December; the 500 is not offered yet.
    assert guess_week([], MONDAY).week is None
    new = Wish(per_week=2, program="runners-250", full_250s_done=0)
    plan = place(THREE_RUNS, new, on(2))
    assert [item.day for item in plan.items] == [on(n) for n in (3, 8, 10, 15, 17, 22, 24, 29)]
    assert [item.reduced for item in plan.items] == [True] * 4 + [False] * 4
    assert all(Rule.NEW_ATHLETE in item.rules for item in plan.items[:4])
    assert not plan.offer_500


def test_the_500_is_offered_after_four_full_250s() -> None:
    three = Wish(per_week=2, program="runners-250", full_250s_done=3)
    four = Wish(per_week=2, program="runners-250", full_250s_done=4)
    assert not place(THREE_RUNS, three, MONDAY).offer_500
    assert place(THREE_RUNS, four, MONDAY).offer_500
    assert not any(item.reduced for item in place(THREE_RUNS, three, MONDAY).items)


def test_a_session_done_yesterday_keeps_48_hours_from_the_first_planned() -> None:
    # Planned from Wednesday 9 December after a session on Tuesday 8: Wednesday is too
    # close, and five days are left of the week, so one session: Friday (easy, the
    # same day the usual Tue/Fri rhythm puts it), then Tue/Fri as usual.
    plan = place(SIX_RUNS, wish(2), on(2), last_session=on(1))
    assert [item.day for item in plan.items][:3] == [on(4), on(8), on(11)]


def test_every_day_hard_bends_the_rule_for_two_sessions_with_a_warning() -> None:
    # Seven quality days: every day is the day before one. Two sessions still go in
    # (the dose the studies used), each warning why; a third would be dropped.
    plan = place((Q, Q, Q, Q, Q, Q, Q), wish(3), MONDAY, weeks=1)
    assert len(plan.items) == 2
    assert all(item.warning and "day before" in item.warning for item in plan.items)
    assert [(entry.count, entry.week_start) for entry in plan.dropped] == [(1, MONDAY)]


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


# ---------------------------------------------------------------------------
# Properties: for any week, wish, start and last session.

EXAMPLES = settings(max_examples=300, deadline=None)
HARD = {Day.QUALITY, Day.LONG}
ALL_REST: Week = (R, R, R, R, R, R, R)

weeks_st = st.tuples(*[st.sampled_from(list(Day))] * 7)
starts_st = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Week, Wish, date, date | None]:
    week = draw(weeks_st)
    start = draw(starts_st)
    race = draw(
        st.none()
        | st.builds(
            Race,
            day=st.integers(min_value=-14, max_value=60).map(lambda n: start + timedelta(days=n)),
            a_race=st.booleans(),
        )
    )
    wish_ = Wish(
        per_week=draw(st.integers(min_value=1, max_value=3)),
        program=draw(st.sampled_from(["runners-250", "runners-500"])),
        race=race,
        full_250s_done=draw(st.integers(min_value=0, max_value=12)),
    )
    last = draw(st.none() | st.integers(min_value=0, max_value=6))
    return week, wish_, start, None if last is None else start - timedelta(days=last)


def hard_next_day(week: Week, wish_: Wish, day: date) -> bool:
    tomorrow = day + timedelta(days=1)
    return week[tomorrow.weekday()] in HARD or (
        wish_.race is not None and wish_.race.day == tomorrow
    )


def mondays(start: date) -> list[date]:
    """The Mondays of the calendar weeks the plan from ``start`` touches."""
    first = start - timedelta(days=start.weekday())
    end = start + timedelta(days=7 * WEEKS_AHEAD)
    return [first + timedelta(days=7 * n) for n in range(6) if first + timedelta(days=7 * n) < end]


@EXAMPLES
@given(cases())
def test_sessions_are_48_hours_apart_in_date_order_inside_the_weeks(
    case: tuple[Week, Wish, date, date | None],
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    days = [item.day for item in plan.items]
    assert days == sorted(days)
    assert all(start <= day < start + timedelta(days=7 * WEEKS_AHEAD) for day in days)
    chain = ([last] if last else []) + days
    assert all((b - a).days >= MIN_GAP_DAYS for a, b in itertools.pairwise(chain))


@EXAMPLES
@given(cases())
def test_race_rules_hold(case: tuple[Week, Wish, date, date | None]) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    race = wish_.race
    if race is None:
        return
    for item in plan.items:
        assert item.day != race.day
        if race.a_race:
            assert not (race.day - timedelta(days=TAPER_DAYS) <= item.day <= race.day)
            assert not (race.day < item.day <= race.day + timedelta(days=RECOVERY_DAYS))
    if race.a_race:
        block_start = race.day - timedelta(days=7 * RACE_BLOCK_WEEKS)
        in_block = [item.day for item in plan.items if block_start <= item.day < race.day]
        per_week = Counter(day - timedelta(days=day.weekday()) for day in in_block)
        assert all(count <= 1 for count in per_week.values())


@EXAMPLES
@given(cases())
def test_day_before_a_hard_run_only_with_a_warning_and_never_for_a_third(
    case: tuple[Week, Wish, date, date | None],
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    for item in plan.items:
        before_hard = hard_next_day(week, wish_, item.day)
        assert (item.warning is not None) == before_hard
        assert (Rule.DAY_BEFORE_HARD in item.rules) == before_hard
        if before_hard:
            assert "day before" in (item.warning or "")
    per_week = Counter(item.day - timedelta(days=item.day.weekday()) for item in plan.items)
    for item in plan.items:
        if item.warning is not None:
            assert per_week[item.day - timedelta(days=item.day.weekday())] <= 2


@EXAMPLES
@given(cases())
def test_placed_and_dropped_add_up_to_the_wish_each_week(
    case: tuple[Week, Wish, date, date | None],
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    end = start + timedelta(days=7 * WEEKS_AHEAD)
    race = wish_.race
    for monday in mondays(start):
        days = [monday + timedelta(days=n) for n in range(7)]
        in_window = [day for day in days if start <= day < end]
        open_days = [day for day in in_window if not move_closes(wish_, day)]
        placed = sum(1 for item in plan.items if monday <= item.day <= days[-1])
        dropped = sum(entry.count for entry in plan.dropped if entry.week_start == monday)
        expected = week_target(wish_.per_week, len(open_days))
        share = expected
        if len(open_days) == 7:
            assert expected == wish_.per_week
        block = False
        if race is not None and race.a_race:
            block_start = race.day - timedelta(days=7 * RACE_BLOCK_WEEKS)
            if monday < race.day and days[-1] >= block_start:
                block = True
                done_this_week = last is not None and monday <= last <= days[-1]
                expected = min(expected, 0 if done_this_week else 1)
        assert placed + dropped == expected
        # A week with open days but too few for a share says so, unless the plan's
        # end cuts it (the next placement covers the rest).
        notes = [e for e in plan.dropped if e.week_start == monday and e.count == 0]
        said = share == 0 and bool(open_days) and not block and days[-1] < end
        assert len(notes) == (1 if said else 0)
        for note in notes:
            assert note.rules[0] == Rule.PART_WEEK and "rounds to\u00a00" in note.reason
    assert all(entry.reason and entry.rules for entry in plan.dropped)
    assert all(entry.count > 0 or entry.rules[0] == Rule.PART_WEEK for entry in plan.dropped)


def move_closes(wish_: Wish, day: date) -> bool:
    """A day no session may take: race day, an A race's taper or recovery."""
    problems = {rule for rule, _ in move_problems(ALL_REST, wish_, [], day)}
    return bool(problems & {Rule.TAPER, Rule.RACE_RECOVERY})


@EXAMPLES
@given(cases())
def test_a_week_drops_a_session_only_when_no_open_day_is_free_of_problems(
    case: tuple[Week, Wish, date, date | None],
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    end = start + timedelta(days=7 * WEEKS_AHEAD)
    others = [item.day for item in plan.items] + ([last] if last else [])
    for entry in plan.dropped:
        if entry.count == 0:
            continue  # a week too short for a share: nothing was dropped from it
        for offset in range(7):
            day = entry.week_start + timedelta(days=offset)
            if start <= day < end:
                assert move_problems(week, wish_, others, day), day


@EXAMPLES
@given(cases())
def test_each_placed_session_breaks_no_rule_but_the_one_its_warning_names(
    case: tuple[Week, Wish, date, date | None],
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    days = [item.day for item in plan.items]
    for index, item in enumerate(plan.items):
        others = days[:index] + days[index + 1 :] + ([last] if last else [])
        broken = [rule for rule, _ in move_problems(week, wish_, others, item.day)]
        assert broken == ([Rule.DAY_BEFORE_HARD] if item.warning else [])


@EXAMPLES
@given(cases())
def test_same_input_same_plan(case: tuple[Week, Wish, date, date | None]) -> None:
    week, wish_, start, last = case
    assert place(week, wish_, start, last_session=last) == place(
        week, wish_, start, last_session=last
    )


@EXAMPLES
@given(cases())
def test_reduced_only_in_a_new_athletes_first_two_weeks(
    case: tuple[Week, Wish, date, date | None],
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    for item in plan.items:
        first_weeks = item.day < start + timedelta(days=7 * REDUCED_WEEKS)
        assert item.reduced == (wish_.full_250s_done == 0 and first_weeks)
        assert (Rule.NEW_ATHLETE in item.rules) == item.reduced
        assert item.program == wish_.program
        assert item.rules and all(rule in RULES for rule in item.rules)
    assert plan.offer_500 == (wish_.full_250s_done >= 4)


@EXAMPLES
@given(cases(), st.integers(min_value=0, max_value=40))
def test_next_valid_day_is_the_first_day_without_a_problem(
    case: tuple[Week, Wish, date, date | None], offset: int
) -> None:
    week, wish_, start, last = case
    plan = place(week, wish_, start, last_session=last)
    others = [item.day for item in plan.items]
    after = start + timedelta(days=offset)
    found = next_valid_day(week, wish_, others, after, limit_days=10)
    candidates = [after + timedelta(days=n) for n in range(1, 11)]
    free = [day for day in candidates if not move_problems(week, wish_, others, day)]
    assert found == (free[0] if free else None)
