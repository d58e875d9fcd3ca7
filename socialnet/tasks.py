import logging

logger = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> bool:
    """Schedule a Celery task; a broker outage is logged, never raised into the request that asked."""
    try:
        task.apply_async(kwargs=kwargs)
        return True
    except Exception:  # kombu/redis raise many types when the broker is down
        logger.exception("could not schedule %s", task.name)
        return False
