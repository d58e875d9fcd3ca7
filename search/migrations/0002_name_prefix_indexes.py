"""B-tree indexes for "starts with" searches of people on PostgreSQL.

Django's `istartswith` compiles to `UPPER(column::text) LIKE UPPER('al%')`; with text_pattern_ops an index on exactly
that expression answers such a prefix (any collation), where the full-text indexes of 0001 cannot: they hold stemmed
words without stop words, so "a" or a partial stem ("happin" for happiness) finds nothing there.
"""

from django.db import migrations

from socialnet.db import PostgresOnlyRunSQL

INDEXES = {
    "search_user_username_prefix": ("accounts_user", "username"),
    "search_profile_display_name_prefix": ("accounts_profile", "display_name"),
}


class Migration(migrations.Migration):
    dependencies = [("search", "0001_fulltext_indexes")]

    operations = [
        PostgresOnlyRunSQL(
            sql=f"CREATE INDEX {name} ON {table} (UPPER({column}::text) text_pattern_ops)",
            reverse_sql=f"DROP INDEX {name}",
        )
        for name, (table, column) in INDEXES.items()
    ]
