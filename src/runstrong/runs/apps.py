from __future__ import annotations

from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runstrong.runs"
    verbose_name = "Runs"
