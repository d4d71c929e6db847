from __future__ import annotations

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "runstrong.community"
    verbose_name = "Community"

    def ready(self) -> None:
        from runstrong.accounts import portability
        from runstrong.community import export, listeners

        listeners.connect()
        portability.register(export.SECTION)
