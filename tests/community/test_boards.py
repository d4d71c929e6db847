"""Board pages through the test client: who sees what, places, pages, your own row."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from runstrong.community import board_cache, ranking, selectors_boards, services
from runstrong.community.models import BoardEntry, Club, Membership
from runstrong.community.services_boards import board_refresh
from runstrong.workouts.models import Program, Result, WorkoutSession
from tests.workouts.factories import complete_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_synced")]

BOARD = "/boards/runners-250/"
SECRET = settings.SECRET_KEY.encode()
STARTED = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)


def runner(name: str, **profile: Any) -> Any:
    fields = {"display_name": name, "default_privacy": "public", **profile}
    return get_user_model().objects.create_user(
        f"user-{uuid.uuid4().hex[:8]}", f"{uuid.uuid4().hex[:8]}@example.com", "pw", **fields
    )


def posted(
    athlete: Any,
    seconds: int = 900,
    *,
    program: str = "runners-250",
    started_at: datetime = STARTED,
    **fields: Any,
) -> Result:
    """A finished result written straight to its tables, then the boards refreshed as
    the result services do."""
    program_row = Program.objects.get(slug=program)
    session = WorkoutSession.objects.create(
        athlete=athlete, program=program_row, plan={"slots": []}, status="finished"
    )
    values: dict[str, Any] = {
        "total_ms": seconds * 1000,
        "elapsed_ms": seconds * 1000,
        "paused_ms": 0,
        "splits_ms": [],
        "rests_ms": [],
        "reps_done": [],
        "reps_total": program_row.reps_total,
        "reps_per_minute": 1.0,
        "scaled": False,
        "capped": False,
        "reps_at_cap": None,
        "unverified": False,
        "visibility": athlete.default_privacy,
        "core_exercise": "sit-up",
        **fields,
    }
    result = Result.objects.create(
        session=session, athlete=athlete, program=program_row, started_at=started_at, **values
    )
    board_refresh(athlete=athlete, program=program_row)
    return result


def change(result: Result, **fields: Any) -> None:
    """What the social services do when privacy or review changes."""
    Result.objects.filter(pk=result.pk).update(**fields)
    board_refresh(athlete=result.athlete)


def names_on(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><bdi>([^<]*)</bdi></th>', html)


def places_on(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr[^>]*><td>(\d+)</td>", html)]


def next_link(html: str) -> str | None:
    found = re.search(r'<a class="button button-primary" href="([^"]+)"[^>]*>Next page', html)
    return found.group(1).replace("&amp;", "&") if found else None


def page(client: Client, url: str = BOARD, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


# --- who sees what -----------------------------------------------------------------


def test_the_boards_index_links_each_programs_board(client: Client) -> None:
    html = page(client, "/boards/")
    assert 'href="/boards/runners-250/"' in html and 'href="/boards/runners-500/"' in html


def test_a_visitor_sees_public_results_only(client: Client) -> None:
    posted(runner("Open Olga"), 800)
    posted(runner("Clubby Carl", default_privacy="clubs"), 700)
    posted(runner("Private Pia", default_privacy="private"), 600)

    html = page(client)

    assert names_on(html) == ["Open Olga"]
    assert "13:20" in html
    assert "Log in</a> to see your own place" in html


def test_the_250_and_the_500_are_separate_boards(client: Client) -> None:
    posted(runner("Two Fifty"), 800)
    posted(runner("Five Hundred"), 1700, program="runners-500")

    assert names_on(page(client)) == ["Two Fifty"]
    assert names_on(page(client, "/boards/runners-500/")) == ["Five Hundred"]


def test_scaled_results_have_their_own_board_marked_s(client: Client) -> None:
    posted(runner("Rx Rita"), 900)
    posted(runner("Scaled Sid"), 500, scaled=True)

    assert names_on(page(client)) == ["Rx Rita"]
    scaled = page(client, BOARD + "?way=scaled")
    assert names_on(scaled) == ["Scaled Sid"]
    assert re.search(
        r'>8:20<span class="visually-hidden">.*?</a> <abbr title="scaled">\(s\)</abbr>', scaled
    )


def test_a_club_board_shows_members_club_results_to_members(client: Client) -> None:
    member, clubmate, outsider = runner("Mia Member"), runner("Cleo Clubmate"), runner("Otto")
    club = Club.objects.create(slug="harriers", name="Harriers")
    Membership.objects.create(club=club, athlete=member)
    Membership.objects.create(club=club, athlete=clubmate)
    clubmate.default_privacy = "clubs"
    clubmate.save()
    posted(clubmate, 700)
    posted(member, 800)
    posted(outsider, 600)
    client.force_login(member)

    html = page(client, BOARD + "?club=harriers")

    assert names_on(html) == ["Cleo Clubmate", "Mia Member"]
    assert "Harriers" in html
    # The everyone board leaves the club-only result out and the outsider in.
    assert names_on(page(client)) == ["Otto", "Mia Member"]


def result_links_on(html: str) -> dict[str, str]:
    """Each row's athlete and the address its time links to."""
    return dict(re.findall(r'<th scope="row"><bdi>([^<]*)</bdi></th><td><a href="([^"]+)"', html))


def test_each_row_opens_its_result_for_anyone_who_may_see_the_board(client: Client) -> None:
    olga, carl = runner("Open Olga"), runner("Clubby Carl", default_privacy="clubs")
    club = Club.objects.create(slug="harriers", name="Harriers")
    mia = runner("Mia Member")
    for athlete in (carl, mia):
        Membership.objects.create(club=club, athlete=athlete)
    results = {"Open Olga": posted(olga, 800), "Clubby Carl": posted(carl, 700)}

    # A visitor on the public board opens the public result.
    links = result_links_on(page(client))
    assert links == {"Open Olga": f"/results/{results['Open Olga'].pk}/"}
    opened = page(client, links["Open Olga"])
    assert "Open Olga" in opened and "13:20" in opened

    # A member on the club board: the clubmate's club-only result, where they can cheer.
    client.force_login(mia)
    links = result_links_on(page(client, BOARD + "?club=harriers"))
    assert links == {"Clubby Carl": f"/results/{results['Clubby Carl'].pk}/"}
    opened = page(client, links["Clubby Carl"])
    assert "Clubby Carl" in opened and 'action="/results/' in opened


def test_a_club_board_is_hidden_from_non_members_and_visitors(client: Client) -> None:
    club = Club.objects.create(slug="harriers", name="Harriers")
    Membership.objects.create(club=club, athlete=runner("Mia Member"))
    stranger = runner("Stan Stranger")

    page(client, BOARD + "?club=harriers", status=404)
    client.force_login(stranger)
    page(client, BOARD + "?club=harriers", status=404)
    page(client, BOARD + "?club=no-such-club", status=404)


def test_private_results_are_never_on_any_board(client: Client) -> None:
    pia = runner("Private Pia", default_privacy="private")
    club = Club.objects.create(slug="harriers", name="Harriers")
    Membership.objects.create(club=club, athlete=pia)
    posted(pia, 600)
    client.force_login(pia)

    assert names_on(page(client)) == []
    assert names_on(page(client, BOARD + "?club=harriers")) == []
    assert not BoardEntry.objects.exists()


def test_a_result_kept_off_the_boards_stays_off(client: Client) -> None:
    result = posted(runner("Quiet Quinn"), 700)
    assert names_on(page(client)) == ["Quiet Quinn"]

    change(result, on_boards=False)

    assert names_on(page(client)) == []
    assert Result.objects.filter(pk=result.pk).exists()  # still in the athlete's history


def test_unverified_is_off_until_cleared_and_flagged_is_off(client: Client) -> None:
    fast = posted(runner("Speedy Sue"), 100, unverified=True)
    steady = posted(runner("Steady Stu"), 800)
    assert names_on(page(client)) == ["Steady Stu"]

    change(fast, review="cleared")
    assert names_on(page(client)) == ["Speedy Sue", "Steady Stu"]

    change(steady, review="flagged")
    assert names_on(page(client)) == ["Speedy Sue"]

    change(steady, review="cleared")
    assert names_on(page(client)) == ["Speedy Sue", "Steady Stu"]

    change(fast, review="confirmed")
    assert names_on(page(client)) == ["Steady Stu"]


def test_a_too_fast_workout_done_for_real_waits_for_a_moderator(client: Client) -> None:
    athlete = runner("Rapid Ray")
    outcome = complete_session(athlete, seconds_per_rep=0.1)
    assert outcome.result is not None and outcome.result.unverified

    assert names_on(page(client)) == []
    change(outcome.result, review="cleared")
    assert names_on(page(client)) == ["Rapid Ray"]


def test_a_finished_workout_reaches_the_board_through_the_real_services(
    client: Client,
) -> None:
    athlete = runner("Real Rosa")
    outcome = complete_session(athlete, seconds_per_rep=2.0)

    html = page(client)

    assert names_on(html) == ["Real Rosa"]
    assert "8:20" in html  # 250 reps at 2 s
    assert outcome.result is not None
    core = outcome.result.core_exercise
    assert core == "mountain-climber" and "Mountain climbers" in html


# --- order and places ---------------------------------------------------------------


def test_ties_share_a_place_and_capped_results_come_last_as_cap_plus_reps(
    client: Client,
) -> None:
    posted(runner("Ann"), 600)
    posted(runner("Ben"), 610, started_at=STARTED)
    posted(runner("Cat"), 610, started_at=STARTED + timedelta(hours=1))
    posted(runner("Dan"), 3599)
    posted(runner("Eve"), 3600, capped=True, reps_at_cap=240)
    posted(runner("Fay"), 3600, capped=True, reps_at_cap=200)

    html = page(client)

    assert names_on(html) == ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay"]
    assert places_on(html) == [1, 2, 2, 4, 5, 6]
    assert "CAP + 240" in html and "CAP + 200" in html


def test_each_athlete_appears_once_with_their_best(client: Client) -> None:
    ann = runner("Ann")
    posted(ann, 900)
    posted(ann, 700, started_at=STARTED + timedelta(days=1))
    posted(ann, 800, started_at=STARTED + timedelta(days=2))

    html = page(client)

    assert names_on(html) == ["Ann"]
    assert "11:40" in html


def test_sex_and_age_group_filters(client: Client) -> None:
    posted(runner("Fiona", sex="f", birth_year=1996), 700)  # 30 in 2026
    posted(runner("Frida", sex="f", birth_year=2001), 710)  # 25
    posted(runner("Max", sex="m", birth_year=1996), 600)
    posted(runner("Nobody"), 650)

    assert names_on(page(client, BOARD + "?sex=f")) == ["Fiona", "Frida"]
    assert names_on(page(client, BOARD + "?sex=f&age=30-34")) == ["Fiona"]
    assert names_on(page(client, BOARD + "?age=30-34")) == ["Max", "Fiona"]
    assert names_on(page(client, BOARD + "?age=70%2B")) == []


def test_changing_sex_or_birth_year_in_the_profile_moves_the_athlete(
    client: Client,
) -> None:
    athlete = runner("Kim")
    posted(athlete, 700)
    assert names_on(page(client, BOARD + "?sex=f")) == []
    client.force_login(athlete)

    response = client.post(
        "/accounts/profile/",
        {
            "display_name": "Kim",
            "units": "km",
            "sex": "f",
            "birth_year": "1990",
            "default_privacy": "public",
        },
    )

    assert response.status_code in (200, 302)
    assert names_on(page(client, BOARD + "?sex=f&age=35-39")) == ["Kim"]


def test_the_week_board_holds_only_this_weeks_results(client: Client) -> None:
    from django.utils import timezone

    now = timezone.now()
    posted(runner("Lately Lou"), 900, started_at=now)
    posted(runner("Long Ago"), 600, started_at=now - timedelta(days=400))

    assert names_on(page(client, BOARD + "?period=week")) == ["Lately Lou"]
    assert names_on(page(client, BOARD + "?period=year")) == ["Lately Lou"]
    assert names_on(page(client, BOARD + "?period=all")) == ["Long Ago", "Lately Lou"]


# --- your own row and pages ----------------------------------------------------------


def test_your_own_row_is_pinned_with_place_and_percentile_far_down(client: Client) -> None:
    for n in range(59):
        posted(runner(f"Quick {n:02d}"), 600 + n)
    me = runner("Me")
    posted(me, 2000)
    client.force_login(me)

    html = page(client)

    assert "Me" not in names_on(html)  # not on the first page…
    assert "Your place: 60</strong> of 60 · top 100%" in html  # …but pinned
    assert "33:20" in html


def test_your_pinned_place_counts_ties_and_filters(client: Client) -> None:
    posted(runner("Ahead", sex="f"), 600)
    posted(runner("Tied", sex="f"), 700)
    posted(runner("Man", sex="m"), 500)
    me = runner("Me", sex="f")
    posted(me, 700)
    client.force_login(me)

    assert "Your place: 2</strong> of 3 · top 67%" in page(client, BOARD + "?sex=f")
    assert "Your place: 3</strong> of 4 · top 75%" in page(client)
    assert "You are not on this board yet" in page(client, BOARD + "?way=scaled")


def test_your_place_is_the_same_counted_from_either_end_of_the_board(client: Client) -> None:
    # Places are counted from an anchor next to the viewer's quarter of the
    # board: ties, finishers and capped results below must come out the same.
    quick = [runner(f"Quick {n:02d}") for n in range(30)]
    for n, athlete in enumerate(quick):
        posted(athlete, 600 + n * 5)
    me, tied = runner("Me"), runner("Tied")
    posted(me, 900)
    posted(tied, 900)
    for n in range(4):
        posted(runner(f"Slow {n}"), 1000 + n)
    capped = runner("Capped")
    posted(capped, 3600, capped=True, reps_at_cap=200)
    for reps in (240, 100):
        posted(runner(f"Cap {reps}"), 3600, capped=True, reps_at_cap=reps)
    upper = runner("Upper")
    posted(upper, 610)  # tied with Quick 02

    client.force_login(me)
    assert "Your place: 32</strong> of 40" in page(client)  # 31 ahead, Tied beside
    client.force_login(capped)
    assert "Your place: 39</strong> of 40" in page(client)
    client.force_login(upper)
    assert "Your place: 3</strong> of 40" in page(client)
    for n in (12, 22):  # in the second and the third quarter
        client.force_login(quick[n])
        assert f"Your place: {n + 2}</strong> of 40" in page(client)  # Upper ahead too


def test_pages_walk_the_whole_board_once_in_order(client: Client) -> None:
    times = [600 + (n // 3) * 5 for n in range(55)]  # threes tie, across page edges too
    for n, seconds in enumerate(times):
        posted(runner(f"R{n:02d}"), seconds, started_at=STARTED + timedelta(minutes=n))
    for n, reps in enumerate([240, 240, 200, 100]):
        posted(runner(f"C{n}"), 3600, capped=True, reps_at_cap=reps)

    seen: list[str] = []
    places: list[int] = []
    url: str | None = BOARD
    pages = 0
    while url is not None:
        html = page(client, url if url.startswith("/") else BOARD + url)
        seen += names_on(html)
        places += places_on(html)
        url = next_link(html)
        pages += 1

    expected = [f"R{n:02d}" for n in range(55)] + ["C0", "C1", "C2", "C3"]
    assert seen == expected
    assert pages == 3
    keys = [ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=s * 1000) for s in times]
    keys += [
        ranking.rank_columns(capped=True, reps_at_cap=r, total_ms=0) for r in (240, 240, 200, 100)
    ]
    assert places == ranking.competition_ranks(keys)


def forget_worked_out_pages() -> None:
    for memo in (
        board_cache.SHARED,
        board_cache.TOTALS,
        board_cache.PINNED,
        board_cache.HTML,
        board_cache.ANCHORS,
        board_cache.NAMES,
    ):
        memo.clear()


def test_a_page_costs_the_same_queries_however_deep(client: Client) -> None:
    for n in range(80):
        posted(runner(f"R{n:02d}"), 600 + n)
    me = runner("Me")
    posted(me, 9000)
    client.force_login(me)
    second_url = BOARD + next_link(page(client))  # type: ignore[operator]
    third_url = BOARD + next_link(page(client, second_url))  # type: ignore[operator]

    def queries_for(url: str) -> int:
        forget_worked_out_pages()
        with CaptureQueriesContext(connection) as queries:
            page(client, url)
        return len(queries)

    following = [queries_for(url) for url in (BOARD, second_url, third_url)]
    posted(runner("Someone New"), 9500)  # the board changes: cursors' places are old
    after_change = [queries_for(url) for url in (BOARD, second_url, third_url)]

    # "Next page" carries the last row's place, so a deeper page needs no
    # count while the board is unchanged. Once it changed, the page's first
    # row is placed by counting from the nearest known place (a row a
    # quarter, half or three quarters down, looked up once per version; the
    # first page looks up the middle one too, to count the viewer's place
    # from the nearer end): a few queries more, however deep.
    assert following[0] == following[1] == following[2] <= 12
    assert max(after_change[1:]) <= after_change[0] + 3


def test_next_page_places_equal_a_fresh_count_after_the_board_changes(
    client: Client,
) -> None:
    times = [600 + (n // 4) * 5 for n in range(60)]  # fours tie, across page edges too
    for n, seconds in enumerate(times):
        posted(runner(f"R{n:02d}"), seconds, started_at=STARTED + timedelta(minutes=n))
    second_url = BOARD + next_link(page(client))  # type: ignore[operator]
    carried = places_on(page(client, second_url))
    forget_worked_out_pages()
    board_cache.PAGES.clear()
    # The same cursor with its place dropped: counted on the index.
    position = ranking.cursor_decode(second_url.split("after=")[1], secret=SECRET)
    assert position is not None
    counted = places_on(
        page(client, BOARD + "?after=" + ranking.cursor_encode(position, secret=SECRET))
    )
    assert (
        carried
        == counted
        == ranking.competition_ranks(
            [ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=s * 1000) for s in times]
        )[25:50]
    )

    # Two new leaders after the cursor was made: the page after its row
    # shows true places (the cursor's own place is two short now).
    posted(runner("New One"), 300)
    posted(runner("New Two"), 301)
    html = page(client, second_url)
    assert names_on(html)[0] == "R25"
    assert places_on(html) == [place + 2 for place in carried]


def test_a_cursor_from_a_filtered_board_is_placed_afresh_on_another(client: Client) -> None:
    for n in range(60):
        posted(runner(f"R{n:02d}", sex="f" if n % 2 else "m"), 600 + n)
    women_next = next_link(page(client, BOARD + "?sex=f"))
    assert women_next is not None  # after the 25th woman, R49, 25th on her board
    cursor = women_next.split("after=")[1]

    html = page(client, BOARD + "?after=" + cursor)  # the same cursor on everyone's board

    assert names_on(html)[:2] == ["R50", "R51"]
    assert places_on(html)[:2] == [51, 52]


def test_a_board_seen_again_reuses_its_work_until_a_result_changes_it(
    client: Client,
) -> None:
    for n in range(30):
        posted(runner(f"R{n:02d}"), 600 + n)
    forget_worked_out_pages()
    with CaptureQueriesContext(connection) as first_view:
        page(client)
    with CaptureQueriesContext(connection) as second_view:
        html = page(client)
    assert len(second_view) < len(first_view)
    assert names_on(html)[0] == "R00"

    posted(runner("New Leader"), 500)  # through board_refresh, like every writer

    assert names_on(page(client))[0] == "New Leader"


def test_a_new_display_name_shows_on_the_board_at_once(client: Client) -> None:
    athlete = runner("Old Name")
    posted(athlete, 700)
    assert names_on(page(client)) == ["Old Name"]
    client.force_login(athlete)

    client.post(
        "/accounts/profile/",
        {
            "display_name": "New Name",
            "units": "km",
            "sex": "",
            "birth_year": "",
            "default_privacy": "public",
        },
    )

    assert names_on(page(client)) == ["New Name"]


def test_a_tampered_cursor_shows_the_top_of_the_board(client: Client) -> None:
    for n in range(30):
        posted(runner(f"R{n:02d}"), 600 + n)
    second = next_link(page(client))
    assert second is not None
    tampered = second[:-3] + ("AAA" if not second.endswith("AAA") else "BBB")

    for url in (tampered, "?after=garbage", "?after=", "?after=%00%ff"):
        html = page(client, BOARD + url)
        assert names_on(html)[0] == "R00"


def test_bad_filters_are_a_clear_400_and_unknown_programs_404(client: Client) -> None:
    html = page(client, BOARD + "?period=decade", status=400)
    assert "not ones this board has" in html
    page(client, BOARD + "?sex=x", status=400)
    page(client, BOARD + "?way=both", status=400)
    page(client, "/boards/no-such-program/", status=404)


def test_an_htmx_request_swaps_only_the_results(client: Client) -> None:
    posted(runner("Ann"), 600)
    html = client.get(BOARD, headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<section id="board-results"')
    assert "<html" not in html


# --- rebuilding --------------------------------------------------------------------


def test_board_rebuild_restores_every_entry_with_a_progress_count(client: Client) -> None:
    from io import StringIO

    from django.core.management import call_command

    for n in range(7):
        posted(runner(f"R{n}"), 600 + n)
    before = sorted(BoardEntry.objects.values_list("athlete_id", "result_id", "period", "scope"))
    # A bulk change around the services: entries go stale or missing.
    BoardEntry.objects.all().delete()
    assert names_on(page(client)) == []

    out = StringIO()
    call_command("board_rebuild", "--batch", "3", stdout=out)

    after = sorted(BoardEntry.objects.values_list("athlete_id", "result_id", "period", "scope"))
    assert after == before
    assert "3/7 athletes" in out.getvalue() and "7/7 athletes" in out.getvalue()
    assert f"{len(before)} board entries written" in out.getvalue()
    assert len(names_on(page(client))) == 7


def test_a_long_club_board_pages_and_places_like_the_public_one(client: Client) -> None:
    club = Club.objects.create(slug="harriers", name="Harriers")
    times = [600 + (n // 2) * 10 for n in range(30)]  # pairs tie, one pair across pages
    members = []
    for n, seconds in enumerate(times):
        member = runner(f"M{n:02d}", default_privacy="clubs" if n % 3 else "public")
        Membership.objects.create(club=club, athlete=member)
        posted(member, seconds, started_at=STARTED + timedelta(minutes=n))
        members.append(member)
    posted(runner("Outsider"), 500)
    client.force_login(members[-1])

    first = page(client, BOARD + "?club=harriers")
    second = page(client, BOARD + next_link(first))  # type: ignore[operator]

    assert names_on(first) + names_on(second) == [f"M{n:02d}" for n in range(30)]
    keys = [ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=s * 1000) for s in times]
    assert places_on(first) + places_on(second) == ranking.competition_ranks(keys)
    assert next_link(second) is None
    assert "Your place: 29</strong> of 30" in second


def test_a_club_board_seen_again_shows_who_joined_and_who_left_at_once(
    client: Client,
) -> None:
    club = Club.objects.create(slug="harriers", name="Harriers")
    me, mate, newcomer = runner("Me"), runner("Mate"), runner("Newcomer")
    for athlete, seconds in ((me, 700), (mate, 650), (newcomer, 600)):
        posted(athlete, seconds)
    Membership.objects.create(club=club, athlete=me)
    Membership.objects.create(club=club, athlete=mate)
    client.force_login(me)
    url = BOARD + "?club=harriers"
    assert names_on(page(client, url)) == ["Mate", "Me"]
    assert names_on(page(client, url)) == ["Mate", "Me"]  # the second view reuses the board

    # Joining and leaving write no board entries: they move the club's member list.
    services.club_join(athlete=newcomer, token=club.invite_token)
    html = page(client, url)
    assert names_on(html) == ["Newcomer", "Mate", "Me"]
    assert "Your place: 3</strong> of 3" in html

    services.club_leave(athlete=mate, slug="harriers")
    html = page(client, url)
    assert names_on(html) == ["Newcomer", "Me"]
    assert "Your place: 2</strong> of 2" in html


def test_members_removed_in_the_admin_leave_the_club_board_at_once(client: Client) -> None:
    club = Club.objects.create(slug="harriers", name="Harriers")
    me, mate = runner("Me"), runner("Mate")
    for athlete, seconds in ((me, 700), (mate, 650)):
        posted(athlete, seconds)
    mine = Membership.objects.create(club=club, athlete=me, role="admin")
    mates = Membership.objects.create(club=club, athlete=mate)
    client.force_login(me)
    url = BOARD + "?club=harriers"
    assert names_on(page(client, url)) == ["Mate", "Me"]

    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw")
    admin = Client()
    admin.force_login(staff)
    form = {"name": "Harriers", "slug": "harriers", "description": ""}
    form |= {
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
        "memberships-0-id": str(mine.pk),
        "memberships-0-club": str(club.pk),
        "memberships-0-athlete": str(me.pk),
        "memberships-0-role": "admin",
        "memberships-1-id": str(mates.pk),
        "memberships-1-club": str(club.pk),
        "memberships-1-athlete": str(mate.pk),
        "memberships-1-role": "member",
        "memberships-1-DELETE": "on",
    }
    response = admin.post(f"/admin/community/club/{club.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Membership.objects.filter(pk=mates.pk).exists()

    html = page(client, url)
    assert names_on(html) == ["Me"]
    assert "Your place: 1</strong> of 1" in html


def test_a_logged_in_board_page_seen_again_takes_three_queries(client: Client) -> None:
    club = Club.objects.create(slug="harriers", name="Harriers")
    me = runner("Me")
    for n in range(30):
        posted(runner(f"R{n:02d}"), 600 + n)
    posted(me, 900)
    Membership.objects.create(club=club, athlete=me)
    client.force_login(me)
    for url in (BOARD, BOARD + "?club=harriers"):
        page(client, url)
        with CaptureQueriesContext(connection) as again:
            html = page(client, url)
        # The session, the user and the page's frame (tabs, clubs, unread
        # count, the board's and the club's versions): what any logged-in page
        # must read to be right; the rest was worked out on the first view.
        assert len(again) == 3, [query["sql"] for query in again]
        assert "Your place:" in html and "Harriers" in html


def test_cursors_from_an_older_board_place_rows_right_from_either_end() -> None:
    times = [600 + (n // 3) * 5 for n in range(40)]  # threes tie, across page edges
    for n, seconds in enumerate(times):
        posted(runner(f"R{n:02d}"), seconds, started_at=STARTED + timedelta(minutes=n))
    for n, reps in enumerate([240, 240, 240, 200, 200, 100]):
        posted(runner(f"C{n}"), 3600, capped=True, reps_at_cap=reps)
    keys = [ranking.rank_columns(capped=False, reps_at_cap=None, total_ms=s * 1000) for s in times]
    keys += [
        ranking.rank_columns(capped=True, reps_at_cap=r, total_ms=3600 * 1000)
        for r in (240, 240, 240, 200, 200, 100)
    ]
    whole = ranking.competition_ranks(keys)
    query = selectors_boards.BoardQuery(
        program=Program.objects.get(slug="runners-250"),
        scaled=False,
        period=ranking.ALL,
        period_start=ranking.ALL_TIME_START,
    )
    for page_size in (3, 4, 7):  # pages that start at the top, middle and bottom anchors
        forget_worked_out_pages()
        cursors: list[str | None] = [None]
        while True:
            shown = selectors_boards.board_page(
                query=query, cursor=cursors[-1], page_size=page_size
            )
            if shown.next_cursor is None:
                break
            cursors.append(shown.next_cursor)

        board_cache.bump([query.program.pk])  # every cursor's place is from an older version
        forget_worked_out_pages()
        places = []
        for cursor in cursors:
            places += [
                row.rank
                for row in selectors_boards.board_page(
                    query=query, cursor=cursor, page_size=page_size
                ).rows
            ]

        assert places == whole


def test_exercise_names_are_read_once_per_board_version_and_again_when_it_moves() -> None:
    from runstrong.workouts.models import Exercise

    for n in range(12):
        posted(runner(f"R{n:02d}"), 600 + n)
    query = selectors_boards.BoardQuery(
        program=Program.objects.get(slug="runners-250"),
        scaled=False,
        period=ranking.ALL,
        period_start=ranking.ALL_TIME_START,
    )

    def names_read(cursor: str | None) -> tuple[bool, selectors_boards.BoardPage]:
        with CaptureQueriesContext(connection) as queries:
            shown = selectors_boards.board_page(query=query, cursor=cursor, page_size=4)
        return any("workouts_exercise" in q["sql"] for q in queries), shown

    forget_worked_out_pages()
    read, first = names_read(None)
    assert read and first.rows[0].core_exercise == "Sit-ups"
    read, second = names_read(first.next_cursor)  # the same version: names kept
    assert not read and second.rows[0].core_exercise == "Sit-ups"

    Exercise.objects.filter(slug="sit-up").update(name="Sit-ups (full)")
    posted(runner("Late"), 900)  # the board moves: a new version reads them again
    read, third = names_read(second.next_cursor)
    assert read and third.rows[0].core_exercise == "Sit-ups (full)"


def test_a_logged_in_page_seen_again_keeps_its_own_unread_count(
    client: Client,
) -> None:
    from runstrong.community.models import Notification

    me, fan = runner("Me"), runner("Fan")
    result = posted(me, 700)
    client.force_login(me)
    first = page(client)
    assert "tab-badge" not in first

    Notification.objects.create(recipient=me, actor=fan, kind="cheer", result=result)
    second = client.get(BOARD)

    html = second.content.decode()
    assert (
        '<span class="badge tab-badge">1<span class="visually-hidden"> unread notifications</span>'
        in html
    )
    # No stand-in of the reused page leaks (log out, with its CSRF token, is
    # now on the Me page, not in the navigation around the board).
    assert "board-csrf-" not in html and "board-results-" not in html


def test_a_board_read_among_no_athletes_finds_nothing_and_among_some_finds_theirs() -> None:
    from runstrong.community import board_sql

    first, second = runner("First"), runner("Second")
    posted(first, 700)
    posted(second, 800)
    program = Program.objects.get(slug="runners-250")
    bucket = board_sql.equal(program=program.pk, scope=ranking.PUBLIC)

    # No athletes asked for: no entry, and no "IN ()" for PostgreSQL to refuse
    # (SQLite takes it; the suite runs on both).
    assert board_sql.read(bucket & board_sql.among("athlete", [])) == []
    found = board_sql.read(bucket & board_sql.among("athlete", [second.pk]))
    assert {row["athlete_id"] for row in found} == {second.pk}
