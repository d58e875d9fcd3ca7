"""GIN indexes for full-text search on PostgreSQL.

Each index expression is exactly what search.selectors builds with SearchVector(..., config="english"),
so the planner can answer the @@ filters from the index. Other databases search with icontains instead.
"""

from django.db import migrations

from socialnet.db import PostgresOnlyRunSQL

INDEXES = {
    "search_user_username_fts": ("accounts_user", "COALESCE(username, '')"),
    "search_profile_display_name_fts": ("accounts_profile", "COALESCE(display_name, '')"),
    "search_community_fts": ("communities_community", "COALESCE(name, '') || ' ' || COALESCE(description, '')"),
    "search_post_text_fts": ("posts_post", "COALESCE(text, '')"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("communities", "0002_initial"),
        ("posts", "0002_seed_topics"),
    ]

    operations = [
        PostgresOnlyRunSQL(
            sql=f"CREATE INDEX {name} ON {table} USING gin (to_tsvector('english'::regconfig, {expression}))",
            reverse_sql=f"DROP INDEX {name}",
        )
        for name, (table, expression) in INDEXES.items()
    ]
