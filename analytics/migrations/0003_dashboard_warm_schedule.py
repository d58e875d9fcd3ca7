"""Scheduled dashboard_warm every 4 minutes; manage.py setup_periodic_tasks now owns every schedule (kept as a no-op)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_experiment_one_running"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
