from django.db.models import Count, Exists, F, Q, QuerySet
from django.http import Http404

from .models import Block, Follow, User


def blocked_user_ids(*, user) -> set[int]:
    """Users hidden from `user`: those it blocked and those who blocked it."""
    if user is None or not user.is_authenticated:
        return set()
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user.pk}


def is_blocked_between(*, user, other) -> bool:
    return Block.objects.filter(Q(blocker=user, blocked=other) | Q(blocker=other, blocked=user)).exists()


def user_get_visible(*, username: str, viewer) -> User:
    """The user with this name (any case), unless they blocked the viewer: then, as if they did not exist (the same
    404 message, so the answer does not tell)."""
    user = User.objects.select_related("profile").filter(username__iexact=username).first()
    if user is None:
        raise Http404("No such user.")
    if viewer is not None and viewer.is_authenticated and viewer.pk != user.pk:
        if Block.objects.filter(blocker=user, blocked=viewer).exists():
            raise Http404("No such user.")
    return user


def user_get_with_profile(*, pk: int) -> User:
    """A user with the profile and its interests loaded (the signed-in user's own page and API)."""
    return User.objects.select_related("profile").prefetch_related("profile__interests").get(pk=pk)


def user_list(*, viewer=None, query: str = "") -> QuerySet[User]:
    """Active users, minus blocked ones, optionally matching a query on username or display name."""
    qs = User.objects.filter(is_active=True).select_related("profile").order_by("username")
    hidden = blocked_user_ids(user=viewer)
    if hidden:
        qs = qs.exclude(pk__in=hidden)
    query = query.strip()
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(profile__display_name__icontains=query))
    return qs


def follower_list(*, user) -> QuerySet[User]:
    """People following `user`, most recent first."""
    return (
        User.objects.filter(following_set__followee=user)
        .select_related("profile")
        .annotate(followed_at=F("following_set__created_at"))
        .order_by("-followed_at", "-id")
    )


def following_list(*, user) -> QuerySet[User]:
    """People `user` follows, most recent first."""
    return (
        User.objects.filter(follower_set__follower=user)
        .select_related("profile")
        .annotate(followed_at=F("follower_set__created_at"))
        .order_by("-followed_at", "-id")
    )


def blocked_list(*, user) -> QuerySet[User]:
    """People `user` blocked, most recent first (the only place they can still be found, to unblock them)."""
    return (
        User.objects.filter(blocked_by_set__blocker=user)
        .select_related("profile")
        .annotate(blocked_at=F("blocked_by_set__created_at"))
        .order_by("-blocked_at", "-id")
    )


def follow_counts(*, user) -> dict[str, int]:
    """Followers and following counts of one user in one query."""
    return User.objects.filter(pk=user.pk).aggregate(
        followers=Count("follower_set", distinct=True), following=Count("following_set", distinct=True)
    )


def relationship(*, viewer, user) -> dict[str, bool]:
    """What the viewer's buttons on `user`'s profile should show, in one query."""
    if viewer is None or not viewer.is_authenticated or viewer.pk == user.pk:
        return {"is_following": False, "is_blocking": False, "is_blocked_by": False}
    return (
        User.objects.filter(pk=user.pk)
        .annotate(
            is_following=Exists(Follow.objects.filter(follower=viewer, followee=user)),
            is_blocking=Exists(Block.objects.filter(blocker=viewer, blocked=user)),
            is_blocked_by=Exists(Block.objects.filter(blocker=user, blocked=viewer)),
        )
        .values("is_following", "is_blocking", "is_blocked_by")
        .get()
    )
