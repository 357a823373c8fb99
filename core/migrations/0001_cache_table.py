"""The database cache's table (throttle counters and login lockouts when there is no Redis).

Created here rather than by a manual ``createcachetable`` so every database the app runs on
has it: tests, ``make run``, a fresh production database. Created whatever the cache
settings are at migration time, so switching ``REDIS_URL`` off later needs no extra step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "django_cache"  # settings.CACHE_TABLE


def create_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_table, drop_table)]
