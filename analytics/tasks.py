from celery import shared_task

from . import selectors
from .forms import default_range


@shared_task
def dashboard_warm() -> None:
    """Recompute the dashboard's default range (every few minutes, from the beat schedule in migration 0003)."""
    start, end = default_range()
    selectors.dashboard_tables(start=start, end=end, refresh=True)
