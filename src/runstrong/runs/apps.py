from __future__ import annotations

from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runstrong.runs"
    verbose_name = "Runs"

    def ready(self) -> None:
        from runstrong.accounts import portability
        from runstrong.runs import export

        portability.register(export.SECTION)
