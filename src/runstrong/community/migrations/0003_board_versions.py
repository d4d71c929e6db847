"""Board versions move from the cache table to their own rows.

A program's token (``BoardVersion``) and a club's member-list token
(``Club.members_version``) are read by the same statement as the program
tabs and the viewer's clubs (``selectors_boards.board_frame``), one round
trip fewer on every board page. Existing clubs share one first token, which
is enough: a club board's pieces are also keyed by the club.
"""

import django.db.models.deletion
from django.db import migrations, models

import runstrong.community.models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_board_entry_filter_indexes"),
        ("workouts", "0002_result_privacy_review"),
    ]

    operations = [
        migrations.CreateModel(
            name="BoardVersion",
            fields=[
                (
                    "program",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="workouts.program",
                    ),
                ),
                (
                    "token",
                    models.CharField(
                        default=runstrong.community.models.new_version_token, max_length=16
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="club",
            name="members_version",
            field=models.CharField(
                default=runstrong.community.models.new_version_token, editable=False, max_length=16
            ),
        ),
    ]
