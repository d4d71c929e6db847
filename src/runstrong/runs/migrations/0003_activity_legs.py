"""Each leg of a multisport file is an activity of its own (issue 18, part 6).

The legs share their file's sha256, so a file is stored once per leg: the
unique constraint takes the leg's number. Rows stored before are single-sport,
or a multisport file stored whole: leg 1 of 1.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('runs', '0002_file_names_without_folders'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='activity',
            name='activity_file_once',
        ),
        migrations.AddField(
            model_name='activity',
            name='leg',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='activity',
            name='leg_count',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.UniqueConstraint(fields=('athlete', 'sha256', 'leg'), name='activity_file_leg_once'),
        ),
    ]
