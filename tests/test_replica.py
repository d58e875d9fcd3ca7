"""With DATABASE_REPLICA_URL set, analytics reports and the recommender's extraction read the replica."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from socialnet.db import bulk_read_alias

BASE_DIR = Path(__file__).resolve().parent.parent
SCRIPT = """
from django.db import connections
from socialnet.db import bulk_read_alias
from recommender.data import load_frames
from analytics.selectors import metric_tables
import datetime
frames = load_frames()
metric_tables(metric="content", start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 31), refresh=True)
print(bulk_read_alias(), len(frames.posts), connections["replica"].connection is not None)
"""


def test_without_a_replica_bulk_reads_use_the_primary():
    assert bulk_read_alias() == "default"


@pytest.mark.django_db(transaction=True)
def test_replica_alias_serves_bulk_reads():
    if connection.vendor != "postgresql":
        pytest.skip("replicas are a PostgreSQL deployment")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": url, "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    alias, _posts, replica_connected = result.stdout.split()[-3:]
    assert alias == "replica"
    assert replica_connected == "True"  # the replica connection was opened: the reads went there
