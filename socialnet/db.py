from django.conf import settings


def bulk_read_alias() -> str:
    """The database for heavy read-only work (analytics reports, the recommender's bulk extraction).

    A read replica when DATABASE_REPLICA_URL is set, so those scans stay off the primary that serves writes and
    the per-request reads that must see them (the feed's "already seen" query reads the primary).
    """
    return "replica" if "replica" in settings.DATABASES else "default"
