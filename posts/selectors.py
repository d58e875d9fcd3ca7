from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.selectors import blocked_user_ids
from comments.models import Comment

from .models import Like, Post, Repost


def count_of(model, field: str = "post"):
    """Correlated COUNT per post: unlike joined Count()s, several of these do not multiply rows."""
    counts = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def post_list(*, viewer=None) -> QuerySet[Post]:
    """Posts a viewer may see, with everything a post card shows, in a constant number of queries."""
    qs = (
        Post.objects.filter(removed_at__isnull=True)
        .select_related("author__profile", "topic", "community")
        .annotate(like_count=count_of(Like), comment_count=count_of(Comment))
    )
    if viewer is not None and viewer.is_authenticated:
        hidden = blocked_user_ids(user=viewer)
        if hidden:
            qs = qs.exclude(author_id__in=hidden)
        qs = qs.annotate(
            liked_by_me=Exists(Like.objects.filter(post=OuterRef("pk"), user=viewer)),
            reposted_by_me=Exists(Repost.objects.filter(post=OuterRef("pk"), user=viewer)),
        )
    return qs


def post_is_visible_to(*, post: Post, user) -> bool:
    if post.removed_at is not None:
        return False
    if user is not None and user.is_authenticated:
        return post.author_id not in blocked_user_ids(user=user)
    return True


def post_get(*, pk: int, viewer=None) -> Post:
    """One post annotated like post_list; Http404 when it is missing or hidden from the viewer."""
    return get_object_or_404(post_list(viewer=viewer), pk=pk)


def author_posts(*, author, viewer=None) -> QuerySet[Post]:
    """Posts `author` wrote (on their wall and in communities), newest first."""
    return post_list(viewer=viewer).filter(author=author).order_by("-created_at", "-id")


def post_likers(*, post: Post, viewer=None) -> QuerySet[User]:
    """People who liked `post`, most recent like first, without anyone blocked between them and the viewer."""
    qs = (
        User.objects.filter(likes__post=post)
        .select_related("profile")
        .annotate(liked_at=F("likes__created_at"))
        .order_by("-liked_at", "-id")
    )
    hidden = blocked_user_ids(user=viewer)
    return qs.exclude(pk__in=hidden) if hidden else qs
