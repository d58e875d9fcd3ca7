from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Upper
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


def active_users_named(usernames: list[str]) -> QuerySet[User]:
    """Active users whose username is one of `usernames`, in any case (as profile addresses resolve them)."""
    return User.objects.annotate(username_upper=Upper("username")).filter(
        is_active=True, username_upper__in=[name.upper() for name in usernames]
    )


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


POPULAR_PEOPLE_KEY, POPULAR_PEOPLE_SECONDS, POPULAR_PEOPLE_POOL = "accounts:popular-people", 600, 50


def _popular_people_ids() -> list[int]:
    """The most-followed people, the same for everyone: cached, since counting followers reads the whole table."""

    def most_followed():
        return list(
            Follow.objects.values("followee_id")
            .annotate(followers=Count("id"))
            .order_by("-followers", "followee_id")
            .values_list("followee_id", flat=True)[:POPULAR_PEOPLE_POOL]
        )

    return cache.get_or_set(POPULAR_PEOPLE_KEY, most_followed, POPULAR_PEOPLE_SECONDS)


@dataclass(frozen=True)
class FollowSuggestion:
    person: User
    mutual: int  # how many of the people the viewer follows follow them
    via: User | None  # the one of those who followed them last, to name

    @property
    def reason(self) -> str:
        if self.via is None:
            return "Popular on socialnet"
        others = self.mutual - 1
        return f"Followed by {self.via.profile.name}" + (f" and {others} other{'s' if others > 1 else ''} you follow"
                                                         if others else "")


def follow_suggestions(*, user, limit: int = 3) -> list[FollowSuggestion]:
    """People `user` may want to follow: first those most followed by the people they follow (friends of friends),
    then the most-followed people on the site; never themselves, people they follow, block or are blocked by, or
    inactive accounts."""
    followed = set(Follow.objects.filter(follower=user).values_list("followee_id", flat=True))
    skip = followed | blocked_user_ids(user=user) | {user.pk}
    mutual = dict(
        Follow.objects.filter(follower_id__in=followed, followee__is_active=True)
        .exclude(followee_id__in=skip)
        .values("followee_id")
        .annotate(mutual=Count("id"))
        .order_by("-mutual", "followee_id")
        .values_list("followee_id", "mutual")[:limit]
    )
    popular = [pk for pk in _popular_people_ids() if pk not in skip and pk not in mutual]
    last_followed_by = Follow.objects.filter(followee=OuterRef("pk"), follower_id__in=followed).order_by("-created_at")
    people = (
        User.objects.filter(is_active=True, pk__in=[*mutual, *popular[: limit * 2]])
        .select_related("profile")
        .annotate(via_id=Subquery(last_followed_by.values("follower_id")[:1]))
        .in_bulk()
    )
    via = User.objects.select_related("profile").in_bulk([p.via_id for p in people.values() if p.via_id])
    ordered = [people[pk] for pk in [*mutual, *popular] if pk in people][:limit]
    return [FollowSuggestion(person, mutual.get(person.pk, 0), via.get(person.via_id)) for person in ordered]
