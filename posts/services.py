"""Every write of the posts app: posts, likes, post-page views and moderators' removals."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from analytics.rollups import days_touched, impression_days, rollup_invalidate
from analytics.services import activity_record
from communities.selectors import can_moderate, can_post_in
from notifications.services import mentions_notify, notification_create
from socialnet.errors import Conflict
from socialnet.ratelimit import rate_limit_hit

from .models import POST_MAX_LENGTH, Like, Post, PostView, Topic
from .selectors import post_is_visible_to


def _clean_text(text) -> str:
    if not isinstance(text, str):
        raise ValidationError({"text": ["Enter the text of the post."]})
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["A post cannot be empty."]})
    if len(text) > POST_MAX_LENGTH:
        raise ValidationError({"text": [f"A post has at most {POST_MAX_LENGTH} characters (it has {len(text)})."]})
    return text


def _require_topic(topic) -> Topic:
    if not isinstance(topic, Topic) or topic.pk is None:
        raise ValidationError({"topic": ["Choose a topic."]})
    return topic


def _require_visible(*, post: Post, user) -> None:
    """Posts the user may not see are reported as missing, not as forbidden."""
    if not post_is_visible_to(post=post, user=user):
        raise Http404("No such post.")


def post_check_author(*, user, post: Post) -> None:
    """Editing and deleting are the author's alone: PermissionDenied for anyone else."""
    if post.author_id != getattr(user, "pk", None):
        raise PermissionDenied("Only the author can change this post.")


def post_create(*, author, text: str, topic: Topic, community=None) -> Post:
    """Publish a post on the author's wall or, for its active members, in a community."""
    rate_limit_hit(user=author, action="post", per_minute=settings.RATE_LIMIT_POSTS_PER_MINUTE)
    text = _clean_text(text)
    topic = _require_topic(topic)
    if community is not None and not can_post_in(user=author, community=community):
        raise PermissionDenied("Only members of this community can post in it.")
    try:
        with transaction.atomic():
            post = Post.objects.create(author=author, text=text, topic=topic, community=community)
            activity_record(
                actor=author,
                verb="post_create",
                target=post,
                context={"topic": topic.name, "community": community.pk if community is not None else None},
            )
            mentions_notify(actor=author, target=post, text=text)
    except IntegrityError:
        # The community was deleted while this post was being written (its foreign key fails at commit).
        if community is not None and not type(community).objects.filter(pk=community.pk).exists():
            raise Http404("No such community.") from None
        raise
    return post


def post_update(*, user, post: Post, text: str | None = None, topic: Topic | None = None) -> Post:
    """Change the text and/or topic of one's own post."""
    _require_visible(post=post, user=user)
    post_check_author(user=user, post=post)
    changed, previous_text = [], post.text
    if text is not None:
        post.text = _clean_text(text)
        changed.append("text")
    if topic is not None:
        post.topic = _require_topic(topic)
        changed.append("topic")
    with transaction.atomic():
        if changed:
            post.save(update_fields=[*changed, "updated_at"])
        activity_record(actor=user, verb="post_update", target=post, context={"fields": changed})
        mentions_notify(actor=user, target=post, text=post.text, previous_text=previous_text)
    return post


def post_delete(*, user, post: Post) -> None:
    """Delete one's own post (likes, comments and views go with it)."""
    _require_visible(post=post, user=user)
    post_check_author(user=user, post=post)
    with transaction.atomic():
        # Its likes count only through its impressions, which go too.
        rollup_invalidate(days=impression_days(PostView.objects.filter(post=post)))
        activity_record(actor=user, verb="post_delete", target=post)
        post.delete()


def post_remove(*, actor, post: Post) -> Post:
    """A moderator takes a post down: it disappears from every list (its author's delete is post_delete). A
    community's moderators and owner remove its posts; staff remove any post, on a wall too."""
    allowed = can_moderate(user=actor, community=post.community) if post.community_id else actor.is_staff
    if not allowed:
        raise PermissionDenied("Only the community's moderators can remove its posts.")
    if post.removed_at is not None:
        raise Conflict("This post has already been removed.")
    with transaction.atomic():
        post.removed_at, post.removed_by = timezone.now(), actor
        post.save(update_fields=["removed_at", "removed_by"])
        activity_record(actor=actor, verb="post_remove", target=post, context={"community_id": post.community_id})
    return post

def post_view_record(*, user, post: Post) -> PostView | None:
    """Record that a signed-in user opened the post page (anonymous visits are not logged)."""
    if user is None or not user.is_authenticated:
        return None
    _require_visible(post=post, user=user)
    with transaction.atomic():
        view = PostView.objects.create(user=user, post=post, source=PostView.Source.POST_PAGE)
        activity_record(actor=user, verb="post_view", target=post)
    return view


def like_add(*, user, post: Post) -> Like:
    """Like a post once: liking again, even concurrently, returns the existing like."""
    _require_visible(post=post, user=user)
    try:
        with transaction.atomic():
            like, created = Like.objects.get_or_create(user=user, post=post)
            if created:
                activity_record(actor=user, verb="like", target=post)
                notification_create(recipient=post.author, actor=user, verb="like", target=post)
    except IntegrityError:
        # A concurrent request inserted the same (user, post) between our SELECT and INSERT.
        like = Like.objects.get(user=user, post=post)
    return like


def like_remove(*, user, post: Post) -> None:
    """Take a like back; a no-op when there was none."""
    _require_visible(post=post, user=user)
    with transaction.atomic():
        like = Like.objects.filter(user=user, post=post).first()
        if like is None:
            return
        # A like taken back after its day settled may turn a rolled-up page into a miss.
        rollup_invalidate(days=days_touched([(like.created_at, like.created_at)]))
        deleted, _ = Like.objects.filter(pk=like.pk).delete()
        if deleted:
            activity_record(actor=user, verb="unlike", target=post)
