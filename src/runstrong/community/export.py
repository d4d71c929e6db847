"""The community part of an athlete's export: the cheers and comments they gave, their
clubs (membership and role; the club itself where they are an admin), and the way
back in (``accounts/portability.py``).

Results are named by their session's id, which is the same on every instance
(clients make it), so a cheer or comment comes back only onto a result that
exists here and that the athlete may see; the others are passed over and said
so. The import writes through this module rather than ``cheer_toggle`` and
``comment_add``: those are for a person tapping now — rate-limited per minute
and telling the result's owner — and a restore of last year's comments should
neither hit a limit meant for bursts nor notify anyone. Whose result may be
seen is still asked of ``selectors.result_visible_to``, the rule every door
asks, and a comment's text is cleaned as one typed now.

Clubs: an admin's club is made again (with them as its admin) unless they
already run a club of that name here; a club they were only a member of cannot
be joined without its invite link, so it is listed as passed over unless they
are in it already. Each result's visibility and whether it stands on the boards
are the athlete's own choices and come back through the services that set them;
a moderator's review stays with the instance whose moderators made it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from runstrong.accounts import portability
from runstrong.accounts.models import User
from runstrong.community import services
from runstrong.community.models import Cheer, Comment, Membership, Role
from runstrong.community.selectors import result_visible_to
from runstrong.workouts.models import Result


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _cheers(athlete: User) -> Iterator[dict[str, Any]]:
    rows = (
        Cheer.objects.filter(athlete=athlete)
        .order_by("created_at", "id")
        .values_list("result__session_id", "kind")
    )
    for session_id, kind in rows.iterator(chunk_size=1000):
        yield {"session": str(session_id), "kind": kind}


def _comments(athlete: User) -> Iterator[dict[str, Any]]:
    rows = (
        Comment.objects.filter(author=athlete)
        .order_by("created_at", "id")
        .values_list("result__session_id", "text", "created_at", "edited_at")
    )
    for session_id, text, created_at, edited_at in rows.iterator(chunk_size=1000):
        yield {
            "session": str(session_id),
            "text": text,
            "created_at": _iso(created_at),
            "edited_at": _iso(edited_at),
        }


def _clubs(athlete: User) -> list[dict[str, Any]]:
    memberships = (
        Membership.objects.filter(athlete=athlete).select_related("club").order_by("joined_at")
    )
    return [
        {
            "slug": membership.club.slug,
            "name": membership.club.name,
            # The club's own words only where they are the athlete's to take.
            "description": membership.club.description if membership.role == Role.ADMIN else "",
            "role": membership.role,
            "joined_at": _iso(membership.joined_at),
        }
        for membership in memberships
    ]


def _parts(athlete: User) -> Mapping[str, Any]:
    return {"cheers": _cheers(athlete), "comments": _comments(athlete), "clubs": _clubs(athlete)}


# ---------------------------------------------------------------------------
# Import.


def _restore(restore: portability.Restore, part: Mapping[str, Any]) -> None:
    _restore_clubs(restore, part["clubs"])
    _restore_result_settings(restore)
    _restore_cheers(restore, part["cheers"])
    _restore_comments(restore, part["comments"])


def _restore_clubs(restore: portability.Restore, clubs: list[dict[str, Any]]) -> None:
    athlete = restore.athlete
    for position, data in enumerate(clubs):
        mine = Membership.objects.filter(athlete=athlete)
        if data["role"] == Role.ADMIN:
            if mine.filter(role=Role.ADMIN, club__name=data["name"]).exists():
                continue
            where = f"sections.community.clubs[{position}]"
            try:
                club = services.club_create(
                    creator=athlete, name=data["name"], description=data["description"]
                )
            except services.CommunityError as error:
                restore.refuse(where, str(error))
            Membership.objects.filter(club=club, athlete=athlete).update(
                joined_at=restore.moment(f"{where}.joined_at", data["joined_at"])
            )
            restore.counts["clubs"] += 1
        elif not mine.filter(Q(club__slug=data["slug"]) | Q(club__name=data["name"])).exists():
            restore.notes.append(
                f"club {data['name']}: you were a member; join it again with its invite link"
            )


def _own_results(restore: portability.Restore) -> Iterator[tuple[dict[str, Any], Result]]:
    sessions = restore.document["sections"]["workouts"]["sessions"]
    wanted = {
        restore.session_id(data["id"]): data["result"]
        for data in sessions
        if data["result"] is not None
    }
    results = Result.objects.filter(athlete=restore.athlete, session_id__in=list(wanted))
    for result in results.order_by("started_at", "id"):
        yield wanted[str(result.session_id)], result


def _restore_result_settings(restore: portability.Restore) -> None:
    reviewed = 0
    for data, result in _own_results(restore):
        if result.visibility != data["visibility"]:
            services.result_visibility_set(
                athlete=restore.athlete, result_id=result.pk, visibility=data["visibility"]
            )
        if result.on_boards != data["on_boards"]:
            services.result_boards_set(
                athlete=restore.athlete, result_id=result.pk, on_boards=data["on_boards"]
            )
        reviewed += data["review"] != "none" and result.review != data["review"]
    if reviewed:
        restore.notes.append(
            f"{reviewed} result(s) had a moderator's review there: moderators here decide anew"
        )


def _visible_results(restore: portability.Restore, session_ids: set[str]) -> dict[str, Result]:
    """The results of these sessions that the athlete may see here, by session id."""
    found = Result.objects.filter(session_id__in=list(session_ids)).values_list("pk", "session_id")
    visible: dict[str, Result] = {}
    for result_id, session_id in found:
        result = result_visible_to(result_id, restore.athlete)
        if result is not None:
            visible[str(session_id)] = result
    return visible


def _restore_cheers(restore: portability.Restore, cheers: list[dict[str, Any]]) -> None:
    results = _visible_results(restore, {restore.session_id(c["session"]) for c in cheers})
    passed_over = 0
    for cheer in cheers:
        result = results.get(restore.session_id(cheer["session"]))
        if result is None:
            passed_over += 1
            continue
        _, made = Cheer.objects.get_or_create(
            result=result, athlete=restore.athlete, kind=cheer["kind"]
        )
        restore.counts["cheers"] += made
    if passed_over:
        restore.notes.append(
            f"{passed_over} cheer(s) on results that are not here (or not yours to see): "
            "passed over"
        )


def _restore_comments(restore: portability.Restore, comments: list[dict[str, Any]]) -> None:
    results = _visible_results(restore, {restore.session_id(c["session"]) for c in comments})
    passed_over = 0
    for position, data in enumerate(comments):
        where = f"sections.community.comments[{position}]"
        created_at = restore.moment(f"{where}.created_at", data["created_at"])
        edited_at = (
            restore.moment(f"{where}.edited_at", data["edited_at"]) if data["edited_at"] else None
        )
        result = results.get(restore.session_id(data["session"]))
        if result is None:
            passed_over += 1
            continue
        try:
            text = services._comment_text(data["text"])
        except services.CommunityError as error:
            restore.refuse(f"{where}.text", str(error))
        if Comment.objects.filter(result=result, author=restore.athlete, text=text).exists():
            continue
        comment = Comment.objects.create(result=result, author=restore.athlete, text=text)
        # The dates it was written and edited, not the day it was brought back.
        Comment.objects.filter(pk=comment.pk).update(created_at=created_at, edited_at=edited_at)
        restore.counts["comments"] += 1
    if passed_over:
        restore.notes.append(
            f"{passed_over} comment(s) on results that are not here (or not yours to see): "
            "passed over"
        )


SECTION = portability.Section(name="community", parts=_parts, restore=_restore)
