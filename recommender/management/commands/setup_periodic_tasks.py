from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

RETRAIN_TASK_NAME = "recommender: nightly retraining"
# Fixed schedules: (name, task, every, period).
FIXED_TASKS = [
    ("analytics: warm dashboard cache", "analytics.tasks.dashboard_warm", 4, IntervalSchedule.MINUTES),
    ("analytics: refresh daily roll-ups", "analytics.tasks.rollups_refresh_due", 5, IntervalSchedule.MINUTES),
    ("platform: create coming partitions", "socialnet.tasks.partitions_maintain", 1, IntervalSchedule.DAYS),
]


class Command(BaseCommand):
    help = (
        "Create the periodic tasks: retraining from RECOMMENDER_RETRAIN_CRON, dashboard warming, analytics "
        "roll-ups, partition maintenance (idempotent; admin edits survive unless --reset)."
    )

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
        for name, task_path, every, period in FIXED_TASKS:
            interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
            fixed, created = PeriodicTask.objects.get_or_create(
                name=name, defaults={"task": task_path, "interval": interval}
            )
            if not created and reset:
                fixed.task, fixed.interval, fixed.crontab, fixed.enabled = task_path, interval, None, True
                fixed.save()
            self.stdout.write(f"{name}: {'created' if created else 'already present'} (every {every} {period})")
