"""For ``bench/login_limits.py``: password hashers that count each check, and
RunStrong's e-mail log-in without its own limits (for ``--axes``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher, MD5PasswordHasher

from runstrong.accounts.backends import EmailBackend


def _count_check() -> None:
    # One byte per check, appended: several worker processes write here.
    with (Path(os.environ["RUNSTRONG_DATA"]) / "password-checks").open("ab") as checks:
        checks.write(b".")


class CountingArgon2Hasher(Argon2PasswordHasher):
    def encode(self, password: str, salt: str) -> str:
        _count_check()  # a hash for an unknown account, which is a check too
        return str(super().encode(password, salt))

    def verify(self, password: str, encoded: str) -> bool:
        _count_check()
        return bool(super().verify(password, encoded))


class CountingMD5Hasher(MD5PasswordHasher):
    def encode(self, password: str, salt: str) -> str:
        _count_check()  # verify() goes through encode() here
        return str(super().encode(password, salt))


class UnlimitedEmailBackend(EmailBackend):
    def authenticate(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Without the request the back end applies no limit: django-axes does.
        return super().authenticate(None, *args, **kwargs)
