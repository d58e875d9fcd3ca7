import pytest
from django.utils import timezone

from analytics.models import Activity
from comments.models import Comment, CommentLike
from communities.models import Membership
from notifications.models import Notification
from tests.factories import (
    BlockFactory,
    CommentFactory,
    CommentLikeFactory,
    CommunityFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def comments_url(post):
    return f"/api/v1/posts/{post.pk}/comments/"


def test_create_comment_and_reply(auth_api_client, user, other_user, django_capture_on_commit_callbacks):
    post = PostFactory(author=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api_client.post(comments_url(post), {"text": "First!"})
    assert response.status_code == 201, response.data
    assert response.data["text"] == "First!" and response.data["author"]["username"] == user.username
    parent_id = response.data["id"]

    other = UserFactory()
    other_client = auth_api_client.__class__()
    other_client.force_authenticate(other)
    with django_capture_on_commit_callbacks(execute=True):
        response = other_client.post(comments_url(post), {"text": "Reply", "parent": parent_id})
    assert response.status_code == 201, response.data
    assert response.data["parent"] == parent_id
    assert Comment.objects.filter(parent_id=parent_id, author=other).exists()
    assert Notification.objects.filter(recipient=user, verb="reply", actor=other).exists()
    assert Notification.objects.filter(recipient=other_user, verb="comment").count() == 2
    assert Activity.objects.filter(verb="comment_create").count() == 2


@pytest.mark.parametrize("payload", [{"text": ""}, {"text": "x" * 2001}, {}])
def test_bad_text_is_400_and_changes_nothing(auth_api_client, payload):
    response = auth_api_client.post(comments_url(PostFactory()), payload)
    assert response.status_code == 400
    assert "text" in response.data
    assert not Comment.objects.exists()


def test_reply_to_reply_or_other_posts_comment_is_400(auth_api_client):
    parent = CommentFactory()
    reply = CommentFactory(post=parent.post, parent=parent)
    response = auth_api_client.post(comments_url(parent.post), {"text": "deep", "parent": reply.pk})
    assert response.status_code == 400 and "parent" in response.data
    response = auth_api_client.post(comments_url(PostFactory()), {"text": "elsewhere", "parent": parent.pk})
    assert response.status_code == 400 and "parent" in response.data
    assert Comment.objects.count() == 2


def test_anonymous_cannot_comment(api_client):
    assert api_client.post(comments_url(PostFactory()), {"text": "hi"}).status_code in (401, 403)
    assert not Comment.objects.exists()


def test_list_top_level_oldest_first_with_reply_counts(auth_api_client, user):
    post = PostFactory()
    first = CommentFactory(post=post, created_at=timezone.now() - timezone.timedelta(minutes=5))
    second = CommentFactory(post=post)
    CommentFactory.create_batch(2, post=post, parent=first)
    CommentLikeFactory(comment=second, user=user)
    data = auth_api_client.get(comments_url(post)).data
    results = data["results"]
    assert [c["id"] for c in results] == [first.pk, second.pk]
    assert [c["reply_count"] for c in results] == [2, 0]
    assert results[1]["like_count"] == 1 and results[1]["liked_by_me"] is True

    replies = auth_api_client.get(f"/api/v1/comments/{first.pk}/replies/").data["results"]
    assert len(replies) == 2 and all(r["parent"] == first.pk for r in replies)


def test_cursor_pagination(auth_api_client):
    post = PostFactory()
    CommentFactory.create_batch(3, post=post)
    page = auth_api_client.get(comments_url(post), {"page_size": 2}).data
    assert len(page["results"]) == 2 and page["next"]
    assert len(auth_api_client.get(page["next"]).data["results"]) == 1


def test_many_comments_come_twenty_at_a_time(auth_api_client, add_top_level_comments):
    post = PostFactory()
    comments = add_top_level_comments(post, 25)
    page = auth_api_client.get(comments_url(post)).data
    assert [c["id"] for c in page["results"]] == [c.pk for c in comments[:20]] and page["previous"] is None
    rest = auth_api_client.get(page["next"]).data
    assert [c["id"] for c in rest["results"]] == [c.pk for c in comments[20:]] and rest["next"] is None


def test_comment_list_query_count_is_bounded(auth_api_client, add_commented_comments, django_assert_max_num_queries):
    post = PostFactory()
    add_commented_comments(post, 2)
    with django_assert_max_num_queries(8) as small:
        assert len(auth_api_client.get(comments_url(post)).data["results"]) == 2
    add_commented_comments(post, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = auth_api_client.get(comments_url(post)).data
        assert len(page["results"]) == 20
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(auth_api_client.get(page["next"]).data["results"]) == 12


def test_only_author_patches_and_deletes(auth_api_client, user, other_user):
    comment = CommentFactory(author=other_user, text="theirs")
    url = f"/api/v1/comments/{comment.pk}/"
    assert auth_api_client.patch(url, {"text": "mine now"}).status_code == 403
    assert auth_api_client.delete(url).status_code == 403
    comment.refresh_from_db()
    assert comment.text == "theirs"

    own = CommentFactory(author=user)
    url = f"/api/v1/comments/{own.pk}/"
    response = auth_api_client.patch(url, {"text": "edited"})
    assert response.status_code == 200 and response.data["text"] == "edited"
    assert auth_api_client.patch(url, {"text": ""}).status_code == 400
    assert auth_api_client.delete(url).status_code == 204
    assert not Comment.objects.filter(pk=own.pk).exists()
    assert auth_api_client.get(url).status_code == 404


def test_deleted_comment_with_replies_is_listed_without_author(auth_api_client, user):
    comment = CommentFactory(author=user)
    CommentFactory(post=comment.post, parent=comment)
    assert auth_api_client.delete(f"/api/v1/comments/{comment.pk}/").status_code == 204
    [listed] = auth_api_client.get(comments_url(comment.post)).data["results"]
    assert listed["is_deleted"] and listed["author"] is None and listed["text"] == ""
    assert listed["reply_count"] == 1


def test_like_and_unlike(auth_api_client, user):
    comment = CommentFactory()
    url = f"/api/v1/comments/{comment.pk}/like/"
    assert auth_api_client.post(url).data == {"liked": True, "like_count": 1}
    assert auth_api_client.post(url).data == {"liked": True, "like_count": 1}
    assert CommentLike.objects.filter(user=user, comment=comment).count() == 1
    assert auth_api_client.delete(url).data == {"liked": False, "like_count": 0}
    assert not CommentLike.objects.exists()


def test_moderator_removes_member_cannot(auth_api_client, user):
    community = CommunityFactory()
    comment = CommentFactory(post=PostFactory(community=community))
    url = f"/api/v1/comments/{comment.pk}/remove/"
    MembershipFactory(community=community, user=user)
    assert auth_api_client.post(url).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    Membership.objects.filter(user=user).update(role=Membership.Role.MODERATOR)
    assert auth_api_client.post(url).status_code == 204
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert Activity.objects.filter(verb="comment_remove", actor=user).exists()


def test_banned_member_cannot_comment_on_community_post(auth_api_client, user):
    community = CommunityFactory()
    MembershipFactory(community=community, user=user, is_banned=True)
    response = auth_api_client.post(comments_url(PostFactory(community=community)), {"text": "let me in"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_comments_of_hidden_posts_are_404(auth_api_client, user):
    removed = CommentFactory(post=PostFactory(removed_at=timezone.now()))
    blocked = CommentFactory()
    BlockFactory(blocker=blocked.post.author, blocked=user)
    for comment in (removed, blocked):
        assert auth_api_client.get(comments_url(comment.post)).status_code == 404
        assert auth_api_client.post(comments_url(comment.post), {"text": "hi"}).status_code == 404
        assert auth_api_client.get(f"/api/v1/comments/{comment.pk}/").status_code == 404
        assert auth_api_client.get(f"/api/v1/comments/{comment.pk}/replies/").status_code == 404
        assert auth_api_client.post(f"/api/v1/comments/{comment.pk}/like/").status_code == 404
    assert Comment.objects.count() == 2
    assert not CommentLike.objects.exists()


def test_schema_lists_comment_endpoints_without_warnings(api_client, capsys):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    paths = ["posts/{post_id}/comments/", "comments/{id}/", "comments/{id}/replies/", "comments/{id}/like/",
             "comments/{id}/remove/", "posts/{post_id}/repost/", "users/{username}/reposts/"]
    for path in paths:
        assert f"/api/v1/{path}:" in body
    assert "comments/api" not in capsys.readouterr().err  # spectacular names the view's file in each warning
