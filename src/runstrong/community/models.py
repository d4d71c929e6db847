"""Clubs, cheers, comments, notifications, flags, board entries and share cards.

Only ``services.py`` writes these tables. Who may see a result, and whether it
may stand on a board, are rules in ``ranking.py`` and ``access.py``; this
module only stores.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from runstrong.workouts.models import Program, Result


def new_invite_token() -> str:
    return secrets.token_urlsafe(18)


def new_version_token() -> str:
    return secrets.token_hex(8)


# Lengths the services check with a message before the database would refuse.
CLUB_NAME_MAX_LENGTH = 80
CLUB_DESCRIPTION_MAX_LENGTH = 1000
FLAG_NOTE_MAX_LENGTH = 300
NOTIFICATION_DETAIL_LENGTH = 120


class Club(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=CLUB_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=CLUB_DESCRIPTION_MAX_LENGTH)
    # Anyone holding the link /clubs/join/<token>/ may join; rotating the
    # token kills every link given out before.
    invite_token = models.CharField(max_length=40, unique=True, default=new_invite_token)
    # Moved whenever a member joins or leaves (board_cache.bump_club): the
    # club's boards worked out before are stale from then on.
    members_version = models.CharField(max_length=16, default=new_version_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"


class Membership(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="memberships")
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["club", "athlete"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["athlete", "club"])]

    def __str__(self) -> str:
        return f"{self.athlete_id} in {self.club_id} ({self.role})"


class Cheer(models.Model):
    """One reaction of one kind by one athlete on one result (kinds: ranking.CHEER_KINDS)."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="cheers")
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cheers_given"
    )
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["result", "athlete", "kind"], name="cheer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.athlete_id} on {self.result_id}"


COMMENT_MAX_LENGTH = 500


class Comment(models.Model):
    """Plain text; never marked safe, escaped wherever it is shown."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.id} by {self.author_id} on {self.result_id}"


class NotificationKind(models.TextChoices):
    CHEER = "cheer", "Cheer"
    COMMENT = "comment", "Comment"
    FLAGGED = "flagged", "Your result was flagged"
    CLEARED = "cleared", "Your result was cleared"
    CONFIRMED = "confirmed", "Your result was confirmed invalid"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="+")
    # The comment told about: an edit rewrites the notification's words and a
    # deletion takes it away (two comments may read the same).
    comment = models.ForeignKey(Comment, null=True, on_delete=models.CASCADE, related_name="+")
    # The cheer kind, or the first words of a comment, as it was when sent.
    detail = models.CharField(max_length=NOTIFICATION_DETAIL_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLEARED = "cleared", "Cleared: the result stands"
    CONFIRMED = "confirmed", "Confirmed: the result is off the boards"


class Flag(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_raised"
    )
    reason = models.CharField(max_length=20)  # one of ranking.FLAG_REASONS
    note = models.CharField(max_length=FLAG_NOTE_MAX_LENGTH, blank=True)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["result", "reporter"], name="flag_once_per_reporter")
        ]

    def __str__(self) -> str:
        return f"flag {self.id} on {self.result_id} ({self.status})"


class Scope(models.TextChoices):
    """Which results an entry ranks: public ones only, or public and club-only ones."""

    PUBLIC = "public", "Everyone"
    CLUBS = "clubs", "Clubs"


class Period(models.TextChoices):
    WEEK = "week", "This week"
    MONTH = "month", "This month"
    YEAR = "year", "This year"
    ALL = "all", "All time"


class BoardVersion(models.Model):
    """A program's boards' version: a new token whenever any of their entries
    change (``board_cache.bump``), read with the page around every board."""

    program = models.OneToOneField(
        Program, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=16, default=new_version_token)

    def __str__(self) -> str:
        return f"{self.program_id}: {self.token}"


class BoardEntry(models.Model):
    """An athlete's best eligible result for one board bucket, kept by services.

    A bucket is (program, scope, scaled, period, period_start). Keeping the
    best per athlete here, rather than grouping a million results per request,
    is what lets a board page be one index range scan with a keyset cursor.
    The rank columns (capped, reps_done, total_s) and the filters (sex,
    age_group) are copied from the result and the profile so the scan needs
    no join; services rebuild an athlete's rows whenever either changes.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scaled = models.BooleanField()
    period = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_entries"
    )
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="+")
    capped = models.BooleanField()
    reps_done = models.PositiveIntegerField()
    total_s = models.PositiveIntegerField()  # ranked at the precision shown: whole seconds
    started_at = models.DateTimeField()
    sex = models.CharField(max_length=1, blank=True)
    age_group = models.CharField(max_length=8, blank=True)  # "25-29", "70+", "" unknown
    core_exercise = models.SlugField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "scope", "scaled", "period", "period_start", "athlete"],
                name="board_entry_one_per_athlete",
            )
        ]
        indexes = [
            models.Index(
                fields=[
                    "program",
                    "scope",
                    "scaled",
                    "period",
                    "period_start",
                    "capped",
                    "-reps_done",
                    "total_s",
                    "started_at",
                    "athlete",
                ],
                name="board_entry_rank",
            ),
            models.Index(fields=["athlete", "program"], name="board_entry_athlete"),
        ]

    def __str__(self) -> str:
        return f"{self.athlete_id} on {self.program_id}/{self.scope}/{self.period}"


class ShareCard(models.Model):
    """The PNG drawn for a public result, made once and served from here."""

    result = models.OneToOneField(Result, on_delete=models.CASCADE, related_name="share_card")
    # Bumped when the drawing changes, so old cards are redrawn on next request.
    version = models.PositiveSmallIntegerField()
    png = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"card for {self.result_id} v{self.version}"
