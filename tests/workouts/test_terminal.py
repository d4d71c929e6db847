"""The pure parts of ``runstrong go``: font, keys, keypad, screen text, result printout."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from runstrong.workouts import catalog, engine
from runstrong.workouts.terminal import (
    BACKSPACE,
    CTRL_C,
    ENTER,
    ESCAPE,
    Action,
    Keypad,
    Notice,
    Screen,
    action_notice,
    best_comparison,
    big_text,
    decode_keys,
    finish_due,
    lead_in_lines,
    press,
    print_result,
    progress_bar,
    session_lines,
)

from .factories import T0, complete_session

BUILTIN = catalog.load_builtin()


def plan_250() -> engine.SessionPlan:
    return catalog.build_plan(BUILTIN.programs["runners-250"], BUILTIN.exercises)


def state_after(*events: engine.Event) -> engine.State:
    return engine.fold(plan_250(), events)


def screen() -> Screen:
    return Screen(
        program_name="Runner's 250",
        exercises=BUILTIN.exercises,
        intro=("core today: Mountain climbers",),
        set_size=10,
    )


def texts(lines: list[tuple[str, str]]) -> list[str]:
    return [text for text, _style in lines]


def press_keys(keys: str | list[str], *, reps_left: int = 50, paused: bool = False) -> Any:
    """Feed keys one by one; return the last outcome (with every notice seen)."""
    keypad = Keypad()
    outcome = None
    for key in keys:
        outcome = press(keypad, key, reps_left=reps_left, set_size=10, paused=paused)
        keypad = outcome.keypad
    return outcome


# ---------------------------------------------------------------------------
# Big digits and bars.


def test_big_text_draws_five_rows_of_equal_width() -> None:
    rows = big_text("12:34")

    assert len(rows) == 5
    assert len({len(row) for row in rows}) == 1


def test_big_text_draws_eight_as_a_closed_frame_with_a_bar_across() -> None:
    assert big_text("8") == ("██████", "██  ██", "██████", "██  ██", "██████")


def test_big_text_puts_a_gap_between_glyphs() -> None:
    one, eleven = big_text("1"), big_text("11")

    assert len(eleven[0]) == 2 * len(one[0]) + 1


def test_big_text_refuses_characters_it_has_no_glyph_for() -> None:
    with pytest.raises(ValueError, match="no glyph"):
        big_text("1a")


def test_progress_bar_fills_in_proportion_and_never_overflows() -> None:
    assert progress_bar(25, 50, 10) == "█████░░░░░"
    assert progress_bar(0, 50, 4) == "░░░░"
    assert progress_bar(80, 50, 4) == "████"


# ---------------------------------------------------------------------------
# Decoding raw input.


def test_decode_keys_reads_digits_enter_and_backspace() -> None:
    assert decode_keys("25\x7f0\r") == ["2", "5", BACKSPACE, "0", ENTER]


def test_decode_keys_counts_carriage_return_line_feed_as_one_enter() -> None:
    assert decode_keys("\r\n\n") == [ENTER, ENTER]


def test_decode_keys_drops_arrow_and_function_key_sequences_whole() -> None:
    assert decode_keys("\x1b[A\x1b[1;5Cu\x1bOPp") == ["u", "p"]


def test_decode_keys_reads_ctrl_c_and_a_lone_escape() -> None:
    assert decode_keys("\x03\x1b") == [CTRL_C, ESCAPE]


def test_decode_keys_ignores_other_control_characters() -> None:
    assert decode_keys("\x01\x04q") == ["q"]


# ---------------------------------------------------------------------------
# The keypad.


def test_enter_alone_logs_a_set_of_the_set_size() -> None:
    assert press_keys([ENTER]).action == Action("reps", 10)


def test_enter_alone_logs_only_the_reps_left_in_the_slot() -> None:
    assert press_keys([ENTER], reps_left=4).action == Action("reps", 4)


def test_typed_digits_then_enter_log_that_many_and_clear_the_input() -> None:
    outcome = press_keys(["2", "5", ENTER])

    assert outcome.action == Action("reps", 25)
    assert outcome.keypad == Keypad()


def test_more_reps_than_are_left_is_refused_with_a_message_not_an_action() -> None:
    outcome = press_keys(["6", "0", ENTER], reps_left=50)

    assert outcome.action is None
    assert outcome.notice.error
    assert "60 is more than the 50 left" in outcome.notice.text
    assert outcome.keypad.typed == ""


def test_zero_reps_is_refused() -> None:
    outcome = press_keys(["0", ENTER])

    assert outcome.action is None
    assert outcome.notice.error


def test_backspace_removes_the_last_typed_digit() -> None:
    outcome = press_keys(["1", "2", BACKSPACE, "5", ENTER])

    assert outcome.action == Action("reps", 15)


def test_typing_stops_at_four_digits() -> None:
    outcome = press_keys(list("12345"))

    assert outcome.keypad.typed == "1234"
    assert outcome.notice.error


def test_enter_while_paused_keeps_the_digits_and_says_to_resume() -> None:
    outcome = press_keys(["2", "0", ENTER], paused=True)

    assert outcome.action is None
    assert outcome.keypad.typed == "20"
    assert "resume" in outcome.notice.text


def test_p_pauses_a_running_session_and_resumes_a_paused_one() -> None:
    assert press_keys(["p"]).action == Action("pause")
    assert press_keys(["p"], paused=True).action == Action("resume")


def test_u_undoes_and_drops_typed_digits() -> None:
    outcome = press_keys(["3", "u"])

    assert outcome.action == Action("undo")
    assert outcome.keypad.typed == ""


@pytest.mark.parametrize("key", ["q", CTRL_C])
def test_q_and_ctrl_c_ask_before_abandoning(key: str) -> None:
    outcome = press_keys([key])

    assert outcome.action is None
    assert outcome.keypad.confirming_quit


def test_y_confirms_abandoning() -> None:
    assert press_keys(["q", "y"]).action == Action("abandon")


def test_n_withdraws_the_question_and_carries_on() -> None:
    outcome = press_keys(["q", "n"])

    assert outcome.action is None
    assert not outcome.keypad.confirming_quit
    assert outcome.notice == Notice("carrying on")


def test_other_keys_leave_the_abandon_question_up() -> None:
    outcome = press_keys(["q", ENTER, "u", CTRL_C])

    assert outcome.action is None
    assert outcome.keypad.confirming_quit


def test_unknown_keys_show_the_key_help() -> None:
    outcome = press_keys(["x"])

    assert outcome.action is None
    assert "u undo" in outcome.notice.text


# ---------------------------------------------------------------------------
# What the screen shows.


def test_screen_shows_the_current_exercise_with_cues_muscles_and_reps_left() -> None:
    state = state_after(engine.Start(at=T0), engine.Reps(at=T0 + 20_000, slot=0, n=50))

    lines = texts(session_lines(screen(), state, T0 + 30_000, Keypad(), None))

    assert "2/5  Calf raises" in lines
    assert "  • The slow lowering is the part that counts most." in lines
    assert "  muscles: calves" in lines
    assert "calves: 0 done · 50 left of 50" in lines
    assert "  next: Donkey kicks" in lines
    assert "Enter logs 10 · or type a number, then Enter" in lines


def test_screen_clock_comes_from_event_times_and_stops_while_paused() -> None:
    state = state_after(engine.Start(at=T0), engine.Pause(at=T0 + 65_000))

    early = texts(session_lines(screen(), state, T0 + 70_000, Keypad(), None))
    later = texts(session_lines(screen(), state, T0 + 300_000, Keypad(), None))

    assert "clock 1:05.0" in early[0]
    assert "PAUSED" in early[0]
    assert early == later
    assert big_text("1:05")[0] in early


def test_screen_shows_the_digits_being_typed() -> None:
    state = state_after(engine.Start(at=T0))

    lines = texts(session_lines(screen(), state, T0, Keypad(typed="25"), None))

    assert any(line.startswith("reps: 25_") for line in lines)


def test_screen_asks_before_abandoning() -> None:
    state = state_after(engine.Start(at=T0))

    lines = texts(session_lines(screen(), state, T0, Keypad(confirming_quit=True), None))

    assert "Abandon this session? y/n" in lines


def test_screen_shows_the_notice_and_a_bar_per_slot_plus_the_total() -> None:
    state = state_after(engine.Start(at=T0), engine.Reps(at=T0 + 9_000, slot=0, n=25))

    lines = texts(session_lines(screen(), state, T0 + 9_000, Keypad(), Notice("logged 25")))

    assert "logged 25" in lines
    bars = [line for line in lines if "░" in line]
    assert len(bars) == 6
    assert bars[0].startswith("▶ core") and bars[0].endswith("25/50")
    assert bars[-1].endswith("25/250")


def test_screen_shows_the_time_left_before_the_cap() -> None:
    state = state_after(engine.Start(at=T0))

    header = texts(session_lines(screen(), state, T0 + 60_000, Keypad(), None))[0]

    assert "cap in 59:00" in header


def test_lead_in_screen_counts_down_in_big_digits_and_names_the_first_exercise() -> None:
    lines = texts(lead_in_lines(screen(), engine.State(plan=plan_250()), 3))

    assert "starting in 3" in lines[0]
    assert big_text("3")[2] in lines
    assert "First: Mountain climbers, 50 reps" in lines


def test_logging_reps_is_confirmed_with_the_slot_count() -> None:
    before = state_after(engine.Start(at=T0), engine.Reps(at=T0 + 1, slot=0, n=10))
    after = engine.apply(before, engine.Reps(at=T0 + 2, slot=0, n=25))

    assert action_notice(Action("reps", 25), before, after).text == "logged 25 · core 35/50"


def test_undo_is_confirmed_with_the_set_it_took_back() -> None:
    before = state_after(
        engine.Start(at=T0),
        engine.Reps(at=T0 + 1, slot=0, n=50),
        engine.Reps(at=T0 + 2, slot=1, n=5),
    )
    after = engine.apply(before, engine.Undo(at=T0 + 3))

    assert action_notice(Action("undo"), before, after).text == "undid 5 · calves 0/50"


# ---------------------------------------------------------------------------
# Finishing without a key press.


def test_finish_is_due_once_every_rep_is_done() -> None:
    events = [engine.Start(at=T0)]
    events += [engine.Reps(at=T0 + slot + 1, slot=slot, n=50) for slot in range(5)]

    assert finish_due(state_after(*events), T0 + 10)


def test_finish_is_not_due_while_reps_are_left_before_the_cap() -> None:
    assert not finish_due(state_after(engine.Start(at=T0)), T0 + 59 * 60_000)


def test_finish_is_due_when_the_time_cap_passes() -> None:
    assert finish_due(state_after(engine.Start(at=T0)), T0 + 60 * 60_000)


def test_a_pause_holds_off_the_time_cap() -> None:
    paused = state_after(engine.Start(at=T0), engine.Pause(at=T0 + 30 * 60_000))

    assert not finish_due(paused, T0 + 90 * 60_000)


# ---------------------------------------------------------------------------
# Comparing with the best.


def test_a_faster_time_is_a_new_personal_best_by_the_difference() -> None:
    assert best_comparison(742_000, 754_000, capped=False).startswith("New personal best by 0:12")


def test_a_slower_time_says_how_much_slower_than_the_best() -> None:
    assert best_comparison(784_000, 754_000, capped=False) == (
        "+0:30 slower than your best 12:34.0."
    )


def test_a_difference_under_a_second_shows_tenths() -> None:
    assert "by 0:00.4" in best_comparison(753_600, 754_000, capped=False)


def test_the_first_result_is_the_best_so_far() -> None:
    assert "best so far" in best_comparison(754_000, None, capped=False)


def test_a_capped_result_is_not_compared() -> None:
    assert "not compared" in best_comparison(3_600_000, 700_000, capped=True)


# ---------------------------------------------------------------------------
# The printout (shared by ``go`` and ``runstrong show``).


def printed(result: Any) -> str:
    out = io.StringIO()
    print_result(result, Console(file=out, width=120, highlight=False))
    return out.getvalue()


@pytest.mark.usefixtures("catalog_synced")
def test_result_printout_lists_each_slot_with_reps_split_and_rest(athlete: Any) -> None:
    result = complete_session(athlete, seconds_per_rep=2.0).result

    text = printed(result)

    assert "Runner's 250" in text
    for name in ("Mountain climbers", "Calf raises", "Donkey kicks", "Squat to curl"):
        assert name in text
    assert text.count("50/50") == 5
    assert "250/250" in text
    assert "8:20.0" in text  # 250 reps at 2 s each
    assert "30.0 reps/min" in text
    assert "best so far" in text


@pytest.mark.usefixtures("catalog_synced")
def test_result_printout_compares_with_the_previous_best(athlete: Any) -> None:
    complete_session(athlete, seconds_per_rep=2.0, start_at=T0)
    faster = complete_session(athlete, seconds_per_rep=1.9, start_at=T0 + 86_400_000).result
    slower = complete_session(athlete, seconds_per_rep=2.1, start_at=T0 + 2 * 86_400_000).result

    assert "New personal best by 0:25" in printed(faster)
    assert "+0:50 slower than your best 7:55.0" in printed(slower)


@pytest.mark.usefixtures("catalog_synced")
def test_result_printout_flags_a_scaled_result(athlete: Any) -> None:
    result = complete_session(athlete, reps={"calves": 30}).result

    text = printed(result)

    assert "30/30" in text
    assert "flag: scaled: calves: 30 of 50 reps" in text
