from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "runstrong.accounts"
    verbose_name = "Accounts"
