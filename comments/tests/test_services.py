import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from analytics.models import Activity
from comments.models import Comment, CommentLike
from comments.selectors import comment_thread
from comments.services import (
    comment_create,
    comment_delete,
    comment_like_add,
    comment_like_remove,
    comment_remove,
    comment_update,
)
from communities.models import Membership
from notifications.models import Notification
from posts.selectors import post_list
from tests.factories import (
    BlockFactory,
    CommentFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=False)


def activities(verb):
    return list(Activity.objects.filter(verb=verb).values_list("actor_id", "target_type", "target_id"))


def test_comment_create_records_activity_and_notifies_post_author(user, django_capture_on_commit_callbacks):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(author=user, post=post, text="  Nice one  ")
    assert comment.text == "Nice one"
    assert comment.parent is None
    assert activities("comment_create") == [(user.pk, "comment", comment.pk)]
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.verb) == (post.author, user, "comment")
    assert (notification.target_type, notification.target_id) == ("comment", comment.pk)


def test_reply_notifies_parent_author_and_post_author(user, other_user, django_capture_on_commit_callbacks):
    post = PostFactory()
    parent = CommentFactory(post=post, author=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        reply = comment_create(author=user, post=post, text="Agreed", parent=parent)
    assert reply.parent == parent
    got = set(Notification.objects.values_list("recipient_id", "verb", "target_id"))
    assert got == {(other_user.pk, "reply", reply.pk), (post.author_id, "comment", reply.pk)}


def test_reply_to_the_post_authors_comment_notifies_once(user, django_capture_on_commit_callbacks):
    post = PostFactory()
    parent = CommentFactory(post=post, author=post.author)
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(author=user, post=post, text="Agreed", parent=parent)
    assert list(Notification.objects.values_list("recipient_id", "verb")) == [(post.author_id, "reply")]


def test_commenting_on_own_post_notifies_nobody(django_capture_on_commit_callbacks):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(author=post.author, post=post, text="PS")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_comment_text_must_be_1_to_2000_chars(user, text):
    with pytest.raises(ValidationError) as excinfo:
        comment_create(author=user, post=PostFactory(), text=text)
    assert "text" in excinfo.value.message_dict
    assert not Comment.objects.exists()
    assert not Activity.objects.exists()


def test_comment_of_2000_chars_is_accepted(user):
    assert len(comment_create(author=user, post=PostFactory(), text="x" * 2000).text) == 2000


def test_reply_to_a_reply_is_refused(user):
    parent = CommentFactory()
    reply = CommentFactory(post=parent.post, parent=parent)
    with pytest.raises(ValidationError) as excinfo:
        comment_create(author=user, post=parent.post, text="deeper", parent=reply)
    assert "parent" in excinfo.value.message_dict
    assert Comment.objects.count() == 2


def test_reply_to_a_comment_of_another_post_is_refused(user):
    parent = CommentFactory()
    with pytest.raises(ValidationError) as excinfo:
        comment_create(author=user, post=PostFactory(), text="elsewhere", parent=parent)
    assert "parent" in excinfo.value.message_dict
    assert Comment.objects.count() == 1


def test_blocked_users_cannot_comment_either_way(user):
    post = PostFactory()
    BlockFactory(blocker=post.author, blocked=user)
    with pytest.raises(Http404):
        comment_create(author=user, post=post, text="hi")
    other_post = PostFactory()
    BlockFactory(blocker=user, blocked=other_post.author)
    with pytest.raises(Http404):
        comment_create(author=user, post=other_post, text="hi")
    assert not Comment.objects.exists()


def test_cannot_reply_to_someone_who_blocked_you(user):
    parent = CommentFactory()
    BlockFactory(blocker=parent.author, blocked=user)
    with pytest.raises(Http404):
        comment_create(author=user, post=parent.post, text="hi", parent=parent)
    assert Comment.objects.count() == 1


def test_removed_post_cannot_be_commented(user):
    post = PostFactory(removed_at=timezone.now())
    with pytest.raises(Http404):
        comment_create(author=user, post=post, text="hi")


def test_only_active_members_comment_on_community_posts(user):
    community = CommunityFactory()
    post = PostFactory(community=community)
    with pytest.raises(PermissionDenied):
        comment_create(author=user, post=post, text="outsider")
    membership = MembershipFactory(community=community, user=user, is_banned=True)
    with pytest.raises(PermissionDenied):
        comment_create(author=user, post=post, text="banned")
    assert not Comment.objects.exists()
    membership.is_banned = False
    membership.save()
    assert comment_create(author=user, post=post, text="member").pk


def test_only_the_author_edits(user, other_user):
    comment = CommentFactory(author=user, text="old")
    with pytest.raises(PermissionDenied):
        comment_update(user=other_user, comment=comment, text="hijacked")
    comment.refresh_from_db()
    assert comment.text == "old"
    comment_update(user=user, comment=comment, text="new")
    comment.refresh_from_db()
    assert comment.text == "new"
    assert activities("comment_update") == [(user.pk, "comment", comment.pk)]


def test_edit_validates_text(user):
    comment = CommentFactory(author=user, text="old")
    with pytest.raises(ValidationError):
        comment_update(user=user, comment=comment, text=" ")
    comment.refresh_from_db()
    assert comment.text == "old"


def test_only_the_author_deletes(user, other_user):
    comment = CommentFactory(author=user)
    with pytest.raises(PermissionDenied):
        comment_delete(user=other_user, comment=comment)
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert not Activity.objects.exists()


def test_deleting_a_comment_without_replies_removes_it(user):
    comment = CommentFactory(author=user)
    comment_id = comment.pk
    comment_delete(user=user, comment=comment)
    assert not Comment.objects.exists()
    assert activities("comment_delete") == [(user.pk, "comment", comment_id)]


def test_deleted_comment_with_replies_stays_as_placeholder_until_last_reply_goes(user, other_user):
    comment = CommentFactory(author=user, text="secret")
    reply = CommentFactory(post=comment.post, parent=comment, author=other_user)
    comment_delete(user=user, comment=comment)
    comment.refresh_from_db()
    assert comment.deleted_at is not None and comment.text == ""
    thread = list(comment_thread(post=comment.post, viewer=other_user))
    assert [c.pk for c in thread] == [comment.pk]
    assert [r.pk for r in thread[0].visible_replies] == [reply.pk]
    assert post_list(viewer=user).get(pk=comment.post_id).comment_count == 2

    comment_delete(user=other_user, comment=reply)
    assert not Comment.objects.exists()
    assert post_list(viewer=user).get(pk=comment.post_id).comment_count == 0


def test_deleted_comment_cannot_be_edited_or_replied_to(user):
    comment = CommentFactory(author=user)
    CommentFactory(post=comment.post, parent=comment)
    comment_delete(user=user, comment=comment)
    with pytest.raises(Http404):
        comment_update(user=user, comment=comment, text="back")
    with pytest.raises(Http404):
        comment_create(author=user, post=comment.post, text="hi", parent=comment)


def test_moderators_and_owner_remove_comments_in_their_community(user):
    community = CommunityFactory()
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    owner = MembershipFactory(community=community, role=Membership.Role.OWNER).user
    post = PostFactory(community=community)
    first, second = CommentFactory(post=post), CommentFactory(post=post)
    CommentFactory(post=post, parent=second)
    comment_remove(moderator=moderator, comment=first)
    comment_remove(moderator=owner, comment=second)
    assert not Comment.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    assert second.removed_by == owner and second.deleted_at is not None
    assert {a[0] for a in activities("comment_remove")} == {moderator.pk, owner.pk}


def test_members_and_other_communities_moderators_cannot_remove(user):
    community = CommunityFactory()
    member = MembershipFactory(community=community).user
    elsewhere = MembershipFactory(role=Membership.Role.MODERATOR).user
    banned_moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR, is_banned=True).user
    comment = CommentFactory(post=PostFactory(community=community))
    plain_comment = CommentFactory(author=elsewhere)
    attempts = [(member, comment), (elsewhere, comment), (banned_moderator, comment), (user, plain_comment)]
    for someone, target in attempts:
        with pytest.raises(PermissionDenied):
            comment_remove(moderator=someone, comment=target)
    assert Comment.objects.count() == 2
    assert not Activity.objects.exists()


def test_like_is_idempotent_and_can_be_taken_back(user):
    comment = CommentFactory()
    first = comment_like_add(user=user, comment=comment)
    assert comment_like_add(user=user, comment=comment) == first
    assert CommentLike.objects.count() == 1
    assert len(activities("comment_like")) == 1
    comment_like_remove(user=user, comment=comment)
    comment_like_remove(user=user, comment=comment)
    assert not CommentLike.objects.exists()
    assert len(activities("comment_unlike")) == 1


def test_cannot_like_comment_of_a_hidden_post(user):
    comment = CommentFactory(post=PostFactory(removed_at=timezone.now()))
    with pytest.raises(Http404):
        comment_like_add(user=user, comment=comment)
    assert not CommentLike.objects.exists()


def test_thread_hides_comments_of_blocked_users():
    viewer = UserFactory()
    post = PostFactory()
    visible = CommentFactory(post=post)
    blocked = CommentFactory(post=post)
    BlockFactory(blocker=viewer, blocked=blocked.author)
    assert [c.pk for c in comment_thread(post=post, viewer=viewer)] == [visible.pk]


def test_site_staff_remove_any_comment(staff_user):
    comment = CommentFactory()
    comment_remove(moderator=staff_user, comment=comment)
    assert not Comment.objects.exists()
