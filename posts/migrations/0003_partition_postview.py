from django.db import migrations


def partition(apps, schema_editor):
    from socialnet.partitions import partition_table

    partition_table(schema_editor, table="posts_postview", column="viewed_at")


class Migration(migrations.Migration):
    dependencies = [("posts", "0002_seed_topics")]
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
