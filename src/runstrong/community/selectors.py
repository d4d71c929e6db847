"""Reads for the social pages: who may see a result, clubs, feeds, notifications, the queue.

Every door that shows a result asks ``result_visible_to`` (one result) or
filters with ``visible_results`` (many); both apply ``access.may_see``, the
second by mirroring it in SQL. ``tests/community/test_selectors.py`` checks
that the two agree for every persona and privacy level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from runstrong.accounts.models import User
from runstrong.community import access, ranking
from runstrong.community.models import (
    Cheer,
    Club,
    Comment,
    Flag,
    FlagStatus,
    Membership,
    Notification,
    Role,
)
from runstrong.workouts.models import Result, Review

FEED_LIMIT = 30
NOTIFICATIONS_LIMIT = 100


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.pk if viewer is not None and viewer.is_authenticated else None


def clubmate_ids(viewer_id: int) -> QuerySet[Membership, Any]:
    """Athletes who share at least one club with the viewer (the viewer included), as a subquery."""
    return Membership.objects.filter(club__memberships__athlete_id=viewer_id).values("athlete_id")


def shares_club(viewer_id: int | None, owner_id: int) -> bool:
    if viewer_id is None:
        return False
    return Membership.objects.filter(
        athlete_id=owner_id, club__memberships__athlete_id=viewer_id
    ).exists()


def visible_q(viewer: User | None) -> Q:
    """``access.may_see`` as a filter on ``Result`` (for feeds and lists)."""
    viewer_id = _viewer_id(viewer)
    visible = Q(visibility=access.PUBLIC)
    if viewer_id is not None:
        visible |= Q(athlete_id=viewer_id)
        visible |= Q(visibility=access.CLUBS, athlete_id__in=clubmate_ids(viewer_id))
    return visible


def visible_results(viewer: User | None) -> QuerySet[Result]:
    """Every result the viewer may see."""
    return Result.objects.filter(visible_q(viewer))


def result_visible_to(result_id: int, viewer: User | None) -> Result | None:
    """The result with its program, session and athlete if the viewer may see it, else None.

    One query: whether the viewer shares a club with the owner is asked in the
    same statement, so a missing result and a hidden one cost (and look) the same.
    """
    viewer_id = _viewer_id(viewer)
    results = Result.objects.select_related("program", "session", "athlete").filter(id=result_id)
    if viewer_id is not None:
        results = results.annotate(
            viewer_shares_club=Exists(
                Membership.objects.filter(
                    athlete_id=OuterRef("athlete_id"), club__memberships__athlete_id=viewer_id
                )
            ),
            viewer_flagged=Exists(
                Flag.objects.filter(result_id=OuterRef("pk"), reporter_id=viewer_id)
            ),
        )
    result = results.first()
    if result is None:
        return None
    shared = bool(getattr(result, "viewer_shares_club", False))
    if not access.may_see(
        viewer_id=viewer_id,
        owner_id=result.athlete_id,
        visibility=result.visibility,
        shares_club=shared,
    ):
        return None
    return result


# ---------------------------------------------------------------------------
# Cheers and comments on one result.


@dataclass(frozen=True)
class CheerCount:
    kind: str
    label: str
    count: int
    mine: bool


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    can_edit: bool
    can_delete: bool


@dataclass(frozen=True)
class ResultSocial:
    cheers: list[CheerCount]
    comments: list[CommentView]
    flagged_by_viewer: bool


def cheer_counts(result_ids: Iterable[int], viewer: User | None) -> dict[int, list[CheerCount]]:
    """For each result, a count per cheer kind (every kind, in offer order): one query."""
    ids = list(result_ids)
    viewer_id = _viewer_id(viewer)
    mine_filter = Q(athlete_id=viewer_id) if viewer_id is not None else Q(pk__in=[])
    rows = (
        Cheer.objects.filter(result_id__in=ids)
        .values("result_id", "kind")
        .annotate(count=Count("id"), mine=Count("id", filter=mine_filter))
        .order_by()
    )
    found: dict[tuple[int, str], tuple[int, bool]] = {
        (row["result_id"], row["kind"]): (row["count"], row["mine"] > 0) for row in rows
    }
    return {
        result_id: [
            CheerCount(
                kind=kind,
                label=label,
                count=found.get((result_id, kind), (0, False))[0],
                mine=found.get((result_id, kind), (0, False))[1],
            )
            for kind, label in ranking.CHEER_KINDS.items()
        ]
        for result_id in ids
    }


def admins_a_club_of(*, viewer_id: int, owner_id: int) -> bool:
    """Is the viewer an admin of a club the owner is in (so may tidy their comment threads)?"""
    return Membership.objects.filter(
        athlete_id=owner_id,
        club__memberships__athlete_id=viewer_id,
        club__memberships__role=Role.ADMIN,
    ).exists()


def result_social(result: Result, viewer: User | None) -> ResultSocial:
    """Cheers and comments of a result the viewer may see: three queries at most."""
    viewer_id = _viewer_id(viewer)
    cheers = cheer_counts([result.pk], viewer)[result.pk]
    comments = list(
        Comment.objects.filter(result_id=result.pk).select_related("author").order_by("created_at")
    )
    admin_of_owner = False
    if viewer_id is not None and viewer_id != result.athlete_id and comments:
        admin_of_owner = admins_a_club_of(viewer_id=viewer_id, owner_id=result.athlete_id)
    return ResultSocial(
        cheers=cheers,
        comments=[
            CommentView(
                comment=comment,
                can_edit=access.may_edit_comment(viewer_id=viewer_id, author_id=comment.author_id),
                can_delete=access.may_delete_comment(
                    viewer_id=viewer_id,
                    author_id=comment.author_id,
                    owner_id=result.athlete_id,
                    admin_of_owner=admin_of_owner,
                ),
            )
            for comment in comments
        ],
        flagged_by_viewer=bool(getattr(result, "viewer_flagged", False)),
    )


def comment_get(comment_id: int, viewer: User) -> Comment | None:
    """A comment on a result the viewer may see, with its result and author."""
    comment = Comment.objects.select_related("result", "author").filter(id=comment_id).first()
    if comment is None or result_visible_to(comment.result_id, viewer) is None:
        return None
    return comment


# ---------------------------------------------------------------------------
# Clubs.


@dataclass(frozen=True)
class FeedItem:
    result: Result
    cheers: list[CheerCount]
    cheer_total: int
    comment_count: int


@dataclass(frozen=True)
class ClubPage:
    club: Club
    role: str  # the viewer's
    members: list[Membership]
    feed: list[FeedItem] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def club_list(viewer: User) -> list[Club]:
    """The viewer's clubs, with their member counts: one query."""
    # Filtering through a subquery, not the join, so the count sees every member.
    return list(
        Club.objects.filter(pk__in=Membership.objects.filter(athlete=viewer).values("club_id"))
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )


def club_for_member(slug: str, viewer: User) -> tuple[Club, str] | None:
    """The club and the viewer's role in it, or None for a non-member (a club's page is
    for its members only)."""
    membership = (
        Membership.objects.select_related("club")
        .filter(club__slug=slug, athlete_id=viewer.pk)
        .first()
    )
    return (membership.club, membership.role) if membership is not None else None


def club_by_token(token: str) -> Club | None:
    if not token or len(token) > 40:
        return None
    return (
        Club.objects.filter(invite_token=token).annotate(member_count=Count("memberships")).first()
    )


def is_member(club: Club, viewer: User) -> bool:
    return Membership.objects.filter(club=club, athlete_id=viewer.pk).exists()


def club_feed(club: Club, viewer: User, *, limit: int = FEED_LIMIT) -> list[FeedItem]:
    """Members' latest results the viewer may see, with cheer and comment counts: two queries."""
    comment_count = (
        Comment.objects.filter(result_id=OuterRef("pk"))
        .order_by()
        .values("result_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    results = list(
        visible_results(viewer)
        .filter(athlete_id__in=Membership.objects.filter(club=club).values("athlete_id"))
        .select_related("program", "athlete")
        .annotate(comment_count=Coalesce(Subquery(comment_count, output_field=IntegerField()), 0))
        .order_by("-started_at", "-id")[:limit]
    )
    counts = cheer_counts([result.pk for result in results], viewer)
    return [
        FeedItem(
            result=result,
            cheers=counts[result.pk],
            cheer_total=sum(cheer.count for cheer in counts[result.pk]),
            comment_count=int(getattr(result, "comment_count", 0)),
        )
        for result in results
    ]


def club_page(slug: str, viewer: User) -> ClubPage | None:
    """Everything a club's page shows, for a member; None for anyone else. Five queries."""
    found = club_for_member(slug, viewer)
    if found is None:
        return None
    club, role = found
    members = list(
        Membership.objects.filter(club=club)
        .select_related("athlete")
        .order_by("role", "joined_at", "id")  # "admin" sorts before "member"
    )
    return ClubPage(club=club, role=role, members=members, feed=club_feed(club, viewer))


# ---------------------------------------------------------------------------
# Notifications.


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[Notification]
    unread: int


def notification_unread_count(recipient: User) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def notification_list(recipient: User, *, limit: int = NOTIFICATIONS_LIMIT) -> NotificationPage:
    """The latest notifications with who and which result: two queries."""
    notifications = list(
        Notification.objects.filter(recipient=recipient)
        .select_related("actor", "result", "result__program")
        .order_by("-created_at", "-id")[:limit]
    )
    return NotificationPage(
        notifications=notifications, unread=notification_unread_count(recipient)
    )


# ---------------------------------------------------------------------------
# Moderation.


@dataclass(frozen=True)
class QueueFlag:
    flag: Flag
    reason: str  # as the reporter read it


@dataclass(frozen=True)
class QueueItem:
    result: Result
    flags: list[QueueFlag]  # open ones, oldest first; none for an unverified result unflagged


def moderation_queue(*, limit: int = 200) -> list[QueueItem]:
    """Results waiting for a moderator: flagged ones, then unverified ones nobody reviewed.

    Two queries: the open flags with their results, then the unverified results.
    """
    flags = list(
        Flag.objects.filter(status=FlagStatus.OPEN)
        .select_related("result", "result__athlete", "result__program", "reporter")
        .order_by("created_at", "id")[:limit]
    )
    by_result: dict[int, QueueItem] = {}
    for flag in flags:
        item = by_result.setdefault(flag.result_id, QueueItem(result=flag.result, flags=[]))
        item.flags.append(
            QueueFlag(flag=flag, reason=ranking.FLAG_REASONS.get(flag.reason, flag.reason))
        )
    unverified = (
        # A private result, or one kept off the boards, stands on no board:
        # nothing for a moderator to decide until that changes.
        Result.objects.filter(
            unverified=True,
            review=Review.NONE,
            on_boards=True,
            visibility__in=(access.PUBLIC, access.CLUBS),
        )
        .exclude(pk__in=list(by_result))
        .select_related("athlete", "program")
        .order_by("created_at", "id")[:limit]
    )
    return [*by_result.values(), *(QueueItem(result=result, flags=[]) for result in unverified)]
