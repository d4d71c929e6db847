from __future__ import annotations

from django.apps import AppConfig


class WorkoutsConfig(AppConfig):
    name = "runstrong.workouts"
    verbose_name = "Workouts"

    def ready(self) -> None:
        from runstrong.accounts import portability
        from runstrong.workouts import export

        portability.register(export.SECTION)
