from django.db import migrations


def partition(apps, schema_editor):
    from socialnet.partitions import partition_table

    partition_table(schema_editor, table="analytics_activity", column="created_at")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_dashboard_warm_schedule")]
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
