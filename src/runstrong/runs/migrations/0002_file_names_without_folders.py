"""Stored file names lose the folders above them (issue 18, part 4).

``runstrong import`` used to store each file under the path it was given, so
the importing machine's folders (often the athlete's own name) were kept and
shown on the pages. Each name becomes the file's own name, and a zip member's
"archive: folder/member" becomes "archive: member", as imports now store them.
The import messages that quoted a stored name ("already imported (the same
file as …)") quote the new one.

The rule is copied here rather than imported: a migration must keep doing what
it did when it was written, whatever becomes of ``intake.file_name``.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

_SEPARATORS = re.compile(r"[\\/]")
# "archive.zip: folder/member.fit" as intake named a zip's members.
_MEMBER = re.compile(r"^(?P<archive>.*?\.zip): (?P<member>.+)$", re.IGNORECASE | re.DOTALL)


def _own_name(name: str) -> str:
    return _SEPARATORS.split(name)[-1]


def stripped(name: str) -> str:
    member = _MEMBER.match(name)
    if member is not None:
        return f"{_own_name(member['archive'])}: {_own_name(member['member'])}"
    return _own_name(name)


def strip_folders(apps: Any, schema_editor: Any) -> None:
    Activity = apps.get_model("runs", "Activity")
    ImportItem = apps.get_model("runs", "ImportItem")
    athlete_ids = set(Activity.objects.values_list("athlete_id", flat=True).distinct())
    athlete_ids |= set(ImportItem.objects.values_list("batch__athlete_id", flat=True).distinct())
    for athlete_id in athlete_ids:
        renamed: dict[str, str] = {}
        activities = Activity.objects.filter(athlete_id=athlete_id).only("id", "original_name")
        for activity in activities.iterator():
            new = stripped(activity.original_name)
            if new != activity.original_name:
                renamed[activity.original_name] = new
                activity.original_name = new
                activity.save(update_fields=["original_name"])
        items = ImportItem.objects.filter(batch__athlete_id=athlete_id)
        for item in items.only("id", "name"):
            new = stripped(item.name)
            if new != item.name:
                renamed[item.name] = new
        if not renamed:
            continue
        # Longest first, so a path is never half-replaced by a shorter one inside it.
        olds = sorted(renamed, key=len, reverse=True)
        for item in items.only("id", "name", "message").iterator():
            name = renamed.get(item.name, item.name)
            message = item.message
            for old in olds:
                if old in message:
                    message = message.replace(old, renamed[old])
            if (name, message) != (item.name, item.message):
                item.name, item.message = name, message[:500]
                item.save(update_fields=["name", "message"])


class Migration(migrations.Migration):
    dependencies = [("runs", "0001_initial")]

    operations = [migrations.RunPython(strip_folders, migrations.RunPython.noop, elidable=True)]
