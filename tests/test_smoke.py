import importlib

import pytest
from django.apps import apps
from django.db import connection

from posts.models import Topic

SEED_TOPICS = {"business", "covid", "entertainment", "sport", "politics", "tech", "movie"}


@pytest.mark.django_db
def test_topic_seed_migration_creates_the_seed_datas_topics_once():
    # Called directly: a transactional test elsewhere may have flushed what the migration wrote at setup.
    seed = importlib.import_module("posts.migrations.0002_seed_topics").seed
    Topic.objects.all().delete()
    seed(apps, None)
    seed(apps, None)
    assert set(Topic.objects.values_list("name", flat=True)) == SEED_TOPICS


def test_ci_uses_postgres_when_configured():
    import os

    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
