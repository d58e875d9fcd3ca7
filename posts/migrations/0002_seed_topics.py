from django.db import migrations

SEED_TOPICS = {
    "business": "Companies, markets and money",
    "covid": "The pandemic and public health",
    "entertainment": "Music, TV, celebrities and games",
    "sport": "Matches, athletes and fitness",
    "politics": "Elections, policy and government",
    "tech": "Software, gadgets and science",
    "movie": "Films, reviews and cinema",
}


def seed(apps, schema_editor):
    Topic = apps.get_model("posts", "Topic")
    for name, description in SEED_TOPICS.items():
        Topic.objects.get_or_create(name=name, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("posts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
