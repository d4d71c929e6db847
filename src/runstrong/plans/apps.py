from __future__ import annotations

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "runstrong.plans"
    verbose_name = "Plans"

    def ready(self) -> None:
        from runstrong.accounts import portability
        from runstrong.plans import export, listeners

        listeners.connect()
        portability.register(export.SECTION)
