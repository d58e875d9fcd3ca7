import logging

from celery import shared_task

logger = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> bool:
    """Schedule a Celery task; a broker outage is logged, never raised into the request that asked."""
    try:
        task.apply_async(kwargs=kwargs)
        return True
    except Exception:  # kombu/redis raise many types when the broker is down
        logger.exception("could not schedule %s", task.name)
        return False


@shared_task(name="socialnet.tasks.partitions_maintain")
def partitions_maintain() -> list[str]:
    """Daily: create the coming months' partitions of the volume tables (socialnet.partitions)."""
    from .partitions import ensure_partitions

    created = ensure_partitions()
    if created:
        logger.info("created partitions %s", ", ".join(created))
    return created
