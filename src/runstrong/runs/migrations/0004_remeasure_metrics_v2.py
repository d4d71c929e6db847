"""Every stored activity measured again by the rules of issue 18, parts 1-3
(``metrics.METRICS_VERSION`` 2): half-filled records interpolated, clock jumps
taken out of the elapsed time, interval sessions kept out of the trend.

Unlike a migration that rewrites data by a fixed rule, this one calls today's
metrics on purpose: the stored figures must be those the current code would give,
and an activity already measured by version 2 or later is left as it is.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def remeasure(apps: Any, schema_editor: Any) -> None:
    from runstrong.runs.services_remeasure import activities_remeasure

    activities_remeasure(activity_model=apps.get_model("runs", "Activity"))


class Migration(migrations.Migration):
    dependencies = [("runs", "0003_activity_legs")]

    operations = [migrations.RunPython(remeasure, migrations.RunPython.noop, elidable=True)]
