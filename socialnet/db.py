from django.conf import settings
from django.db import connection


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
