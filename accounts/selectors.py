from django.db.models import Q

from .models import Block


def blocked_user_ids(*, user) -> set[int]:
    """Users hidden from `user`: those it blocked and those who blocked it."""
    if user is None or not user.is_authenticated:
        return set()
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user.pk}


def is_blocked_between(*, user, other) -> bool:
    return Block.objects.filter(Q(blocker=user, blocked=other) | Q(blocker=other, blocked=user)).exists()
