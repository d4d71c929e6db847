from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "runstrong.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Registers the accounts section of the export; each app above adds its own.
        from runstrong.accounts import portability  # noqa: F401
