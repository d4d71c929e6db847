"""The board's rules, without a database: order, places, groups, periods, cursors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from runstrong.community import ranking
from runstrong.community.ranking import Position, RankKey, ResultFacts

SECRET = b"a test secret that is long enough for the signature"
T = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)


def finisher(seconds: int) -> RankKey:
    return ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=seconds * 1000)


def capped(reps: int, cap_minutes: int = 60) -> RankKey:
    return ranking.rank_columns(capped=True, reps_at_cap=reps, total_ms=cap_minutes * 60_000)


def facts(result_id: int, **changes: object) -> ResultFacts:
    values: dict[str, object] = {
        "result_id": result_id,
        "program_id": 1,
        "day": date(2026, 3, 4),
        "started_at": T,
        "started_us": result_id,
        "total_ms": 900_000,
        "capped": False,
        "reps_at_cap": None,
        "scaled": False,
        "visibility": "public",
        "on_boards": True,
        "unverified": False,
        "review": "none",
        "core_exercise": "sit-up",
    }
    values.update(changes)
    return ResultFacts(**values)  # type: ignore[arg-type]


# --- eligibility --------------------------------------------------------------


def test_public_board_takes_only_public_results() -> None:
    common = {"on_boards": True, "unverified": False, "review": "none"}
    assert ranking.eligible(scope="public", visibility="public", **common)  # type: ignore[arg-type]
    assert not ranking.eligible(scope="public", visibility="clubs", **common)  # type: ignore[arg-type]
    assert not ranking.eligible(scope="public", visibility="private", **common)  # type: ignore[arg-type]


def test_club_boards_take_public_and_club_results_never_private_ones() -> None:
    common = {"on_boards": True, "unverified": False, "review": "none"}
    assert ranking.eligible(scope="clubs", visibility="public", **common)  # type: ignore[arg-type]
    assert ranking.eligible(scope="clubs", visibility="clubs", **common)  # type: ignore[arg-type]
    assert not ranking.eligible(scope="clubs", visibility="private", **common)  # type: ignore[arg-type]


def test_kept_off_boards_is_honoured_on_every_scope() -> None:
    for scope in ranking.SCOPES:
        assert not ranking.eligible(
            scope=scope, visibility="public", on_boards=False, unverified=False, review="none"
        )


@pytest.mark.parametrize(
    ("unverified", "review", "stands"),
    [
        (True, "none", False),
        (True, "cleared", True),
        (True, "flagged", False),
        (True, "confirmed", False),
        (False, "none", True),
        (False, "flagged", False),
        (False, "cleared", True),
        (False, "confirmed", False),
    ],
)
def test_unverified_stands_only_once_cleared_and_flagged_or_confirmed_never(
    unverified: bool, review: str, stands: bool
) -> None:
    assert (
        ranking.eligible(
            scope="public",
            visibility="public",
            on_boards=True,
            unverified=unverified,
            review=review,
        )
        is stands
    )


def test_unknown_visibility_or_scope_counts_as_private() -> None:
    assert not ranking.eligible(
        scope="public", visibility="friends", on_boards=True, unverified=False, review="none"
    )
    assert not ranking.eligible(
        scope="world", visibility="public", on_boards=True, unverified=False, review="none"
    )


# --- order and places ------------------------------------------------------------


def test_finishers_rank_by_whole_seconds_so_tenths_do_not_split_a_tie() -> None:
    a = ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=754_100)
    b = ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=754_900)
    assert a == b
    assert a < finisher(755)


def test_every_finisher_ranks_above_every_capped_result() -> None:
    slowest_finisher = finisher(59 * 60 + 59)
    best_capped = capped(249)
    assert slowest_finisher < best_capped


def test_capped_results_rank_by_reps_more_first() -> None:
    assert capped(240) < capped(200) < capped(10)
    assert capped(240).reps_done == 240


def test_finishers_store_no_reps_so_a_scaled_rep_cut_does_not_reorder_times() -> None:
    assert finisher(600).reps_done == 0


def test_ties_share_a_place_and_the_next_place_is_skipped() -> None:
    keys = [finisher(600), finisher(610), finisher(610), finisher(620), capped(200), capped(200)]
    assert ranking.competition_ranks(keys) == [1, 2, 2, 4, 5, 5]


def test_a_page_that_starts_inside_a_tie_keeps_the_shared_place() -> None:
    # The whole board: 600, 610, 610, 610, 620 — the page starts at the third row.
    page = [finisher(610), finisher(610), finisher(620)]
    assert ranking.page_ranks(page, ahead=1, before=2) == [2, 2, 5]


def test_top_percent_of_a_place() -> None:
    assert ranking.top_percent(1, 1000) == 1
    assert ranking.top_percent(10, 1000) == 1
    assert ranking.top_percent(11, 1000) == 2
    assert ranking.top_percent(500, 1000) == 50
    assert ranking.top_percent(1000, 1000) == 100
    assert ranking.top_percent(1, 4) == 25  # alone at the top of four is the top quarter
    assert ranking.top_percent(1, 0) == 100


# --- age groups and periods --------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "group"),
    [
        (15, ""),
        (16, "16-24"),
        (24, "16-24"),
        (25, "25-29"),
        (29, "25-29"),
        (30, "30-34"),
        (64, "60-64"),
        (65, "65-69"),
        (69, "65-69"),
        (70, "70+"),
        (93, "70+"),
    ],
)
def test_age_groups_at_their_edges(age: int, group: str) -> None:
    assert ranking.age_group(birth_year=2000, year=2000 + age) == group


def test_no_birth_year_means_no_age_group() -> None:
    assert ranking.age_group(birth_year=None, year=2026) == ""


def test_age_groups_listed_for_the_filter_match_the_rule() -> None:
    groups = {ranking.age_group(birth_year=1900, year=1900 + age) for age in range(16, 100)}
    assert groups == set(ranking.AGE_GROUPS)


def test_periods_start_on_monday_the_first_and_new_year() -> None:
    sunday = date(2026, 3, 8)
    assert ranking.period_start("week", sunday) == date(2026, 3, 2)
    assert ranking.period_start("week", date(2026, 3, 2)) == date(2026, 3, 2)
    assert ranking.period_start("month", sunday) == date(2026, 3, 1)
    assert ranking.period_start("year", sunday) == date(2026, 1, 1)
    assert ranking.period_start("all", sunday) == ranking.ALL_TIME_START


def test_an_iso_week_can_start_in_the_previous_year() -> None:
    assert ranking.period_start("week", date(2027, 1, 1)) == date(2026, 12, 28)


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown period"):
        ranking.period_start("decade", date(2026, 1, 1))


# --- an athlete's entries ------------------------------------------------------------


def test_each_bucket_keeps_the_athletes_best_once() -> None:
    results = [facts(1, total_ms=900_000), facts(2, total_ms=800_000), facts(3, total_ms=850_000)]
    entries = ranking.board_entries(results, athlete_id=7, sex="f", birth_year=1990)
    buckets = [entry.bucket for entry in entries]
    assert len(buckets) == len(set(buckets)) == 2 * len(ranking.PERIODS)  # two scopes
    assert {entry.result_id for entry in entries} == {2}


def test_the_week_board_keeps_this_weeks_best_even_if_an_older_one_is_faster() -> None:
    old = facts(1, total_ms=700_000, day=date(2026, 2, 2))
    recent = facts(2, total_ms=900_000, day=date(2026, 3, 4))
    entries = ranking.board_entries([old, recent], athlete_id=7, sex="", birth_year=None)
    best = {
        (e.bucket.period, e.bucket.period_start): e.result_id
        for e in entries
        if e.bucket.scope == "public"
    }
    assert best[("all", ranking.ALL_TIME_START)] == 1
    assert best[("week", date(2026, 3, 2))] == 2
    assert best[("week", date(2026, 2, 2))] == 1


def test_scaled_and_as_prescribed_results_go_to_separate_boards() -> None:
    rx = facts(1, total_ms=900_000)
    scaled = facts(2, total_ms=600_000, scaled=True)
    entries = ranking.board_entries([rx, scaled], athlete_id=7, sex="m", birth_year=1980)
    by_way = {(e.bucket.scaled, e.bucket.scope, e.bucket.period): e.result_id for e in entries}
    assert by_way[(False, "public", "all")] == 1
    assert by_way[(True, "public", "all")] == 2


def test_a_finish_beats_a_capped_result_for_the_athletes_best() -> None:
    cap = facts(1, capped=True, reps_at_cap=249, total_ms=3_600_000)
    slow = facts(2, total_ms=3_599_000)
    entries = ranking.board_entries([cap, slow], athlete_id=7, sex="", birth_year=None)
    assert {e.result_id for e in entries} == {2}


def test_an_exact_tie_keeps_the_earlier_result() -> None:
    first = facts(5, started_us=100)
    again = facts(4, started_us=200)
    entries = ranking.board_entries([again, first], athlete_id=7, sex="", birth_year=None)
    assert {e.result_id for e in entries} == {5}


def test_club_only_results_reach_only_the_club_scope() -> None:
    entries = ranking.board_entries(
        [facts(1, visibility="clubs")], athlete_id=7, sex="", birth_year=None
    )
    assert {e.bucket.scope for e in entries} == {"clubs"}


def test_private_kept_off_and_waiting_results_make_no_entries() -> None:
    results = [
        facts(1, visibility="private"),
        facts(2, on_boards=False),
        facts(3, unverified=True),
        facts(4, review="flagged"),
        facts(5, review="confirmed", unverified=True),
    ]
    assert ranking.board_entries(results, athlete_id=7, sex="f", birth_year=1990) == []


def test_entries_carry_the_age_group_of_the_results_year() -> None:
    december = facts(1, day=date(2025, 12, 31))
    january = facts(2, day=date(2026, 1, 1))
    entries = ranking.board_entries([december, january], athlete_id=7, sex="x", birth_year=2001)
    groups = {e.result_id: e.age_group for e in entries}
    assert groups == {1: "16-24", 2: "25-29"}
    assert {e.sex for e in entries} == {""}  # an unknown sex is no group either


# --- cursors --------------------------------------------------------------------------


def position(seconds: int = 754, athlete_id: int = 42) -> Position:
    started = datetime(2026, 3, 4, 7, 0, 0, 123456, tzinfo=UTC)
    micros = (started - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return Position(finisher(seconds), micros, athlete_id)


def test_a_cursor_round_trips() -> None:
    for where in (position(), Position(capped(199), 5, 1)):
        token = ranking.cursor_encode(where, secret=SECRET)
        assert ranking.cursor_decode(token, secret=SECRET) == where


def test_a_cursor_carries_its_rows_place_and_board() -> None:
    place = ranking.Place(rank=31, ordinal=33, board="0123abcd", issued=1_700_000_000)
    token = ranking.cursor_encode(position(), secret=SECRET, place=place)
    assert ranking.cursor_read(token, secret=SECRET) == ranking.Cursor(position(), place)
    assert ranking.cursor_decode(token, secret=SECRET) == position()


def test_a_cursor_without_a_place_still_names_its_position() -> None:
    token = ranking.cursor_encode(position(), secret=SECRET)
    assert ranking.cursor_read(token, secret=SECRET) == ranking.Cursor(position(), None)


@pytest.mark.parametrize(
    ("rank", "ordinal", "board"),
    [(0, 5, "ab"), (6, 5, "ab"), (1, 1, ""), (1, 1, "not-hex"), (1, 1, "AB")],
)
def test_a_signed_cursor_with_an_impossible_place_is_refused(
    rank: int, ordinal: int, board: str
) -> None:
    place = ranking.Place(rank=rank, ordinal=ordinal, board=board, issued=1)
    token = ranking.cursor_encode(position(), secret=SECRET, place=place)
    assert ranking.cursor_read(token, secret=SECRET) is None


def test_the_next_page_after_a_place_continues_the_count() -> None:
    keys = [finisher(600 + n // 3) for n in range(10)]  # threes tie: 1 1 1 4 4 4 7 7 7 10
    whole = ranking.competition_ranks(keys)
    for split in range(1, 10):
        last = keys[split - 1]
        place = ranking.Place(rank=whole[split - 1], ordinal=split, board="ab", issued=0)
        ahead, before = ranking.resume_counts(last, place, keys[split])
        assert ranking.page_ranks(keys[split:], ahead=ahead, before=before) == whole[split:]


def test_a_cursor_is_opaque_and_url_safe() -> None:
    token = ranking.cursor_encode(position(), secret=SECRET)
    assert "754" not in token
    assert all(c.isalnum() or c in "-_" for c in token)


@pytest.mark.parametrize(
    "token",
    [None, "", "x", "!!!!", "a" * 500, "0.0.754.1.42", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_nonsense_cursors_mean_the_top_of_the_board(token: str | None) -> None:
    assert ranking.cursor_decode(token, secret=SECRET) is None


def test_an_edited_cursor_is_refused() -> None:
    token = ranking.cursor_encode(position(), secret=SECRET)
    for index in range(len(token)):
        flipped = "A" if token[index] != "A" else "B"
        edited = token[:index] + flipped + token[index + 1 :]
        decoded = ranking.cursor_decode(edited, secret=SECRET)
        assert decoded is None or decoded == position()  # base64 padding bits may not matter


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    token = ranking.cursor_encode(position(), secret=b"someone else's secret, also long")
    assert ranking.cursor_decode(token, secret=SECRET) is None


def test_cheer_kinds_and_flag_reasons_have_labels() -> None:
    assert "cheer" in ranking.CHEER_KINDS and "pr" in ranking.CHEER_KINDS
    assert all(ranking.CHEER_KINDS.values()) and all(ranking.FLAG_REASONS.values())
    assert all(len(key) <= 20 for key in [*ranking.CHEER_KINDS, *ranking.FLAG_REASONS])


def test_an_in_memory_board_resumes_after_the_cursor_row() -> None:
    board = [(n, finisher(600 + n // 2)) for n in range(7)]  # athletes 0..6, pairs tie
    assert ranking.resume_index(board, None) == 0
    assert ranking.resume_index(board, Position(finisher(601), 5, 2)) == 3


def test_an_in_memory_board_resumes_after_the_rank_key_when_the_row_has_gone() -> None:
    board = [(n, finisher(600 + n // 2)) for n in range(7)]
    # Athlete 99 is no longer there (left the club): carry on after every 601.
    assert ranking.resume_index(board, Position(finisher(601), 5, 99)) == 4
    assert ranking.resume_index(board, Position(finisher(999), 5, 99)) == 7
