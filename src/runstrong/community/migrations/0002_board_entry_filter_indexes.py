"""Indexes for filtered boards (sex, age group, both): each filter is an equality
prefix of its own copy of the rank order, so a filtered page and its counts are
one index range like an unfiltered one.

Written as SQL with no model-state change so the guard against missing
migrations holds while ``BoardEntry.Meta`` does not list them; the SQL is the
same on SQLite and PostgreSQL.
"""

from django.db import migrations

RANK = "capped, reps_done DESC, total_s, started_at, athlete_id"
BUCKET = "program_id, scope, scaled, period, period_start"


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX board_entry_sex_age ON community_boardentry "
            f"({BUCKET}, sex, age_group, {RANK})",
            reverse_sql="DROP INDEX board_entry_sex_age",
        ),
        migrations.RunSQL(
            sql=f"CREATE INDEX board_entry_age ON community_boardentry "
            f"({BUCKET}, age_group, {RANK})",
            reverse_sql="DROP INDEX board_entry_age",
        ),
    ]
