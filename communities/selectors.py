from django.db.models import Case, CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from accounts.models import User
from posts.models import Post
from posts.selectors import post_list

from .models import Community, Membership

Role = Membership.Role
# Paths under /communities/ that are pages, not communities.
RESERVED_SLUGS = frozenset({"new", "slug-suggest"})


def membership_for(*, user, community) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, community=community).first()


def can_post_in(*, user, community) -> bool:
    """Active (not banned) members of any role may publish into a community."""
    membership = membership_for(user=user, community=community)
    return membership is not None and not membership.is_banned


def can_moderate(*, user, community) -> bool:
    """Moderators and the owner moderate their community; staff moderate every community."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and not membership.is_banned and membership.role in (Role.OWNER, Role.MODERATOR)


def can_delete(*, user, community) -> bool:
    """The owner deletes their community; staff delete any."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.role == Role.OWNER


def _member_count():
    # A correlated count, so that filtering on memberships (communities_of) cannot skew it.
    members = (
        Membership.objects.filter(community=OuterRef("pk"), is_banned=False)
        .order_by()
        .values("community")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), Value(0))


def _role_of(user):
    """The user's role in each community: None where they are not a member, or banned (a member no longer)."""
    if user is None or not user.is_authenticated:
        return Value(None, output_field=CharField())
    memberships = Membership.objects.filter(community=OuterRef("pk"), user=user, is_banned=False)
    return Subquery(memberships.values("role")[:1])


def community_list(*, query: str = "", topic: str = "", viewer=None) -> QuerySet[Community]:
    """Communities with their member counts and the viewer's role in each (`my_role`, in the same query),
    optionally narrowed by words in the name/description and a topic."""
    qs = Community.objects.select_related("topic").annotate(member_count=_member_count(), my_role=_role_of(viewer))
    for word in query.split():
        qs = qs.filter(Q(name__icontains=word) | Q(description__icontains=word))
    if topic:
        qs = qs.filter(topic__name=topic)
    return qs


def communities_of(*, user) -> QuerySet[Community]:
    """Communities the user belongs to (not banned), with member counts and the user's role in each."""
    memberships = Membership.objects.filter(user=user, is_banned=False)
    return community_list(viewer=user).filter(pk__in=memberships.values("community"))


def community_get(*, slug: str) -> Community:
    """The community with its member count (raises Community.DoesNotExist)."""
    return community_list().get(slug=slug)


def community_posts(*, community, viewer) -> QuerySet[Post]:
    """Visible posts of one community, newest first, annotated for post cards."""
    return post_list(viewer=viewer).filter(community=community).order_by("-created_at", "-id")


def community_post_get(*, community, post_id: int) -> Post:
    """A live post of this community (raises Post.DoesNotExist)."""
    return Post.objects.select_related("community").get(pk=post_id, community=community, removed_at__isnull=True)


def community_members(*, community) -> QuerySet[Membership]:
    """Active members, owner first, then moderators, then members by join date."""
    rank = Case(When(role=Role.OWNER, then=0), When(role=Role.MODERATOR, then=1), default=2)
    return (
        Membership.objects.filter(community=community, is_banned=False)
        .select_related("user__profile")
        .annotate(role_rank=rank)
        .order_by("role_rank", "joined_at", "id")
    )


def owned_communities_with_successors(*, owner) -> list[Community]:
    """The communities `owner` owns, each with `successor`: who takes it over when the owner's account goes (the
    longest-standing moderator, else the longest-standing member; banned people never), or None when nobody else
    is in it. Two queries whatever the number of communities."""
    rank = Case(When(role=Role.MODERATOR, then=0), default=1)
    candidates = (
        Membership.objects.filter(community=OuterRef("pk"), is_banned=False)
        .exclude(user=owner)
        .annotate(role_rank=rank)
        .order_by("role_rank", "joined_at", "id")
    )
    owned = list(
        Community.objects.filter(memberships__user=owner, memberships__role=Role.OWNER)
        .annotate(successor_id=Subquery(candidates.values("user_id")[:1]))
        .order_by("name", "id")
    )
    ids = {community.successor_id for community in owned} - {None}
    users = User.objects.in_bulk(ids) if ids else {}
    for community in owned:
        community.successor = users.get(community.successor_id)
    return owned


def community_bans(*, community) -> QuerySet[Membership]:
    return Membership.objects.filter(community=community, is_banned=True).select_related("user__profile")


def community_slug_suggest(*, name: str) -> str:
    """A free slug derived from the name: "chess-club", then "chess-club-2", ... (empty for names without letters)."""
    base = slugify(name)[:90]
    if not base:
        return ""
    taken = RESERVED_SLUGS | set(Community.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate
