from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_celery_beat.models import CrontabSchedule, PeriodicTask

RETRAIN_TASK_NAME = "recommender: nightly retraining"


class Command(BaseCommand):
    help = "Create the periodic retraining task from RECOMMENDER_RETRAIN_CRON (idempotent; admin edits survive)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="overwrite the schedule with the setting")

    def handle(self, *args, reset, **options):
        cron = settings.RECOMMENDER_RETRAIN_CRON
        fields = cron.split()
        if len(fields) != 5:
            raise CommandError(f"RECOMMENDER_RETRAIN_CRON must have 5 fields, got {cron!r}")
        minute, hour, day_of_month, month_of_year, day_of_week = fields
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
            day_of_week=day_of_week, timezone="UTC",
        )
        task, created = PeriodicTask.objects.get_or_create(
            name=RETRAIN_TASK_NAME, defaults={"task": "recommender.tasks.train_model", "crontab": schedule}
        )
        if not created and reset:
            task.task, task.crontab, task.interval, task.enabled = "recommender.tasks.train_model", schedule, None, True
            task.save()
        state = "created" if created else ("reset" if reset else "already present, left as is")
        self.stdout.write(f"{RETRAIN_TASK_NAME}: {state} ({task.crontab})")
