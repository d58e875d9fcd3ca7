from django.conf import settings
from django.db import connection, migrations


def bulk_read_alias() -> str:
    """The database for heavy read-only work (analytics reports, the recommender's bulk extraction).

    A read replica when DATABASE_REPLICA_URL is set, so those scans stay off the primary that serves writes and
    the per-request reads that must see them (the feed's "already seen" query reads the primary).
    """
    return "replica" if "replica" in settings.DATABASES else "default"


def statistics_refresh(models) -> None:
    """ANALYZE the models' tables after a bulk load. Until then the planner plans with the row counts and value
    spreads of before the load (autovacuum catches up later, or never where it is turned off), and picks e.g. a
    scan and sort of every post over an index."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class PostgresOnlyRunSQL(migrations.RunSQL):
    """SQL that only PostgreSQL runs (indexes for its own operators); other databases skip it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
