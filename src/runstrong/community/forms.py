"""Forms of the social pages: they parse and check shape; the services decide the rest."""

from __future__ import annotations

from django import forms

from runstrong.accounts.models import Privacy
from runstrong.community import ranking
from runstrong.community.models import (
    CLUB_DESCRIPTION_MAX_LENGTH,
    CLUB_NAME_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    FLAG_NOTE_MAX_LENGTH,
)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label="Visible to",
        choices=Privacy.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose everyone, your clubs or only you."},
    )


class BoardsForm(forms.Form):
    # A hidden field set by the button's own value, so each button says what it does.
    on_boards = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")],
        coerce=lambda value: value == "yes",
        error_messages={"invalid_choice": "Say whether the result may stand on the boards."},
    )


class CheerForm(forms.Form):
    kind = forms.ChoiceField(
        choices=list(ranking.CHEER_KINDS.items()),
        error_messages={"invalid_choice": "That is not one of the cheers on offer."},
    )
    # What the button offered: "yes" to give the cheer, "no" to take it back.
    on = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
        help_text=f"Plain text, up to {COMMENT_MAX_LENGTH} characters.",
        error_messages={
            "required": "Write something first: the comment is empty.",
            "max_length": f"Keep it to {COMMENT_MAX_LENGTH} characters.",
        },
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What looks wrong",
        choices=[("", "Choose a reason"), *ranking.FLAG_REASONS.items()],
        error_messages={
            "required": "Choose a reason from the list.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    note = forms.CharField(
        label="Anything the moderators should know (optional)",
        required=False,
        max_length=FLAG_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClubForm(forms.Form):
    name = forms.CharField(
        label="Club name",
        max_length=CLUB_NAME_MAX_LENGTH,
        error_messages={"required": "Give the club a name."},
    )
    description = forms.CharField(
        label="What the club is (optional)",
        required=False,
        max_length=CLUB_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NotificationReadForm(forms.Form):
    # Empty: mark every notification read.
    notification = forms.IntegerField(required=False, min_value=1)
