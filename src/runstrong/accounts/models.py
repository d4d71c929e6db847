"""The athlete: a Django user with the profile fields on the same row.

A custom user model from the first migration, as Django advises, so e-mail
log-in and profile fields never need a painful swap later.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class Units(models.TextChoices):
    KM = "km", "Kilometres"
    MI = "mi", "Miles"


class Sex(models.TextChoices):
    UNSPECIFIED = "", "Prefer not to say"
    FEMALE = "f", "Female"
    MALE = "m", "Male"


class Privacy(models.TextChoices):
    PUBLIC = "public", "Everyone"
    CLUBS = "clubs", "My clubs"
    PRIVATE = "private", "Only me"


class User(AbstractUser):
    email = models.EmailField("e-mail address", blank=True)
    display_name = models.CharField(max_length=60, blank=True)
    units = models.CharField(max_length=2, choices=Units.choices, default=Units.KM)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default=Sex.UNSPECIFIED)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    default_privacy = models.CharField(
        max_length=10, choices=Privacy.choices, default=Privacy.PRIVATE
    )

    class Meta:
        constraints = [
            # One account per address, but the CLI's local athlete has none.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
            )
        ]

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username
