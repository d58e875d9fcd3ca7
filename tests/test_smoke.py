import pytest
from django.db import connection


@pytest.mark.django_db
def test_topics_are_seeded_by_migration():
    from posts.models import Topic

    assert {"business", "covid", "entertainment", "sport", "politics", "tech", "movie"} <= set(
        Topic.objects.values_list("name", flat=True)
    )


def test_ci_uses_postgres_when_configured(settings):
    import os

    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
