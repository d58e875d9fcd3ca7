import argparse
import sys
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics import rollups
from analytics.models import ActiveUserWeek, ExperimentUserDay, FeedDay, RollupDay
from socialnet.db import statistics_refresh

# A week per transaction: the bar moves, and an interruption keeps the weeks already done.
DAYS_PER_TRANSACTION = 7


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}")


class Command(BaseCommand):
    help = (
        "Recompute the daily roll-ups of the dashboard and experiment results from the raw activity log and feed "
        "impressions, for every settled day from --since to --until (backfill, or after loading history with old "
        "timestamps)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=iso_date, metavar="DATE", help="first UTC day (default: the first recorded day)"
        )
        parser.add_argument(
            "--until", type=iso_date, metavar="DATE", help="last UTC day (default: the last settled day)"
        )

    def handle(self, *args, since, until, **options):
        settled = rollups.last_settled_day()
        until = until or settled
        if until > settled:
            raise CommandError(f"--until {until} has not settled yet: the last day that can be rolled up is {settled}.")
        since = since or rollups.first_recorded_day() or until
        if since > until:
            raise CommandError(f"--since {since} is after --until {until}.")
        days = rollups.days_between(since, until)
        began = time.perf_counter()
        with tqdm(total=len(days), unit="day", file=sys.stderr, disable=None) as progress:
            for offset in range(0, len(days), DAYS_PER_TRANSACTION):
                chunk = days[offset : offset + DAYS_PER_TRANSACTION]
                rollups.rollup_refresh(days=chunk)
                progress.update(len(chunk))
        # With no statistics the planner misjudges the roll-ups' joins.
        statistics_refresh([ActiveUserWeek, FeedDay, ExperimentUserDay, RollupDay])
        self.stdout.write(f"Rolled up {len(days)} days ({since} to {until}) in {time.perf_counter() - began:.1f} s.")
