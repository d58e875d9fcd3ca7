"""Every write to communities: creation, membership, roles and moderation."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from analytics.services import activity_record
from notifications.services import notification_create, notifications_create
from posts.models import Post
from socialnet.errors import Conflict

from .models import Community, Membership
from .selectors import (
    RESERVED_SLUGS,
    can_delete,
    can_moderate,
    community_slug_suggest,
    membership_for,
    owned_communities_with_successors,
)

Role = Membership.Role
SLUG_TAKEN = "A community with this address already exists; choose another."


def _validate_community_fields(*, name: str, description: str) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "Give the community a name."
    elif len(name.strip()) > Community._meta.get_field("name").max_length:
        errors["name"] = "The name is too long (100 characters at most)."
    if len(description) > Community._meta.get_field("description").max_length:
        errors["description"] = "The description is too long (2000 characters at most)."
    return errors


def community_check_owner(*, actor, community: Community) -> Membership:
    """The actor's owner membership; PermissionDenied for anyone else (also used to refuse edit pages early)."""
    membership = membership_for(user=actor, community=community)
    if membership is None or membership.role != Role.OWNER:
        raise PermissionDenied("Only the owner can do this.")
    return membership


def community_check_can_delete(*, actor, community: Community) -> None:
    """PermissionDenied for anyone but the owner and staff (also used to refuse the confirmation page early)."""
    if not can_delete(user=actor, community=community):
        raise PermissionDenied("Only the owner can delete this community.")


def _active_membership(*, user, community: Community) -> Membership:
    """The user's membership, or Conflict when they are not an active member."""
    membership = membership_for(user=user, community=community)
    if membership is None or membership.is_banned:
        raise Conflict(f"{user.username} is not a member of this community.")
    return membership


def _notify_role(*, actor, user, community: Community, text: str) -> None:
    notification_create(recipient=user, actor=actor, verb="role", target=community, text=text)


def community_create(*, creator, name: str, slug: str = "", description: str = "", topic=None) -> Community:
    """Create a community; its creator becomes the owner. A blank slug is derived from the name."""
    name, slug, description = name.strip(), slug.strip().lower(), description.strip()
    errors = _validate_community_fields(name=name, description=description)
    if slug and slugify(slug) != slug:
        errors["slug"] = "Use only lowercase letters, digits and hyphens."
    if not errors and not slug:
        slug = community_slug_suggest(name=name)
        if not slug:
            errors["slug"] = "Choose an address made of letters or digits."
    if slug in RESERVED_SLUGS:
        errors["slug"] = "This address is reserved; choose another."
    elif not errors.get("slug") and Community.objects.filter(slug=slug).exists():
        errors["slug"] = SLUG_TAKEN
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            community = Community.objects.create(
                name=name, slug=slug, description=description, topic=topic, created_by=creator
            )
            Membership.objects.create(community=community, user=creator, role=Role.OWNER)
            activity_record(actor=creator, verb="community_create", target=community, context={"slug": slug})
    except IntegrityError:
        # Another request took the slug between the check and the insert.
        raise ValidationError({"slug": SLUG_TAKEN})
    return community


def community_update(*, actor, community: Community, name: str, description: str, topic=None) -> Community:
    """The owner edits name, description and topic (the slug is the community's address and stays)."""
    community_check_owner(actor=actor, community=community)
    name, description = name.strip(), description.strip()
    errors = _validate_community_fields(name=name, description=description)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        community.name, community.description, community.topic = name, description, topic
        community.save(update_fields=["name", "description", "topic"])
        activity_record(actor=actor, verb="community_update", target=community)
    return community


def community_join(*, user, community: Community) -> Membership:
    membership = membership_for(user=user, community=community)
    if membership is not None and membership.is_banned:
        raise PermissionDenied("You are banned from this community.")
    if membership is not None:
        raise Conflict("You are already a member of this community.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(community=community, user=user, role=Role.MEMBER)
            activity_record(actor=user, verb="community_join", target=community)
    except IntegrityError:
        raise Conflict("You are already a member of this community.")
    return membership


def community_leave(*, user, community: Community) -> None:
    """Leave a community. The owner must transfer ownership first; a ban row is kept so the ban stays."""
    membership = membership_for(user=user, community=community)
    if membership is None or membership.is_banned:
        raise Conflict("You are not a member of this community.")
    if membership.role == Role.OWNER:
        raise Conflict("The owner cannot leave; transfer ownership to another member first.")
    with transaction.atomic():
        membership.delete()
        activity_record(actor=user, verb="community_leave", target=community)


def community_ban(*, actor, community: Community, user) -> Membership:
    """Ban a user (member or not) from a community: they lose any role and cannot join or post."""
    if not can_moderate(user=actor, community=community):
        raise PermissionDenied("Only moderators can ban members.")
    if user.pk == actor.pk:
        raise Conflict("You cannot ban yourself.")
    membership = membership_for(user=user, community=community)
    if membership is not None and membership.role == Role.OWNER:
        raise Conflict("The owner cannot be banned.")
    if membership is not None and membership.is_banned:
        raise Conflict(f"{user.username} is already banned.")
    actor_membership = membership_for(user=actor, community=community)
    actor_is_owner = actor_membership is not None and actor_membership.role == Role.OWNER
    if membership is not None and membership.role == Role.MODERATOR and not (actor_is_owner or actor.is_staff):
        raise PermissionDenied("Only the owner can ban a moderator.")
    with transaction.atomic():
        if membership is None:
            membership = Membership(community=community, user=user)
        membership.role, membership.is_banned = Role.MEMBER, True
        membership.save()
        activity_record(actor=actor, verb="community_ban", target=community, context={"user_id": user.pk})
        _notify_role(actor=actor, user=user, community=community, text=f"You were banned from {community.name}.")
    return membership


def community_unban(*, actor, community: Community, user) -> None:
    """Lift a ban; the user is then free to join again (they are not made a member)."""
    if not can_moderate(user=actor, community=community):
        raise PermissionDenied("Only moderators can unban members.")
    membership = membership_for(user=user, community=community)
    if membership is None or not membership.is_banned:
        raise Conflict(f"{user.username} is not banned.")
    with transaction.atomic():
        membership.delete()
        activity_record(actor=actor, verb="community_unban", target=community, context={"user_id": user.pk})


def moderator_add(*, actor, community: Community, user) -> Membership:
    community_check_owner(actor=actor, community=community)
    membership = _active_membership(user=user, community=community)
    if membership.role != Role.MEMBER:
        raise Conflict(f"{user.username} is already the {membership.get_role_display().lower()}.")
    with transaction.atomic():
        membership.role = Role.MODERATOR
        membership.save(update_fields=["role"])
        activity_record(actor=actor, verb="moderator_add", target=community, context={"user_id": user.pk})
        _notify_role(actor=actor, user=user, community=community, text=f"You are now a moderator of {community.name}.")
    return membership


def moderator_remove(*, actor, community: Community, user) -> Membership:
    community_check_owner(actor=actor, community=community)
    membership = membership_for(user=user, community=community)
    if membership is None or membership.role != Role.MODERATOR:
        raise Conflict(f"{user.username} is not a moderator.")
    with transaction.atomic():
        membership.role = Role.MEMBER
        membership.save(update_fields=["role"])
        activity_record(actor=actor, verb="moderator_remove", target=community, context={"user_id": user.pk})
        _notify_role(
            actor=actor, user=user, community=community, text=f"You are no longer a moderator of {community.name}."
        )
    return membership


def ownership_transfer(*, actor, community: Community, new_owner) -> Membership:
    """Hand the community to another active member; the previous owner stays on as a moderator."""
    owner_membership = community_check_owner(actor=actor, community=community)
    if new_owner.pk == actor.pk:
        raise Conflict("You already own this community.")
    membership = _active_membership(user=new_owner, community=community)
    with transaction.atomic():
        # Demote first: the database allows one owner per community at any moment.
        owner_membership.role = Role.MODERATOR
        owner_membership.save(update_fields=["role"])
        membership.role = Role.OWNER
        membership.save(update_fields=["role"])
        activity_record(
            actor=actor, verb="ownership_transfer", target=community, context={"user_id": new_owner.pk}
        )
        _notify_role(actor=actor, user=new_owner, community=community, text=f"You now own {community.name}.")
    return membership


def ownerships_hand_over(*, owner) -> None:
    """Before the owner's account is deleted: each community they own passes to its successor
    (owned_communities_with_successors), who is notified; a community with nobody else in it is deleted (posts
    that former members left in it stay on their authors' profiles)."""
    with transaction.atomic():
        # Every membership of the owner's communities is locked before the successors are chosen: someone leaving
        # or changing role meanwhile waits for this, or committed before and is not chosen (without the lock, a
        # successor who left at that moment would leave the community without an owner).
        owned_ids = Membership.objects.filter(user=owner, role=Role.OWNER).values("community_id")
        list(Membership.objects.select_for_update().filter(community_id__in=owned_ids).values_list("pk", flat=True))
        owned = owned_communities_with_successors(owner=owner)
        if not owned:
            return
        inherited = [community for community in owned if community.successor is not None]
        # The owner's rows go first: the database allows one owner per community at any moment.
        Membership.objects.filter(user=owner, community__in=owned).delete()
        if inherited:
            successors = Q()
            for community in inherited:
                successors |= Q(community=community, user=community.successor)
            Membership.objects.filter(successors).update(role=Role.OWNER)
        for community in inherited:
            activity_record(
                actor=owner,
                verb="ownership_transfer",
                target=community,
                context={"user_id": community.successor.pk, "reason": "account_delete"},
            )
            # No actor: the notification would go with the account that is being deleted.
            notification_create(
                recipient=community.successor,
                actor=None,
                verb="role",
                target=community,
                text=f"{owner.username} deleted their account; you now own {community.name}.",
            )
        Community.objects.filter(pk__in=[community.pk for community in owned if community.successor is None]).delete()


def community_delete(*, actor, community: Community) -> None:
    """The owner (or staff) deletes a community. Its posts are removed as a moderator removes one (they disappear
    from every list, feeds included; their likes and impressions stay, so no roll-up changes), memberships and bans
    go, and the other members are notified. A fixed number of queries, whatever the number of members and posts."""
    with transaction.atomic():
        # Locked first: a post or a membership inserted into it concurrently has its foreign key checked against
        # this row when it commits (a share lock), so it either committed before, and is handled below, or waits
        # for this transaction and then fails.
        if not Community.objects.select_for_update().filter(pk=community.pk).exists():
            raise Http404("No such community.")
        community_check_can_delete(actor=actor, community=community)
        members = list(
            Membership.objects.filter(community=community, is_banned=False).values_list("user_id", flat=True)
        )
        removed = Post.objects.filter(community=community, removed_at__isnull=True).update(
            removed_at=timezone.now(), removed_by=actor
        )
        activity_record(
            actor=actor,
            verb="community_delete",
            target=community,
            context={"slug": community.slug, "members": len(members), "posts_removed": removed},
        )
        notifications_create(
            recipient_ids=members,
            actor=actor,
            verb="role",
            text=f"{community.name} was deleted; its posts were removed and you are no longer a member.",
        )
        community.delete()  # memberships and bans by cascade; the removed posts keep no community

