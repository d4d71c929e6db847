"""The only code that writes clubs, cheers, comments, notifications, flags and a
result's privacy. Keyword-only, typed, one transaction each.

Every service that acts on a result first asks the access rule
(``selectors.result_visible_to``): a result the actor may not see is reported
as missing (``NotFound``), exactly like one that does not exist, so no door
tells a stranger that a private result is there. Whenever a result's
visibility, ``on_boards`` or review changes, its athlete's board entries are
rebuilt in the same transaction (``services_boards.board_refresh``).
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify

from runstrong import ratelimit
from runstrong.accounts.models import Privacy, User
from runstrong.community import access, board_cache, ranking, selectors
from runstrong.community.models import (
    CLUB_DESCRIPTION_MAX_LENGTH,
    CLUB_NAME_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    FLAG_NOTE_MAX_LENGTH,
    NOTIFICATION_DETAIL_LENGTH,
    BoardEntry,
    Cheer,
    Club,
    Comment,
    Flag,
    FlagStatus,
    Membership,
    Notification,
    NotificationKind,
    Role,
    new_invite_token,
)
from runstrong.community.services_boards import board_refresh
from runstrong.community.services_share import share_cards_discard
from runstrong.text import clean_block, clean_line
from runstrong.workouts.models import Result, Review

# Rate limits per athlete. Generous for people being kind to each other, tight
# where a burst would hurt someone: a flag takes a result off the boards until
# a moderator looks, so a handful a day is plenty for an honest reporter.
MINUTE = 60
CHEERS_PER_WINDOW = 60
CHEER_WINDOW_SECONDS = 10 * MINUTE
COMMENTS_PER_WINDOW = 10
COMMENT_WINDOW_SECONDS = 10 * MINUTE
FLAGS_PER_WINDOW = 5
FLAG_WINDOW_SECONDS = 24 * 60 * MINUTE


class CommunityError(Exception):
    """A refusal the person can read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CommunityError):
    """Missing, or not this person's to see: the two read the same (404)."""


class NotAllowed(CommunityError):
    """The person may see the thing but not do this to it (403)."""


class Invalid(CommunityError):
    """The request was understood but its content is refused (422)."""


class RateLimited(CommunityError):
    """Too many of these lately (429); ``decision.retry_after`` says for how long."""

    def __init__(self, message: str, decision: ratelimit.Decision, what: str) -> None:
        super().__init__(message)
        self.decision = decision
        self.what = what


def _rate_limit(action: str, athlete: User, *, limit: int, window: int, what: str) -> None:
    decision = ratelimit.hit(f"community:{action}:{athlete.pk}", limit, window)
    if not decision.allowed:
        raise RateLimited(
            f"Too many {what} for now: try again in {decision.retry_after_minutes} "
            f"minute{'s' if decision.retry_after_minutes != 1 else ''}.",
            decision,
            what,
        )


def _visible_result(result_id: int, viewer: User) -> Result:
    result = selectors.result_visible_to(result_id, viewer)
    if result is None:
        raise NotFound("No such result.")
    return result


def _own_result_locked(result_id: int, athlete: User) -> Result:
    result = (
        Result.objects.select_for_update()
        .select_related("program")
        .filter(id=result_id, athlete_id=athlete.pk)
        .first()
    )
    if result is None:
        raise NotFound("No such result.")
    return result


def _notify(
    *,
    recipient_id: int,
    actor: User | None,
    kind: str,
    result: Result,
    detail: str = "",
    comment: Comment | None = None,
) -> None:
    """Tell a result's owner; never about their own doing."""
    if actor is not None and actor.pk == recipient_id:
        return
    Notification.objects.create(
        recipient_id=recipient_id,
        actor=actor,
        kind=kind,
        result=result,
        comment=comment,
        detail=Truncator(detail).chars(NOTIFICATION_DETAIL_LENGTH),
    )


# ---------------------------------------------------------------------------
# A result's privacy: its owner's alone.


def result_visibility_set(*, athlete: User, result_id: int, visibility: str) -> Result:
    """Who may see the result: everyone, the athlete's clubs, or the athlete only."""
    if visibility not in Privacy.values:
        raise Invalid("Choose who may see this result: everyone, your clubs or only you.")
    with transaction.atomic():
        result = _own_result_locked(result_id, athlete)
        if result.visibility != visibility:
            result.visibility = visibility
            result.save(update_fields=["visibility"])
            board_refresh(athlete=athlete, program=result.program)
            if visibility != Privacy.PUBLIC:
                # Its card is no longer served; its bytes should not linger either.
                share_cards_discard(athlete_id=athlete.pk, result_id=result.pk)
        return result


def result_boards_set(*, athlete: User, result_id: int, on_boards: bool) -> Result:
    """Let the result onto the boards, or keep it off them (it stays in the history)."""
    with transaction.atomic():
        result = _own_result_locked(result_id, athlete)
        if result.on_boards != on_boards:
            result.on_boards = on_boards
            result.save(update_fields=["on_boards"])
            board_refresh(athlete=athlete, program=result.program)
        return result


# ---------------------------------------------------------------------------
# Cheers.


def cheer_toggle(*, athlete: User, result_id: int, kind: str, on: bool | None = None) -> bool:
    """Give or take back one cheer of ``kind``; return whether it is now given.

    ``on`` says which the person meant (the button they saw), so a form sent
    twice by a double tap does not undo itself; None flips.
    """
    if kind not in ranking.CHEER_KINDS:
        raise Invalid("That is not one of the cheers on offer.")
    result = _visible_result(result_id, athlete)
    with transaction.atomic():
        existing = Cheer.objects.filter(result_id=result.pk, athlete_id=athlete.pk, kind=kind)
        given = existing.exists()
        wanted = not given if on is None else on
        if wanted == given:
            return given
        _rate_limit(
            "cheer", athlete, limit=CHEERS_PER_WINDOW, window=CHEER_WINDOW_SECONDS, what="cheers"
        )
        label = ranking.CHEER_KINDS[kind]
        if not wanted:
            existing.delete()
            # A cheer taken back before it was read is not worth reading.
            Notification.objects.filter(
                recipient_id=result.athlete_id,
                actor_id=athlete.pk,
                kind=NotificationKind.CHEER,
                result_id=result.pk,
                detail=label,
                read_at__isnull=True,
            ).delete()
            return False
        try:
            with transaction.atomic():
                Cheer.objects.create(result=result, athlete=athlete, kind=kind)
        except IntegrityError:
            return True  # the same tap, sent twice at once: one cheer
        _notify(
            recipient_id=result.athlete_id,
            actor=athlete,
            kind=NotificationKind.CHEER,
            result=result,
            detail=label,
        )
        return True


# ---------------------------------------------------------------------------
# Comments.


def _comment_text(text: str) -> str:
    cleaned = clean_block(text)
    if not cleaned:
        raise Invalid("Write something first: the comment is empty.")
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise Invalid(f"Keep it to {COMMENT_MAX_LENGTH} characters: this one has {len(cleaned)}.")
    return cleaned


def comment_add(*, author: User, result_id: int, text: str) -> Comment:
    cleaned = _comment_text(text)
    result = _visible_result(result_id, author)
    _rate_limit(
        "comment",
        author,
        limit=COMMENTS_PER_WINDOW,
        window=COMMENT_WINDOW_SECONDS,
        what="comments",
    )
    with transaction.atomic():
        comment = Comment.objects.create(result=result, author=author, text=cleaned)
        _notify(
            recipient_id=result.athlete_id,
            actor=author,
            kind=NotificationKind.COMMENT,
            result=result,
            detail=cleaned,
            comment=comment,
        )
        return comment


def _comment_locked(comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_for_update().select_related("result").filter(id=comment_id).first()
    )
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def comment_edit(*, author: User, comment_id: int, text: str) -> Comment:
    """Only its author edits a comment. An unread or read notification quoting it is
    brought up to date, so words taken back do not linger in the owner's list."""
    cleaned = _comment_text(text)
    with transaction.atomic():
        comment = _comment_locked(comment_id)
        if selectors.result_visible_to(comment.result_id, author) is None:
            raise NotFound("No such comment.")
        if not access.may_edit_comment(viewer_id=author.pk, author_id=comment.author_id):
            raise NotAllowed("Only the person who wrote a comment can edit it.")
        if comment.text != cleaned:
            Notification.objects.filter(comment=comment).update(
                detail=Truncator(cleaned).chars(NOTIFICATION_DETAIL_LENGTH)
            )
            comment.text = cleaned
            comment.edited_at = timezone.now()
            comment.save(update_fields=["text", "edited_at"])
        return comment


def comment_delete(*, actor: User, comment_id: int) -> None:
    """Its author, the result's owner, or an admin of a club the owner is in.

    The author may always take their own words back, even from a result they
    can no longer see. The club admin's right is what lets a club keep its
    feed kind: it covers comments on its members' results, by anyone.
    """
    with transaction.atomic():
        comment = _comment_locked(comment_id)
        if comment.author_id != actor.pk:
            result = selectors.result_visible_to(comment.result_id, actor)
            if result is None:
                raise NotFound("No such comment.")
            admin_of_owner = selectors.admins_a_club_of(
                viewer_id=actor.pk, owner_id=result.athlete_id
            )
            if not access.may_delete_comment(
                viewer_id=actor.pk,
                author_id=comment.author_id,
                owner_id=result.athlete_id,
                admin_of_owner=admin_of_owner,
            ):
                raise NotAllowed(
                    "Only the comment's author, the result's owner or a club admin can delete it."
                )
        # The owner's notification quotes the comment: it goes with it (cascade).
        comment.delete()


# ---------------------------------------------------------------------------
# Notifications.


def notification_mark_read(*, recipient: User, notification_id: int | None = None) -> int:
    """Mark one notification (or all of them, when no id) read; return how many changed."""
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
        if notification_id is not None:
            if not Notification.objects.filter(id=notification_id, recipient=recipient).exists():
                raise NotFound("No such notification.")
            unread = unread.filter(id=notification_id)
        return unread.update(read_at=timezone.now())


# ---------------------------------------------------------------------------
# Clubs.


def _club_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "club"
    if not Club.objects.filter(slug=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


def club_create(*, creator: User, name: str, description: str = "") -> Club:
    """A new club with its creator as its first admin."""
    name = clean_line(name)
    description = clean_block(description)
    if not name:
        raise Invalid("Give the club a name.")
    if len(name) > CLUB_NAME_MAX_LENGTH:
        raise Invalid(f"Keep the name to {CLUB_NAME_MAX_LENGTH} characters.")
    if len(description) > CLUB_DESCRIPTION_MAX_LENGTH:
        raise Invalid(f"Keep the description to {CLUB_DESCRIPTION_MAX_LENGTH} characters.")
    for _ in range(5):
        try:
            with transaction.atomic():
                club = Club.objects.create(
                    slug=_club_slug(name), name=name, description=description, created_by=creator
                )
                Membership.objects.create(club=club, athlete=creator, role=Role.ADMIN)
                return club
        except IntegrityError:
            continue  # another club took the slug a moment ago: a new suffix
    raise RuntimeError("could not find a free club address")  # pragma: no cover


def club_join(*, athlete: User, token: str) -> Club:
    """Join by invite link; joining twice changes nothing."""
    club = selectors.club_by_token(token)
    if club is None:
        raise NotFound("This invite link is not valid: it may have been replaced by a new one.")
    try:
        with transaction.atomic():
            _, joined = Membership.objects.get_or_create(club=club, athlete=athlete)
            if joined:
                board_cache.bump_club(club.pk)
    except IntegrityError:
        pass  # joined twice at once: one membership
    return club


def _membership_locked(slug: str, athlete_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("club")
        .filter(club__slug=slug, athlete_id=athlete_id)
        .first()
    )
    if membership is None:
        raise NotFound("No such club.")
    return membership


def _admin_membership(slug: str, admin: User) -> Membership:
    membership = _membership_locked(slug, admin.pk)
    if membership.role != Role.ADMIN:
        raise NotAllowed("Only the club's admins can do that.")
    return membership


def club_leave(*, athlete: User, slug: str) -> None:
    """Leave a club. The last admin to leave hands the club to its longest-standing
    member; the last member to leave takes the club with them (nobody could reach it)."""
    with transaction.atomic():
        membership = _membership_locked(slug, athlete.pk)
        club = membership.club
        membership.delete()
        board_cache.bump_club(club.pk)
        others = Membership.objects.select_for_update().filter(club=club)
        if not others.exists():
            club.delete()
            return
        if membership.role == Role.ADMIN and not others.filter(role=Role.ADMIN).exists():
            heir = others.order_by("joined_at", "id").first()
            assert heir is not None
            heir.role = Role.ADMIN
            heir.save(update_fields=["role"])


def athlete_depart(*, athlete: User) -> None:
    """What community does before an account is deleted (the rows then cascade).

    Leaves every club the way ``club_leave`` does: a club they alone ran goes
    to its longest-standing member, one they were alone in is deleted, and
    each club's member list moves its version. The athlete's board entries go
    now and every board they stood on moves its version, so the very next
    request anywhere (every process, every cached page) shows them gone.
    Their share cards are discarded with their bytes.
    """
    with transaction.atomic():
        slugs = list(
            Membership.objects.filter(athlete=athlete).values_list("club__slug", flat=True)
        )
        for slug in slugs:
            club_leave(athlete=athlete, slug=slug)
        entries = BoardEntry.objects.filter(athlete_id=athlete.pk)
        program_ids = set(entries.values_list("program_id", flat=True))
        entries.delete()
        board_cache.bump(program_ids)
        share_cards_discard(athlete_id=athlete.pk)


def club_token_rotate(*, admin: User, slug: str) -> Club:
    """A new invite link; every link given out before stops working."""
    with transaction.atomic():
        club = _admin_membership(slug, admin).club
        club.invite_token = new_invite_token()
        club.save(update_fields=["invite_token"])
        return club


def club_member_remove(*, admin: User, slug: str, athlete_id: int) -> None:
    with transaction.atomic():
        club = _admin_membership(slug, admin).club
        if athlete_id == admin.pk:
            raise Invalid("To leave the club yourself, use Leave.")
        removed, _ = Membership.objects.filter(club=club, athlete_id=athlete_id).delete()
        if not removed:
            raise NotFound("That person is not in this club.")
        board_cache.bump_club(club.pk)


# ---------------------------------------------------------------------------
# Flags and moderation.


def flag_raise(*, reporter: User, result_id: int, reason: str, note: str = "") -> Flag:
    """Flag a result someone else did. The first flag takes it off the boards until a
    moderator looks, and its owner is told.

    A result a moderator already cleared stays on the boards: the new flag
    waits in the queue, so a determined grudge cannot keep pulling it off.
    """
    if reason not in ranking.FLAG_REASONS:
        raise Invalid("Choose a reason from the list.")
    note = clean_line(note)
    if len(note) > FLAG_NOTE_MAX_LENGTH:
        raise Invalid(f"Keep the note to {FLAG_NOTE_MAX_LENGTH} characters.")
    visible = _visible_result(result_id, reporter)
    if visible.athlete_id == reporter.pk:
        raise Invalid("You cannot flag your own result. Keep it off the boards instead.")
    if visible.review == Review.CONFIRMED:
        raise Invalid("A moderator has already taken this result off the boards.")
    if Flag.objects.filter(result_id=visible.pk, reporter_id=reporter.pk).exists():
        raise Invalid("You have already flagged this result: a moderator will look at it.")
    _rate_limit("flag", reporter, limit=FLAGS_PER_WINDOW, window=FLAG_WINDOW_SECONDS, what="flags")
    try:
        with transaction.atomic():
            result = Result.objects.select_for_update().select_related("program", "athlete")
            locked = result.get(pk=visible.pk)
            flag = Flag.objects.create(result=locked, reporter=reporter, reason=reason, note=note)
            if locked.review == Review.NONE:
                locked.review = Review.FLAGGED
                locked.save(update_fields=["review"])
                board_refresh(athlete=locked.athlete, program=locked.program)
                _notify(
                    recipient_id=locked.athlete_id,
                    actor=None,
                    kind=NotificationKind.FLAGGED,
                    result=locked,
                    detail=ranking.FLAG_REASONS[reason],
                )
            return flag
    except IntegrityError:
        raise Invalid(
            "You have already flagged this result: a moderator will look at it."
        ) from None


CLEAR = "clear"
CONFIRM = "confirm"


def flag_resolve(*, moderator: User, result_id: int, decision: str) -> Result:
    """Staff decide on a flagged or unverified result: ``clear`` puts it (back) on the
    boards, ``confirm`` keeps it off for good. Every open flag on it is closed and
    the owner is told; the moderator's name is not given."""
    if not (moderator.is_active and moderator.is_staff):
        raise NotAllowed("Only moderators can resolve flags.")
    if decision not in (CLEAR, CONFIRM):
        raise Invalid("Decide clear or confirm.")
    review, status, kind = (
        (Review.CLEARED, FlagStatus.CLEARED, NotificationKind.CLEARED)
        if decision == CLEAR
        else (Review.CONFIRMED, FlagStatus.CONFIRMED, NotificationKind.CONFIRMED)
    )
    with transaction.atomic():
        result = (
            Result.objects.select_for_update()
            .select_related("program", "athlete")
            .filter(pk=result_id)
            .first()
        )
        if result is None:
            raise NotFound("No such result.")
        Flag.objects.filter(result=result, status=FlagStatus.OPEN).update(
            status=status, resolved_by=moderator, resolved_at=timezone.now()
        )
        if result.review != review:
            result.review = review
            result.save(update_fields=["review"])
            board_refresh(athlete=result.athlete, program=result.program)
            if review == Review.CONFIRMED:
                share_cards_discard(athlete_id=result.athlete_id, result_id=result.pk)
            _notify(recipient_id=result.athlete_id, actor=None, kind=kind, result=result)
        return result
