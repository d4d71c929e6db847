"""The database cache table (``settings.CACHES``), created with the schema.

A migration rather than a test fixture: every database that is migrated — the
test databases of pytest-django, a fresh PostgreSQL, a new SQLite data folder —
then has the table the rate limits need, with no step to forget.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
