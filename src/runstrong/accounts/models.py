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


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A personal access token for the API (``accounts/tokens.py``).

    Only a SHA-256 digest of the secret is kept: the plain token is shown once,
    when it is made, and a stolen table cannot be replayed. The secret is 256
    random bits, so a fast unsalted digest is enough (a password needs a slow,
    salted hash because people choose guessable ones; nobody chooses this).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    scope = models.CharField(max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    # The token's first characters, public: how the settings page tells tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Written at most once a minute (tokens.TOUCH_EVERY), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class RateBucket(models.Model):
    """One key's allowance under ``ratelimit.spend`` (the API's per-token limit).

    ``due`` is when the key's allowance would be whole again were it to stop
    now (the "theoretical arrival time" of the generic cell rate algorithm),
    in seconds since the epoch. One row per key, changed by one statement a
    request; a row whose ``due`` has passed means the same as no row. Its
    keys are API tokens', so the table holds at most a row per token ever used.
    """

    key = models.CharField(primary_key=True, max_length=64)
    due = models.FloatField()

    def __str__(self) -> str:
        return f"{self.key} (due {self.due:.3f})"
