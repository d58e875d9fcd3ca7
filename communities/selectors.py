from .models import Membership


def membership_for(*, user, community) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, community=community).first()


def can_post_in(*, user, community) -> bool:
    """Active (not banned) members of any role may publish into a community."""
    membership = membership_for(user=user, community=community)
    return membership is not None and not membership.is_banned
