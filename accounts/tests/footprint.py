"""An account with some of everything it can leave behind, for the tests of deleting it."""

from dataclasses import dataclass

from rest_framework.authtoken.models import Token

from comments.models import Comment, CommentLike
from communities.models import Community, Membership
from messaging.models import Message, Participant
from notifications.models import Notification
from posts.models import Like, Post, PostView, Repost
from tests.factories import (
    BlockFactory,
    CommentFactory,
    CommentLikeFactory,
    CommunityFactory,
    ConversationFactory,
    FollowFactory,
    LikeFactory,
    MembershipFactory,
    MessageFactory,
    NotificationFactory,
    ParticipantFactory,
    PostFactory,
    PostViewFactory,
    RepostFactory,
    UserFactory,
)

Role = Membership.Role


@dataclass
class Footprint:
    """An account with some of everything it can leave behind, and a friend whose own data must survive it."""

    leaver: object
    friend: object
    friend_post: object
    club: object  # owned by the leaver, with the friend as a member: passes to the friend
    chat: object  # the 1:1 conversation of the two
    token: str


def friend_state(footprint: Footprint) -> dict:
    """What belongs to the friend alone; deleting the leaver's account must leave it as it was."""
    friend = footprint.friend
    return {
        "posts": sorted(Post.objects.filter(author=friend).values_list("id", "text")),
        "likes": sorted(Like.objects.filter(user=friend, post__author=friend).values_list("id", flat=True)),
        "messages": sorted(Message.objects.filter(sender=friend).values_list("id", "text")),
        "chat": Participant.objects.filter(user=friend, conversation=footprint.chat).exists(),
        "club": Community.objects.filter(pk=footprint.club.pk).exists(),
    }


def leaver_rows(leaver_id: int) -> dict:
    """The rows that carry the leaver's id (each must be 0 once the account is gone)."""
    return {
        "posts": Post.objects.filter(author_id=leaver_id).count(),
        "likes": Like.objects.filter(user_id=leaver_id).count(),
        "reposts": Repost.objects.filter(user_id=leaver_id).count(),
        "views": PostView.objects.filter(user_id=leaver_id).count(),
        "comments": Comment.objects.filter(author_id=leaver_id).count(),
        "comment_likes": CommentLike.objects.filter(user_id=leaver_id).count(),
        "messages": Message.objects.filter(sender_id=leaver_id).count(),
        "participants": Participant.objects.filter(user_id=leaver_id).count(),
        "memberships": Membership.objects.filter(user_id=leaver_id).count(),
        "notifications": Notification.objects.filter(recipient_id=leaver_id).count()
        + Notification.objects.filter(actor_id=leaver_id).count(),
        "tokens": Token.objects.filter(user_id=leaver_id).count(),
    }


def build_footprint(n: int = 1) -> Footprint:
    leaver, friend = UserFactory(), UserFactory()
    friend_post = PostFactory(author=friend)
    LikeFactory(user=friend, post=friend_post)
    for _ in range(n):
        post = PostFactory(author=leaver)
        LikeFactory(user=friend, post=post)
        RepostFactory(user=friend, post=post)
        PostViewFactory(user=friend, post=post)
        CommentFactory(post=post, author=friend)
        comment = CommentFactory(post=friend_post, author=leaver)
        CommentFactory(post=friend_post, author=friend, parent=comment)
        CommentLikeFactory(user=leaver, comment=CommentFactory(post=friend_post, author=friend))
        PostViewFactory(user=leaver, post=friend_post)
        NotificationFactory(recipient=friend, actor=leaver)
        NotificationFactory(recipient=leaver, actor=friend)
    LikeFactory(user=leaver, post=friend_post)
    RepostFactory(user=leaver, post=friend_post)
    FollowFactory(follower=leaver, followee=friend)
    FollowFactory(follower=friend, followee=leaver)
    BlockFactory(blocker=leaver, blocked=UserFactory())
    club = CommunityFactory(created_by=leaver)
    MembershipFactory(community=club, user=leaver, role=Role.OWNER)
    MembershipFactory(community=club, user=friend)
    MembershipFactory(community=CommunityFactory(created_by=friend), user=leaver)
    chat = ConversationFactory(direct_key=f"{min(leaver.pk, friend.pk)}:{max(leaver.pk, friend.pk)}")
    ParticipantFactory(conversation=chat, user=leaver)
    ParticipantFactory(conversation=chat, user=friend)
    MessageFactory(conversation=chat, sender=leaver, text="from the leaver")
    MessageFactory(conversation=chat, sender=friend, text="from the friend")
    token = Token.objects.create(user=leaver).key
    return Footprint(leaver=leaver, friend=friend, friend_post=friend_post, club=club, chat=chat, token=token)
