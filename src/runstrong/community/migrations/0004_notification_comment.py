"""A comment's notification points at the comment.

Before, an edit or a deletion found the notification by the comment's first
words, so two comments reading the same shared one fate. Notifications
already sent are linked to their comment by those words, each to one.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import Truncator

DETAIL_LENGTH = 120


def link_comments(apps, schema_editor):  # type: ignore[no-untyped-def]
    comment_model = apps.get_model("community", "Comment")
    notification_model = apps.get_model("community", "Notification")
    for comment in comment_model.objects.select_related("result").order_by("id"):
        found = (
            notification_model.objects.filter(
                comment__isnull=True,
                kind="comment",
                recipient_id=comment.result.athlete_id,
                actor_id=comment.author_id,
                result_id=comment.result_id,
                detail=Truncator(comment.text).chars(DETAIL_LENGTH),
            )
            .order_by("id")
            .first()
        )
        if found is not None:
            found.comment = comment
            found.save(update_fields=["comment"])


class Migration(migrations.Migration):
    dependencies = [("community", "0003_board_versions")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="comment",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="community.comment",
            ),
        ),
        migrations.RunPython(link_comments, migrations.RunPython.noop),
    ]
