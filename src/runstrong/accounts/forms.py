"""Account forms: they check input; services write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from runstrong.accounts.models import Privacy, Sex, Units, User
from runstrong.text import clean_line

OLDEST_BIRTH_YEAR = 1900


def _display_name(value: str) -> str:
    """The name as boards show it: without the control characters that would
    garble a board row (U+202E reverses the rest of it)."""
    name = clean_line(value)
    if not name:
        raise forms.ValidationError(
            "Write a name people can read: this one has only invisible characters.",
            code="invisible",
        )
    return name


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    display_name = forms.CharField(
        label="Display name",
        max_length=60,
        help_text="Shown beside your results. You can change it later.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 8 characters; a phrase of a few words works well.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_display_name(self) -> str:
        return _display_name(self.cleaned_data["display_name"])

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail already exists. Log in, or reset its password.",
                code="email_taken",
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            # The validators compare the password with the e-mail and name, so
            # give them an unsaved user that carries both.
            candidate = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's log-in form with the e-mail address as the login."""

    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong e-mail or password. Passwords are case-sensitive.",
    }


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=60)
    units = forms.ChoiceField(label="Distances in", choices=Units.choices, widget=forms.RadioSelect)
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        required=False,
        help_text="Optional; used later only to group results on boards.",
    )
    birth_year = forms.IntegerField(
        label="Birth year",
        required=False,
        help_text="Optional; used later only for age groups on boards.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
    )
    default_privacy = forms.ChoiceField(
        label="Who sees your new results",
        choices=Privacy.choices,
        widget=forms.RadioSelect,
    )

    def clean_display_name(self) -> str:
        return _display_name(self.cleaned_data["display_name"])

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data["birth_year"]
        this_year = timezone.now().year
        if year is not None and not OLDEST_BIRTH_YEAR <= year <= this_year:
            raise forms.ValidationError(
                f"Enter a year between {OLDEST_BIRTH_YEAR} and {this_year}, or leave it empty."
            )
        return year


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label="New e-mail address",
        max_length=254,
        help_text="We send a link there; your address changes when you open it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        help_text="To be sure it is you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
