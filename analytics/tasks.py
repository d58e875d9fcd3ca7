from celery import shared_task

from . import rollups, selectors
from .forms import default_range

# The first run on a long history rolls it up over several runs, newest days first, in bounded transactions. An
# invalidated day is due like a day never rolled up: each run rolls up ROLLUP_DAYS_PER_RUN - 1 due days besides the
# last settled one, so it is rolled up again within ceil((due days from it to the newest) / 30) runs.
ROLLUP_DAYS_PER_RUN = 31


@shared_task
def dashboard_warm() -> None:
    """Recompute the dashboard's default range (every few minutes, from manage.py setup_periodic_tasks)."""
    start, end = default_range()
    selectors.dashboard_tables(start=start, end=end, refresh=True)


@shared_task
def rollups_refresh_due() -> int:
    """Roll up the settled days not rolled up yet and recompute the last one (every few minutes, from
    manage.py setup_periodic_tasks); returns how many days were refreshed."""
    return rollups.rollup_refresh(days=rollups.rollup_due_days()[-ROLLUP_DAYS_PER_RUN:])
